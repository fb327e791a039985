//! Zero-knowledge audit (built with the `test-utils` feature): the blinding of every committed
//! witness polynomial of an honest proof against the number of distinct points the protocol
//! opens it at, derived from the circuit's queries (`opening_list`), so a new argument that
//! commits and opens a polynomial is audited without being listed here.
//!
//! A polynomial p = (values on H) + b(X)·Z_H(X) with b of degree B − 1 reveals, through the
//! proof, one linear functional per opening point and one for its commitment ([p(τ)]). Z_H is
//! non-zero at ζ·ω^r (ζ ∉ H) and at τ, so those k + 1 functionals of the B random coefficients
//! are jointly uniform — independent of the values on H — when B ≥ k + 1 (and the points are
//! distinct). The quotient pieces are not audited here: t is determined by the other openings
//! through the identity at ζ, and each piece but the last carries one fresh scalar that links it
//! to the next (docs/plonk.md §12).

use std::collections::{BTreeMap, BTreeSet};

use ark_ff::Zero;
use rand::{CryptoRng, RngCore};

use super::adversary::PolyId;
use super::circuit::Witness;
use super::keys::ProvingKey;
use super::malicious::Hooks;
use super::prover::{prove_inner, ProveOptions};
use super::{opening_list, Opened};
use crate::backend::Backend;
use crate::error::Result;
use crate::Fr;

/// One committed witness polynomial of a proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blinding {
    pub poly: PolyId,
    /// deg p − (n − 1): the number of blinding scalars the prover added (0 if p has degree < n).
    pub blinding: usize,
    /// The distinct rotations (points ζ·ω^r) at which the proof opens p.
    pub points: usize,
}

/// The distinct opening rotations of every committed witness polynomial of the circuit.
pub fn opening_points(pk: &ProvingKey) -> BTreeMap<PolyId, usize> {
    let cs = pk.vk.cs();
    let queries = cs.queries();
    let mut rots: BTreeMap<PolyId, BTreeSet<i32>> = BTreeMap::new();
    for (o, rot) in opening_list(cs, pk.vk.shape()) {
        let id = match o {
            Opened::Advice(i) => PolyId::Advice(queries.advice[i].column.index),
            Opened::Z(c, _) => PolyId::Permutation(c),
            Opened::LookupM(l) => PolyId::LookupM(l),
            Opened::LookupPhi(l, _) => PolyId::LookupPhi(l),
            Opened::ProjectionPhi(_) => PolyId::ProjectionPhi,
            Opened::Fixed(_) | Opened::Sigma(_) | Opened::Quotient => continue,
        };
        rots.entry(id).or_default().insert(rot);
    }
    rots.into_iter().map(|(id, r)| (id, r.len())).collect()
}

/// Proves `witness` honestly, recording every committed witness polynomial, and returns its
/// blinding next to its opening points. A polynomial committed but never opened, or opened but
/// not committed through the blinded commitment, is listed with 0 points or 0 blinding.
pub fn audit<R: RngCore + CryptoRng>(
    backend: &dyn Backend,
    pk: &ProvingKey,
    witness: &Witness,
    instances: &[Vec<Fr>],
    rng: &mut R,
) -> Result<Vec<Blinding>> {
    let n = pk.vk.shape().n;
    let mut seen: BTreeMap<PolyId, usize> = BTreeMap::new();
    {
        let mut hooks = Hooks {
            committed: Some(Box::new(|id, coeffs: &[Fr]| {
                let degree_plus_one = coeffs.iter().rposition(|c| !c.is_zero()).map_or(0, |d| d + 1);
                seen.insert(id, degree_plus_one.saturating_sub(n));
            })),
            ..Hooks::default()
        };
        prove_inner(backend, pk, witness, instances, rng, ProveOptions::default(), &mut hooks)?;
    }
    let points = opening_points(pk);
    let ids: BTreeSet<PolyId> = seen.keys().chain(points.keys()).copied().collect();
    Ok(ids
        .into_iter()
        .map(|poly| Blinding { poly, blinding: seen.get(&poly).copied().unwrap_or(0), points: points.get(&poly).copied().unwrap_or(0) })
        .collect())
}
