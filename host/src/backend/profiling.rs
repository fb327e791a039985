//! A decorator that times every call of an inner backend, so the prover bench can print the share
//! of a proof spent in MSM, NTT and transfers (the rest is host work: quotient evaluation,
//! polynomial arithmetic, hashing).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{Backend, BackendError, BasesHandle, BasesId, MsmJob, NttKind, PolyHandle};
use crate::{Fr, G1Affine, G1Projective};

/// Accumulated time and call counts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Profile {
    pub msm: Duration,
    pub msm_calls: usize,
    pub msm_points: usize,
    pub ntt: Duration,
    pub ntt_calls: usize,
    pub transfer: Duration,
    /// The lookup argument's kernels (`batch_invert`, `lookup_multiplicities`): time and calls.
    pub lookup: Duration,
    pub lookup_calls: usize,
}

/// Wraps a backend and records how long its calls take.
pub struct ProfilingBackend<B> {
    inner: B,
    profile: Mutex<Profile>,
}

impl<B: Backend> ProfilingBackend<B> {
    pub fn new(inner: B) -> Self {
        Self { inner, profile: Mutex::new(Profile::default()) }
    }
    pub fn inner(&self) -> &B {
        &self.inner
    }
    /// Returns the profile so far and starts a new one.
    pub fn take_profile(&self) -> Profile {
        std::mem::take(&mut *self.profile.lock().expect("profile lock"))
    }
    fn record(&self, f: impl FnOnce(&mut Profile)) {
        f(&mut self.profile.lock().expect("profile lock"))
    }
}

impl<B: Backend> Backend for ProfilingBackend<B> {
    fn name(&self) -> String {
        format!("profiled {}", self.inner.name())
    }
    fn load_bases(&self, id: BasesId, bases: &[G1Affine]) -> Result<BasesHandle, BackendError> {
        let t = Instant::now();
        let r = self.inner.load_bases(id, bases);
        self.record(|p| p.transfer += t.elapsed());
        r
    }
    fn has_bases(&self, id: &BasesId) -> bool {
        self.inner.has_bases(id)
    }
    fn release_bases(&self, bases: &BasesHandle) {
        self.inner.release_bases(bases)
    }
    fn upload(&self, values: &[&[Fr]]) -> Result<Vec<PolyHandle>, BackendError> {
        let t = Instant::now();
        let r = self.inner.upload(values);
        self.record(|p| p.transfer += t.elapsed());
        r
    }
    fn download(&self, poly: &PolyHandle) -> Result<Vec<Fr>, BackendError> {
        let t = Instant::now();
        let r = self.inner.download(poly);
        self.record(|p| p.transfer += t.elapsed());
        r
    }
    fn release(&self, poly: PolyHandle) {
        self.inner.release(poly)
    }
    fn msm_unchecked(&self, jobs: &[MsmJob<'_>]) -> Result<Vec<G1Projective>, BackendError> {
        let t = Instant::now();
        let r = self.inner.msm_unchecked(jobs);
        let points: usize = jobs.iter().map(|j| j.scalars.len).sum();
        self.record(|p| {
            p.msm += t.elapsed();
            p.msm_calls += 1;
            p.msm_points += points;
        });
        r
    }
    fn ntt_unchecked(&self, polys: &[&PolyHandle], log_size: u32, kind: NttKind) -> Result<Vec<PolyHandle>, BackendError> {
        let t = Instant::now();
        let r = self.inner.ntt_unchecked(polys, log_size, kind);
        self.record(|p| {
            p.ntt += t.elapsed();
            p.ntt_calls += 1;
        });
        r
    }
    fn batch_invert(&self, values: &mut [Fr]) -> Result<(), BackendError> {
        let t = Instant::now();
        let r = self.inner.batch_invert(values);
        self.record(|p| {
            p.lookup += t.elapsed();
            p.lookup_calls += 1;
        });
        r
    }
    fn lookup_multiplicities(&self, table: &[&[Fr]], inputs: &[&[Fr]]) -> Result<super::Multiplicities, BackendError> {
        let t = Instant::now();
        let r = self.inner.lookup_multiplicities(table, inputs);
        self.record(|p| {
            p.lookup += t.elapsed();
            p.lookup_calls += 1;
        });
        r
    }
}
