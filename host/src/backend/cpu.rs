//! The CPU backend: the kernels of [`crate::cpu`] (Pippenger MSM with GLV, small-scalar classes
//! and batch-affine buckets; depth-first radix-4 NTTs with cached twiddles), both bit-identical to
//! arkworks and multi-threaded with rayon. "Resident" data lives in host memory behind `Arc`s.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::{Backend, BackendError, BasesHandle, BasesId, MsmJob, NttKind, PolyHandle};
use crate::{Fr, G1Affine, G1Projective};

/// Multi-threaded CPU backend on the [`crate::cpu`] kernels.
#[derive(Default)]
pub struct CpuBackend {
    bases: Mutex<HashMap<BasesId, Arc<Vec<G1Affine>>>>,
    polys: Mutex<HashMap<u64, Arc<Vec<Fr>>>>,
    next_id: AtomicU64,
}

impl CpuBackend {
    pub fn new() -> Self {
        Self::default()
    }

    fn poly(&self, h: &PolyHandle) -> Result<Arc<Vec<Fr>>, BackendError> {
        self.polys
            .lock()
            .expect("backend lock")
            .get(&h.id)
            .cloned()
            .ok_or_else(|| BackendError::UnknownHandle { what: "polynomial", id: h.id.to_string() })
    }

    fn insert(&self, v: Vec<Fr>) -> PolyHandle {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let len = v.len();
        self.polys.lock().expect("backend lock").insert(id, Arc::new(v));
        PolyHandle { id, len }
    }

    /// The number of resident vectors (tests check that the prover releases what it uploads).
    pub fn resident_polys(&self) -> usize {
        self.polys.lock().expect("backend lock").len()
    }
}

impl Backend for CpuBackend {
    fn name(&self) -> String {
        format!("cpu-zkaccel ({} threads)", rayon::current_num_threads())
    }

    fn load_bases(&self, id: BasesId, bases: &[G1Affine]) -> Result<BasesHandle, BackendError> {
        let mut map = self.bases.lock().expect("backend lock");
        map.entry(id).or_insert_with(|| Arc::new(bases.to_vec()));
        Ok(BasesHandle { id, len: bases.len() })
    }

    fn has_bases(&self, id: &BasesId) -> bool {
        self.bases.lock().expect("backend lock").contains_key(id)
    }

    fn release_bases(&self, bases: &BasesHandle) {
        self.bases.lock().expect("backend lock").remove(&bases.id);
    }

    fn upload(&self, values: &[&[Fr]]) -> Result<Vec<PolyHandle>, BackendError> {
        Ok(values.iter().map(|v| self.insert(v.to_vec())).collect())
    }

    fn download(&self, poly: &PolyHandle) -> Result<Vec<Fr>, BackendError> {
        Ok(self.poly(poly)?.as_ref().clone())
    }

    fn release(&self, poly: PolyHandle) {
        self.polys.lock().expect("backend lock").remove(&poly.id);
    }

    fn msm_unchecked(&self, jobs: &[MsmJob<'_>]) -> Result<Vec<G1Projective>, BackendError> {
        jobs.iter()
            .map(|job| {
                let points = self
                    .bases
                    .lock()
                    .expect("backend lock")
                    .get(&job.bases.id)
                    .cloned()
                    .ok_or_else(|| BackendError::UnknownHandle { what: "bases", id: job.bases.id.hex() })?;
                let s = self.poly(job.scalars)?;
                // The handles' lengths are the caller's word; the resident vectors are ours.
                if s.len() > points.len() {
                    return Err(BackendError::Length(format!("{} resident scalars for {} resident bases", s.len(), points.len())));
                }
                Ok(crate::cpu::msm::msm_unchecked(&points[..s.len()], &s))
            })
            .collect()
    }

    fn ntt_unchecked(&self, polys: &[&PolyHandle], log_size: u32, kind: NttKind) -> Result<Vec<PolyHandle>, BackendError> {
        if log_size > super::MAX_LOG_SIZE {
            return Err(BackendError::UnsupportedSize(log_size));
        }
        let size = 1usize << log_size;
        if let NttKind::CosetForward { shift } | NttKind::CosetInverse { shift } = kind {
            if ark_ff::Zero::is_zero(&shift) {
                return Err(BackendError::Invalid("coset shift must be non-zero".into()));
            }
        }
        polys
            .iter()
            .map(|h| {
                let mut v = self.poly(h)?.as_ref().clone();
                v.resize(size, Fr::from(0u64));
                match kind {
                    NttKind::Forward => crate::cpu::ntt::fft_in_place(&mut v),
                    NttKind::Inverse => crate::cpu::ntt::ifft_in_place(&mut v),
                    NttKind::CosetForward { shift } => crate::cpu::ntt::coset_fft_in_place(&mut v, shift),
                    NttKind::CosetInverse { shift } => crate::cpu::ntt::coset_ifft_in_place(&mut v, shift),
                }
                Ok(self.insert(v))
            })
            .collect()
    }
}
