//! The `Backend` seam: every MSM and NTT of the prover goes through it, so that the CPU or the
//! FPGA card can serve it.
//!
//! The trait is shaped for a card with its own memory and slow transfers:
//! * **fixed bases stay resident**: [`Backend::load_bases`] uploads a set of G1 points (the
//!   Lagrange-form SRS, the monomial SRS) once, named by the Keccak-256 hash of their encoding
//!   ([`BasesId`]); loading the same bases again is a no-op that returns the same handle;
//! * **polynomials stay resident**: [`Backend::upload`] returns a [`PolyHandle`]; NTT outputs are
//!   new handles on the device; only [`Backend::download`] brings values back;
//! * **batched calls**: one round's commitments are one [`Backend::msm_unchecked`] call (a list of
//!   [`MsmJob`]s, each naming its resident base set — e.g. the witness columns over the Lagrange
//!   SRS together with their blinding terms over the blinding bases), one round's transforms one
//!   [`Backend::ntt_unchecked`] call, so a card can pipeline transfers and compute across the
//!   batch.
//!
//! Trait methods are the *unchecked* half (arkworks / ICICLE style); callers use the checked
//! wrappers of [`BackendExt`] (`msm`, `ntt`), which validate lengths and sizes first so that a
//! contract violation is an error before any buffer reaches a device.
//!
//! Implementing a backend (the accelerator backend `zkaccel_driver::accel::AccelBackend` does):
//! * handle ids are opaque and unique within one backend instance; a handle from another backend
//!   is an `UnknownHandle` error, never undefined behaviour;
//! * `load_bases` keeps the points resident until `release_bases` (a card short of memory may
//!   return a `Device` error rather than evict silently); the prover loads three base sets per
//!   proving key (Lagrange, monomial, blinding) and reuses them across proofs;
//! * results must be exact: MSM results are compared with arkworks by
//!   `conformance::check_msm` (feature `test-utils`), including zero, ±1, repeated points and
//!   P + (−P) in one batch; NTT outputs with `conformance::check_ntt`;
//! * field elements cross the boundary in arkworks form; conversion to the wire format of
//!   `docs/interfaces.md` (32-byte little-endian Montgomery, MSM scalars canonical) happens inside
//!   the backend, once.
//!
//! Scalars are field elements ([`Fr`]). Quantized witness columns hold small integers (negatives as
//! r − |v|); a backend may classify scalars by size and take a small-scalar path — the CPU backend
//! does, in `crate::cpu::msm` (`small_scalar.rs`: signed small scalars by size class).

#[cfg(any(test, feature = "test-utils"))]
pub mod conformance;
mod cpu;
mod profiling;

pub use cpu::CpuBackend;
pub use profiling::{ProfilingBackend, Profile};

use sha3::{Digest, Keccak256};

pub use crate::error::BackendError;
use crate::{Fr, G1Affine, G1Projective};

/// The largest transform the backends accept (BN254 Fr has 2-adicity 28).
pub const MAX_LOG_SIZE: u32 = 28;

/// The name of a set of fixed bases: Keccak-256 of their encoding ([`crate::codec`] G1 format,
/// concatenated).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BasesId(pub [u8; 32]);

impl BasesId {
    /// Hashes a set of bases.
    pub fn of(bases: &[G1Affine]) -> Self {
        let mut h = Keccak256::new();
        h.update((bases.len() as u64).to_le_bytes());
        for p in bases {
            h.update(crate::codec::g1_to_bytes(p));
        }
        Self(h.finalize().into())
    }

    pub fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A set of fixed bases resident on a backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BasesHandle {
    pub id: BasesId,
    pub len: usize,
}

/// A vector of field elements resident on a backend. Not `Clone`: it names one buffer, released
/// with [`Backend::release`].
#[derive(Debug, PartialEq, Eq)]
pub struct PolyHandle {
    pub id: u64,
    pub len: usize,
}

/// One MSM of a batch: `Σ_i scalars[i] · bases[i]` over a resident base set, for a resident
/// scalar vector no longer than the bases.
#[derive(Clone, Copy, Debug)]
pub struct MsmJob<'a> {
    pub bases: &'a BasesHandle,
    pub scalars: &'a PolyHandle,
}

/// Which transform [`Backend::ntt_unchecked`] performs on vectors of size `2^log_size`
/// (inputs shorter than the size are zero-padded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NttKind {
    /// Coefficients → evaluations on the subgroup H = ⟨ω⟩: `y_i = Σ_j c_j ω^{ij}`.
    Forward,
    /// Evaluations on H → coefficients (inverse of `Forward`).
    Inverse,
    /// Coefficients → evaluations on the coset `shift·H`: `y_i = Σ_j c_j (shift·ω^i)^j`.
    CosetForward { shift: Fr },
    /// Evaluations on `shift·H` → coefficients (inverse of `CosetForward`).
    CosetInverse { shift: Fr },
}

/// The backend seam. See the module documentation for the design.
pub trait Backend: Send + Sync {
    /// A human-readable name ("cpu-zkaccel (2 threads)", "accel [card 0: …] with … as fallback").
    fn name(&self) -> String;

    /// Makes `bases` resident under `id` (which must be `BasesId::of(bases)`; the checked wrapper
    /// [`BackendExt::load_bases_checked`] computes it). Idempotent: bases already resident are not
    /// transferred again.
    fn load_bases(&self, id: BasesId, bases: &[G1Affine]) -> Result<BasesHandle, BackendError>;

    /// Whether bases with this id are resident.
    fn has_bases(&self, id: &BasesId) -> bool;

    /// Frees resident bases.
    fn release_bases(&self, bases: &BasesHandle);

    /// Copies host vectors to the backend (one call per batch).
    fn upload(&self, values: &[&[Fr]]) -> Result<Vec<PolyHandle>, BackendError>;

    /// Copies a resident vector back to the host.
    fn download(&self, poly: &PolyHandle) -> Result<Vec<Fr>, BackendError>;

    /// Frees a resident vector.
    fn release(&self, poly: PolyHandle);

    /// Batched MSM over resident bases: result `k` is job k's `Σ_i scalars[i] · bases[i]`
    /// (unchecked: see [`BackendExt::msm_batch`]).
    fn msm_unchecked(&self, jobs: &[MsmJob<'_>]) -> Result<Vec<G1Projective>, BackendError>;

    /// Batched NTT: each input (no longer than `2^log_size`) is zero-padded and transformed;
    /// results are new resident vectors of length `2^log_size` (unchecked: see [`BackendExt::ntt`]).
    fn ntt_unchecked(&self, polys: &[&PolyHandle], log_size: u32, kind: NttKind) -> Result<Vec<PolyHandle>, BackendError>;

    /// Lookup helper: replaces every non-zero value by its inverse (Montgomery's trick); zeros
    /// stay zero. The default runs on the host; an accelerator may override it.
    fn batch_invert(&self, values: &mut [Fr]) -> Result<(), BackendError> {
        host_batch_invert(values);
        Ok(())
    }

    /// Lookup helper: how often each table row (a tuple, given column-wise in `table`) occurs
    /// among the input rows (column-wise in `inputs`, the same number of columns). A tuple that
    /// occurs several times in the table is counted at its first row only. The default runs on
    /// the host; an accelerator may override it.
    fn lookup_multiplicities(&self, table: &[&[Fr]], inputs: &[&[Fr]]) -> Result<Multiplicities, BackendError> {
        Ok(host_lookup_multiplicities(table, inputs))
    }
}

/// A shared backend is a backend (the CLI keeps the accelerator backend for its profile while the
/// prover uses it).
impl<B: Backend + ?Sized> Backend for std::sync::Arc<B> {
    fn name(&self) -> String {
        (**self).name()
    }
    fn load_bases(&self, id: BasesId, bases: &[G1Affine]) -> Result<BasesHandle, BackendError> {
        (**self).load_bases(id, bases)
    }
    fn has_bases(&self, id: &BasesId) -> bool {
        (**self).has_bases(id)
    }
    fn release_bases(&self, bases: &BasesHandle) {
        (**self).release_bases(bases)
    }
    fn upload(&self, values: &[&[Fr]]) -> Result<Vec<PolyHandle>, BackendError> {
        (**self).upload(values)
    }
    fn download(&self, poly: &PolyHandle) -> Result<Vec<Fr>, BackendError> {
        (**self).download(poly)
    }
    fn release(&self, poly: PolyHandle) {
        (**self).release(poly)
    }
    fn msm_unchecked(&self, jobs: &[MsmJob<'_>]) -> Result<Vec<G1Projective>, BackendError> {
        (**self).msm_unchecked(jobs)
    }
    fn ntt_unchecked(&self, polys: &[&PolyHandle], log_size: u32, kind: NttKind) -> Result<Vec<PolyHandle>, BackendError> {
        (**self).ntt_unchecked(polys, log_size, kind)
    }
    fn batch_invert(&self, values: &mut [Fr]) -> Result<(), BackendError> {
        (**self).batch_invert(values)
    }
    fn lookup_multiplicities(&self, table: &[&[Fr]], inputs: &[&[Fr]]) -> Result<Multiplicities, BackendError> {
        (**self).lookup_multiplicities(table, inputs)
    }
}

/// The result of [`Backend::lookup_multiplicities`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Multiplicities {
    /// One count per table row.
    pub counts: Vec<Fr>,
    /// The input rows whose tuple is not in the table (in increasing order).
    pub missing: Vec<usize>,
}

/// The host reference of [`Backend::batch_invert`].
pub fn host_batch_invert(values: &mut [Fr]) {
    ark_ff::batch_inversion(values);
}

/// The host reference of [`Backend::lookup_multiplicities`]. Every table column has the table's
/// rows and every input column the input's: the rows of a tuple are the shortest column's (a
/// longer column's extra entries belong to no tuple).
pub fn host_lookup_multiplicities(table: &[&[Fr]], inputs: &[&[Fr]]) -> Multiplicities {
    use std::collections::HashMap;
    let rows = table.iter().map(|c| c.len()).min().unwrap_or(0);
    let in_rows = inputs.iter().map(|c| c.len()).min().unwrap_or(0);
    let tuple = |cols: &[&[Fr]], i: usize| -> Vec<Fr> { cols.iter().map(|c| c[i]).collect() };
    let mut index: HashMap<Vec<Fr>, usize> = HashMap::with_capacity(rows);
    for i in 0..rows {
        index.entry(tuple(table, i)).or_insert(i);
    }
    let mut counts = vec![0u64; rows];
    let mut missing = vec![];
    for i in 0..in_rows {
        match (table.len() == inputs.len()).then(|| index.get(&tuple(inputs, i))).flatten() {
            Some(&r) => counts[r] += 1,
            None => missing.push(i),
        }
    }
    Multiplicities { counts: counts.into_iter().map(Fr::from).collect(), missing }
}

/// Checked wrappers over a [`Backend`]: validate, then call the unchecked trait method.
pub trait BackendExt: Backend {
    /// Hashes the bases and loads them (no transfer when they are already resident).
    fn load_bases_checked(&self, bases: &[G1Affine]) -> Result<BasesHandle, BackendError> {
        let id = BasesId::of(bases);
        self.load_bases(id, bases)
    }

    /// Checked batched MSM: every base set resident, no scalar vector longer than its bases.
    fn msm_batch(&self, jobs: &[MsmJob<'_>]) -> Result<Vec<G1Projective>, BackendError> {
        for (k, job) in jobs.iter().enumerate() {
            if !self.has_bases(&job.bases.id) {
                return Err(BackendError::UnknownHandle { what: "bases", id: job.bases.id.hex() });
            }
            if job.scalars.len > job.bases.len {
                return Err(BackendError::Length(format!(
                    "MSM {k}: {} scalars for {} bases",
                    job.scalars.len, job.bases.len
                )));
            }
        }
        let out = self.msm_unchecked(jobs)?;
        if out.len() != jobs.len() {
            return Err(BackendError::Device(format!("MSM returned {} results for {}", out.len(), jobs.len())));
        }
        Ok(out)
    }

    /// Checked batched MSM of several scalar vectors over one base set.
    fn msm(&self, bases: &BasesHandle, scalars: &[&PolyHandle]) -> Result<Vec<G1Projective>, BackendError> {
        let jobs: Vec<MsmJob<'_>> = scalars.iter().map(|s| MsmJob { bases, scalars: s }).collect();
        self.msm_batch(&jobs)
    }

    /// Checked batched NTT.
    fn ntt(&self, polys: &[&PolyHandle], log_size: u32, kind: NttKind) -> Result<Vec<PolyHandle>, BackendError> {
        if log_size > MAX_LOG_SIZE {
            return Err(BackendError::UnsupportedSize(log_size));
        }
        if let NttKind::CosetForward { shift } | NttKind::CosetInverse { shift } = kind {
            if ark_ff::Zero::is_zero(&shift) {
                return Err(BackendError::Invalid("coset shift must be non-zero".into()));
            }
        }
        let size = 1usize << log_size;
        for (k, p) in polys.iter().enumerate() {
            if p.len > size {
                return Err(BackendError::Length(format!("NTT {k}: input of length {} exceeds size {size}", p.len)));
            }
        }
        let out = self.ntt_unchecked(polys, log_size, kind)?;
        if out.len() != polys.len() || out.iter().any(|p| p.len != size) {
            return Err(BackendError::Device("NTT returned the wrong number or size of outputs".into()));
        }
        Ok(out)
    }

    /// Uploads host vectors, runs a batched MSM on them, releases them.
    fn msm_host(&self, bases: &BasesHandle, scalars: &[&[Fr]]) -> Result<Vec<G1Projective>, BackendError> {
        let handles = self.upload(scalars)?;
        let out = self.msm(bases, &handles.iter().collect::<Vec<_>>());
        handles.into_iter().for_each(|h| self.release(h));
        out
    }

    /// Uploads host vectors, transforms them, downloads the results, releases everything.
    fn ntt_host(&self, polys: &[&[Fr]], log_size: u32, kind: NttKind) -> Result<Vec<Vec<Fr>>, BackendError> {
        let handles = self.upload(polys)?;
        let outs = self.ntt(&handles.iter().collect::<Vec<_>>(), log_size, kind);
        handles.into_iter().for_each(|h| self.release(h));
        let outs = outs?;
        let res = outs.iter().map(|h| self.download(h)).collect();
        outs.into_iter().for_each(|h| self.release(h));
        res
    }
}

impl<B: Backend + ?Sized> BackendExt for B {}

#[cfg(test)]
mod tests;
