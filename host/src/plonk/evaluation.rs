//! The combined constraint N(x) = Σ_i α^i·C_i(x) over every declared gate identity, then the
//! permutation's two constraints. One function serves the prover (each point of the extended
//! coset) and the verifier (at ζ), so they agree by construction; gates are evaluated generically
//! from their declared expressions.

use super::circuit::{Column, ConstraintSystem, Query};
use super::permutation;
use crate::Fr;

/// The permutation-related values at one point.
pub(crate) struct PermutationAt<S: Fn(usize) -> Fr> {
    pub sigma: S,
    pub z: Fr,
    pub z_next: Fr,
}

/// Σ_i α^i·C_i(x). `query` reads a column at a rotation at this point; `l0` is L_0(x).
#[allow(clippy::too_many_arguments)]
#[inline]
pub(crate) fn combined_constraints<Q: Fn(Query) -> Fr, S: Fn(usize) -> Fr>(
    cs: &ConstraintSystem,
    shifts: &[Fr],
    query: &Q,
    perm: Option<PermutationAt<S>>,
    x: Fr,
    l0: Fr,
    beta: Fr,
    gamma: Fr,
    alpha: Fr,
) -> Fr {
    let mut acc = Fr::from(0u64);
    let mut alpha_pow = Fr::from(1u64);
    for gate in &cs.gates {
        for e in &gate.constraints {
            acc += alpha_pow * e.evaluate(query);
            alpha_pow *= alpha;
        }
    }
    if let Some(p) = perm {
        let wire = |j: usize| -> Fr {
            let column: Column = cs.permutation[j];
            query(Query { column, rotation: 0 })
        };
        let [c0, c1] = permutation::constraint_values(shifts, wire, p.sigma, p.z, p.z_next, l0, x, beta, gamma);
        acc += alpha_pow * c0;
        alpha_pow *= alpha;
        acc += alpha_pow * c1;
    }
    acc
}
