//! Plonk (Gabizon–Williamson–Ciobotaru) with KZG over BN254.
//!
//! * [`circuit`]: columns, gates (polynomial identities over rotations), copy constraints.
//! * [`mod@keygen`]: fixed columns and the permutation into a [`ProvingKey`] / [`VerifyingKey`].
//! * [`prover`]: the rounds, each a stage function; every MSM/NTT goes through a `Backend`.
//! * `round`: the machinery the prover's stages and the argument provers share (context,
//!   committed polynomials, blinded commitments); a leaf module.
//! * [`verifier`]: replays the transcript, checks the identity at ζ, one batched pairing check.
//! * [`proof`], [`keys`]: versioned, checked encodings.
//! * [`permutation`], `vanishing`: the copy-constraint argument and the quotient.
//! * [`projection`]: matrix–vector products with public weights by one random projection over
//!   all layers (a running sum committed after the challenge ρ).
//! * [`standard`]: the vanilla Plonk gate and a circuit builder (tests, benches, examples).
//! * [`dev`]: a row-by-row witness checker that names the failing gate and row.
//! * `malicious` (feature `test-utils`): a prover that deviates where a test tells it to, for
//!   soundness tests; `adversary` holds its hooks on the prover's rounds.
//! * `zk_audit` (feature `test-utils`): every committed witness polynomial's blinding against
//!   the points it is opened at.
//!
//! The protocol (round order, transcript encoding, blinding degrees) is in `docs/plonk.md`.

mod adversary;
pub mod circuit;
pub mod dev;
mod evaluation;
pub mod keygen;
pub mod keys;
pub mod mac;
pub mod lookup;
#[cfg(any(test, feature = "test-utils"))]
pub mod malicious;
pub mod permutation;
pub mod projection;
pub mod proof;
pub mod prover;
mod round;
pub mod standard;
mod vanishing;
pub mod verifier;
#[cfg(any(test, feature = "test-utils"))]
pub mod zk_audit;

pub use circuit::{Cell, Column, ColumnKind, ConstraintSystem, Expression, FixedAssignment, Gate, Query, Witness};
pub use keygen::keygen;
pub use keys::{CommitKey, ProvingKey, VerifyingKey};
pub use proof::Proof;
pub use prover::{prove, prove_with_os_rng};
pub use verifier::{verify, Challenges};

use ark_ff::FftField;

use crate::error::{Error, Result};
use crate::transcript::Transcript;
use crate::{Fr, G1Affine};

/// The coset shift of the extended domain on which the quotient is computed: the multiplicative
/// generator of Fr (7), which lies in no subgroup of 2-power order.
pub fn extended_coset_shift() -> Fr {
    Fr::GENERATOR
}

/// Everything about the protocol's sizes that follows from the constraint system and k: blinding
/// degrees, the quotient's degree and split, the extended domain and the SRS degree needed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    pub k: u32,
    pub n: usize,
    /// The maximum constraint degree D (gates, permutation and lookups).
    pub degree: usize,
    /// The permutation columns are split into `perm_chunks` chunks of at most `perm_chunk_len`
    /// columns, one committed polynomial each: the grand product Z for chunk 0, the partial
    /// products π_c after chunks 0 … C − 2 (0 chunks without copy constraints).
    pub perm_chunks: usize,
    pub perm_chunk_len: usize,
    /// Blinding scalars of each advice column: 1 + the number of distinct points it is opened at.
    pub advice_blinding: Vec<usize>,
    /// Blinding scalars of each permutation polynomial (Z is opened at ζ and ζω: 3; the partial
    /// products, opened at ζ only, get 3 as well), 0 without copies.
    pub z_blinding: usize,
    /// The largest of the blinding counts (B); every committed witness polynomial has degree
    /// below n + B.
    pub max_blinding: usize,
    /// An upper bound on deg t = deg N − n with deg N ≤ D·(n − 1 + B).
    pub quotient_degree: usize,
    /// log2 of the extended (coset) domain on which N/Z_H is evaluated.
    pub ext_k: u32,
    /// The quotient is committed as `num_pieces` pieces of `piece_size` coefficients (plus one
    /// blinding coefficient each).
    pub num_pieces: usize,
    pub piece_size: usize,
    /// The highest power of τ the proving key needs.
    pub srs_degree: usize,
}

impl Shape {
    pub fn new(cs: &ConstraintSystem, k: u32) -> Result<Self> {
        cs.validate()?;
        if !(1..=26).contains(&k) {
            return Err(Error::Circuit(format!("k = {k} is outside 1..=26")));
        }
        let n = 1usize << k;
        // Rotations wrap around the domain; keep them unambiguous (distinct rotations must be
        // distinct points).
        let all = cs.queries();
        let max_rot = all.advice.iter().chain(&all.fixed).chain(&all.instance).map(|q| q.rotation.unsigned_abs() as usize).max().unwrap_or(0);
        if 2 * max_rot >= n {
            return Err(Error::Circuit(format!("a rotation of {max_rot} is too large for {n} rows")));
        }
        let queries = cs.queries();
        let advice_blinding: Vec<usize> = (0..cs.num_advice)
            .map(|j| 1 + queries.advice.iter().filter(|q| q.column.index == j).count())
            .collect();
        let z_blinding = if cs.permutation.is_empty() { 0 } else { 3 };
        let lookup_blinding = if cs.lookups.is_empty() { 0 } else { lookup::M_BLINDING.max(lookup::PHI_BLINDING) };
        let projection_blinding = if projection::any(cs) { projection::PHI_BLINDING } else { 0 };
        if let Some((p, c)) = projection::cells(cs).find(|(_, c)| c.row >= n) {
            return Err(Error::Circuit(format!("projection {p:?}: cell {c:?} is beyond the {n} rows")));
        }
        let max_blinding = advice_blinding.iter().copied().chain([z_blinding, lookup_blinding, projection_blinding, 1]).max().unwrap_or(1);
        // The permutation: one grand product over all columns (degree columns + 1) when that fits
        // the budget max(gate degree, 4); otherwise chunks of budget − 1 columns chained by
        // partial products (each constraint has degree chunk + 1).
        let m = cs.permutation.len();
        let budget = cs.gate_degree().max(4);
        let (perm_chunks, perm_chunk_len, perm_degree) = if m == 0 {
            (0, 0, 0)
        } else if m < budget {
            (1, m, (m + 1).max(2))
        } else {
            let len = budget - 1;
            (m.div_ceil(len), len, budget)
        };
        // The projection's running-sum constraint has degree 2 (c_a·a).
        let projection_degree = if projection::any(cs) { 2 } else { 0 };
        let degree = cs.gate_degree().max(perm_degree).max(cs.lookup_degree()).max(projection_degree);
        let poly_degree = n - 1 + max_blinding;
        let quotient_degree = (degree * poly_degree).saturating_sub(n);
        let ext_size = (quotient_degree + 1).max(poly_degree + 1).next_power_of_two();
        let ext_k = ext_size.trailing_zeros();
        if ext_k > 28 {
            return Err(Error::Circuit(format!("the extended domain 2^{ext_k} exceeds 2^28")));
        }
        let num_pieces = (degree.saturating_sub(1)).max(2);
        let piece_size = (quotient_degree + 1).div_ceil(num_pieces);
        Ok(Self {
            k,
            n,
            degree,
            perm_chunks,
            perm_chunk_len,
            advice_blinding,
            z_blinding,
            max_blinding,
            quotient_degree,
            ext_k,
            num_pieces,
            piece_size,
            srs_degree: poly_degree.max(piece_size),
        })
    }

    /// The ratio between the extended domain and the base domain.
    pub fn ext_factor(&self) -> usize {
        1usize << (self.ext_k - self.k)
    }
}

/// What a proof opens, in the order of its evaluations and of the batched opening (public for
/// verifiers in other languages, e.g. the EVM verifier generator of `zkaccel-zkml`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opened {
    /// The i-th advice query.
    Advice(usize),
    /// The i-th fixed query.
    Fixed(usize),
    /// σ_j at ζ.
    Sigma(usize),
    /// The permutation polynomial of chunk c at ζ·ω^rot (Z = chunk 0 at rot 0 and 1, the partial
    /// products at rot 0).
    Z(usize, i32),
    /// Lookup l's multiplicities m_l at ζ.
    LookupM(usize),
    /// Lookup l's running sum φ_l at ζ·ω^rot (rot 0 or 1).
    LookupPhi(usize, i32),
    /// The projection's running sum at ζ·ω^rot (rot 0 or 1).
    ProjectionPhi(i32),
    /// The quotient pieces combined as Σ ζ^{i·piece_size} t_i, at ζ.
    Quotient,
}

/// The opening list (polynomial, rotation) shared by the prover and the verifier.
pub fn opening_list(cs: &ConstraintSystem, shape: &Shape) -> Vec<(Opened, i32)> {
    let q = cs.queries();
    let mut out: Vec<(Opened, i32)> = vec![];
    out.extend(q.advice.iter().enumerate().map(|(i, q)| (Opened::Advice(i), q.rotation)));
    out.extend(q.fixed.iter().enumerate().map(|(i, q)| (Opened::Fixed(i), q.rotation)));
    out.extend((0..cs.permutation.len()).map(|j| (Opened::Sigma(j), 0)));
    if shape.perm_chunks > 0 {
        out.push((Opened::Z(0, 0), 0));
        out.push((Opened::Z(0, 1), 1));
    }
    out.extend((1..shape.perm_chunks).map(|c| (Opened::Z(c, 0), 0)));
    for l in 0..cs.lookups.len() {
        out.push((Opened::LookupM(l), 0));
        out.push((Opened::LookupPhi(l, 0), 0));
        out.push((Opened::LookupPhi(l, 1), 1));
    }
    if projection::any(cs) {
        out.push((Opened::ProjectionPhi(0), 0));
        out.push((Opened::ProjectionPhi(1), 1));
    }
    out.push((Opened::Quotient, 0));
    out
}

// ---- Transcript stages, shared by the prover and the verifier so their order cannot drift ----

/// Round 0: the verifying key's digest, n, ω, and every public input (count-prefixed per column).
pub(crate) fn absorb_preamble(t: &mut Transcript, vk: &VerifyingKey, instances: &[Vec<Fr>]) {
    t.absorb_bytes(b"vk", &vk.digest());
    t.absorb_u64(b"n", vk.domain().n as u64);
    t.absorb_fr(b"omega", &vk.domain().omega);
    t.absorb_u64(b"instance_columns", instances.len() as u64);
    for col in instances {
        t.absorb_u64(b"public_inputs", col.len() as u64);
        for x in col {
            t.absorb_fr(b"pi", x);
        }
    }
}

/// The lookup challenges θ (tuple compression) and β_L, squeezed after the advice columns and
/// the multiplicities are absorbed (and after β, γ); none without lookups, so circuits without
/// lookups keep their transcript.
pub(crate) fn lookup_challenges(t: &mut Transcript, cs: &ConstraintSystem) -> (Fr, Fr) {
    if cs.lookups.is_empty() {
        return (Fr::from(0u64), Fr::from(0u64));
    }
    (t.challenge(b"theta"), t.challenge(b"lookup_beta"))
}

/// The projection challenge ρ, squeezed after every round-1 commitment (so after every x and y of
/// every layer) and the other round-1 challenges; none without projections, so other circuits
/// keep their transcript.
pub(crate) fn projection_challenge(t: &mut Transcript, cs: &ConstraintSystem) -> Fr {
    if !projection::any(cs) {
        return Fr::from(0u64);
    }
    t.challenge(b"projection_rho")
}

pub(crate) fn absorb_points(t: &mut Transcript, label: &[u8], points: &[G1Affine]) {
    for p in points {
        t.absorb_g1(label, p);
    }
}

pub(crate) fn absorb_scalars(t: &mut Transcript, label: &[u8], xs: &[Fr]) {
    for x in xs {
        t.absorb_fr(label, x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_of_the_standard_gate() {
        let b = standard::StandardCircuitBuilder::new();
        for k in [4u32, 10, 16] {
            let s = Shape::new(&b.cs, k).unwrap();
            let n = 1usize << k;
            assert_eq!(s.degree, 4);
            assert_eq!((s.perm_chunks, s.perm_chunk_len), (1, 3));
            assert_eq!(s.advice_blinding, vec![2, 2, 2]);
            assert_eq!((s.z_blinding, s.max_blinding), (3, 3));
            assert_eq!(s.quotient_degree, 4 * (n + 2) - n);
            assert_eq!(s.ext_k, k + 2);
            assert_eq!((s.num_pieces, s.piece_size), (3, n + 3));
            assert_eq!(s.srs_degree, n + 3);
        }
        assert!(Shape::new(&b.cs, 0).is_err() && Shape::new(&b.cs, 27).is_err());
    }

    #[test]
    fn bad_declarations_are_errors() {
        let mut cs = ConstraintSystem::new();
        let a = cs.advice_column();
        let pi = cs.instance_column();
        cs.enable_equality(pi);
        assert!(cs.validate().is_err(), "instance column in the permutation");
        let mut cs = ConstraintSystem::new();
        let a2 = cs.advice_column();
        cs.create_gate("far", vec![a2.rot(100)]);
        assert!(cs.validate().is_err(), "rotation beyond the limit");
        let mut cs = ConstraintSystem::new();
        cs.create_gate("undeclared", vec![a.cur() * a.cur()]);
        assert!(cs.validate().is_err(), "column not declared in this system");
        let mut cs = ConstraintSystem::new();
        let x = cs.advice_column();
        cs.create_gate("wrap", vec![x.rot(3) - x.cur()]);
        assert!(Shape::new(&cs, 2).is_err(), "rotation 3 on 4 rows is ambiguous");
        assert!(Shape::new(&cs, 3).is_ok());
    }
}
