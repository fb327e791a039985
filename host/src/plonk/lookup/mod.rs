//! The logUp lookup argument (Haböck, eprint 2022/1530) for fixed tables.
//!
//! A lookup declares input expressions f_1 … f_w (over any columns, usually `selector · x`) and
//! as many fixed table columns T_1 … T_w. Every row's input tuple must be a row of the table.
//! With the tuple-compression challenge θ and the lookup challenge β_L:
//!
//!   f(X) = Σ_j θ^{j}·f_j(X),  t(X) = Σ_j θ^{j}·T_j(X),
//!   Σ_i m_i/(β_L + t(ω^i)) = Σ_i 1/(β_L + f(ω^i)),
//!
//! where m_i counts how often table row i is looked up. The prover commits to the multiplicities
//! m (round 1, after the advice columns; θ and β_L are squeezed only after both) and to the
//! running sum φ (round 2, with the permutation products):
//!
//!   φ(ω^0) = 0,  φ(ω^{i+1}) = φ(ω^i) + 1/(β_L + f(ω^i)) − m_i/(β_L + t(ω^i)),
//!
//! which wraps around to φ(ω^n) = φ(ω^0) = 0 exactly when the two sums agree. Constraints (on
//! every row; the blinding is a multiple of Z_H, so no rows are reserved):
//!
//! * L_0(X)·φ(X) = 0;
//! * (φ(ωX) − φ(X))·(β_L + f)(β_L + t) − (β_L + t) + m·(β_L + f) = 0 (degree 2 + deg f).
//!
//! m is blinded with 2 scalars (opened at ζ), φ with 3 (opened at ζ and ζω), like the advice
//! columns and the permutation products; the multiplicities would otherwise reveal the histogram
//! of the private inputs. Unused rows must evaluate to a tuple of the table (with a selector
//! factor, the all-zero tuple: tables should contain it).

pub mod prover;
pub mod verifier;

use super::circuit::{Column, Expression, Query};
use crate::Fr;

/// A declared lookup: every row's `inputs` tuple is a row of the fixed `table` columns.
#[derive(Clone, Debug, PartialEq)]
pub struct Lookup {
    pub name: String,
    pub inputs: Vec<Expression>,
    pub table: Vec<Column>,
}

impl Lookup {
    /// The degree of the running-sum constraint: 2 + max(deg f_j, 1).
    pub fn degree(&self) -> usize {
        2 + self.inputs.iter().map(|e| e.degree()).max().unwrap_or(1).max(1)
    }
}

/// Blinding scalars of a multiplicity column (opened at one point) and a running sum (two points).
pub const M_BLINDING: usize = 2;
pub const PHI_BLINDING: usize = 3;

/// Σ_j θ^j·v_j (Horner from the last entry).
#[inline]
pub fn compress(values: impl DoubleEndedIterator<Item = Fr>, theta: Fr) -> Fr {
    values.rev().fold(Fr::from(0u64), |acc, v| acc * theta + v)
}

/// The lookup values at one point x.
pub(crate) struct LookupAt<M: Fn(usize) -> Fr, P: Fn(usize) -> Fr, PN: Fn(usize) -> Fr> {
    pub m: M,
    pub phi: P,
    pub phi_next: PN,
    pub theta: Fr,
    pub beta: Fr,
}

/// Adds every lookup's two constraints at one point to `acc` (continuing the powers of α), in
/// declaration order: L_0·φ_l, then the running-sum step. Shared by the prover and the verifier.
#[allow(clippy::too_many_arguments)]
#[inline]
pub(crate) fn accumulate_constraints<Q: Fn(Query) -> Fr, M: Fn(usize) -> Fr, P: Fn(usize) -> Fr, PN: Fn(usize) -> Fr>(
    lookups: &[Lookup],
    query: &Q,
    at: &LookupAt<M, P, PN>,
    l0: Fr,
    alpha: Fr,
    acc: &mut Fr,
    alpha_pow: &mut Fr,
) {
    for (l, lk) in lookups.iter().enumerate() {
        let f = at.beta + compress(lk.inputs.iter().map(|e| e.evaluate(query)), at.theta);
        let t = at.beta + compress(lk.table.iter().map(|c| query(Query { column: *c, rotation: 0 })), at.theta);
        let phi = (at.phi)(l);
        *acc += *alpha_pow * (l0 * phi);
        *alpha_pow *= alpha;
        *acc += *alpha_pow * (((at.phi_next)(l) - phi) * f * t - t + (at.m)(l) * f);
        *alpha_pow *= alpha;
    }
}
