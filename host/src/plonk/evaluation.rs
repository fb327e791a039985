//! The combined constraint N(x) = Σ_i α^i·C_i(x) over every declared gate identity, then the
//! permutation's constraints, then each lookup's two constraints (L_0·φ_l, the running-sum step), then the projection's
//! running-sum step (with projections). One function serves the prover (each point of the extended
//! coset) and the verifier (at ζ), so they agree by construction; gates are evaluated generically
//! from their declared expressions.

use super::circuit::{Column, ConstraintSystem, Query};
use super::lookup::{self, LookupAt};
use super::permutation;
use super::projection::ProjectionAt;
use crate::Fr;

/// The permutation-related values at one point.
pub(crate) struct PermutationAt<S: Fn(usize) -> Fr, Z: Fn(usize) -> Fr, ZN: Fn(usize) -> Fr> {
    pub chunk_len: usize,
    pub sigma: S,
    /// P_c(x) per chunk (P_0 = Z, then the partial products).
    pub z: Z,
    /// Z(ωx) (called with 0 only).
    pub z_next: ZN,
}

/// Σ_i α^i·C_i(x). `query` reads a column at a rotation at this point; `l0` is L_0(x).
#[allow(clippy::too_many_arguments)]
#[inline]
pub(crate) fn combined_constraints<
    Q: Fn(Query) -> Fr,
    S: Fn(usize) -> Fr,
    Z: Fn(usize) -> Fr,
    ZN: Fn(usize) -> Fr,
    M: Fn(usize) -> Fr,
    P: Fn(usize) -> Fr,
    PN: Fn(usize) -> Fr,
>(
    cs: &ConstraintSystem,
    shifts: &[Fr],
    query: &Q,
    perm: Option<PermutationAt<S, Z, ZN>>,
    lookups: Option<LookupAt<M, P, PN>>,
    projection: Option<ProjectionAt>,
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
    acc + argument_constraints(cs, shifts, query, perm, lookups, projection, x, l0, [beta, gamma, alpha], alpha_pow)
}

/// The part of [`combined_constraints`] after the gates: the permutation's and the lookups'
/// constraints, Σ α^i·C_i with the powers starting at `alpha_pow` = α^(number of gate
/// identities). The prover evaluates the gates on whole chunks of points
/// (`Expression::evaluate_many`) and adds this per point; the verifier uses
/// [`combined_constraints`], which calls this, so the argument constraints are one function.
#[allow(clippy::too_many_arguments)]
#[inline]
pub(crate) fn argument_constraints<
    Q: Fn(Query) -> Fr,
    S: Fn(usize) -> Fr,
    Z: Fn(usize) -> Fr,
    ZN: Fn(usize) -> Fr,
    M: Fn(usize) -> Fr,
    P: Fn(usize) -> Fr,
    PN: Fn(usize) -> Fr,
>(
    cs: &ConstraintSystem,
    shifts: &[Fr],
    query: &Q,
    perm: Option<PermutationAt<S, Z, ZN>>,
    lookups: Option<LookupAt<M, P, PN>>,
    projection: Option<ProjectionAt>,
    x: Fr,
    l0: Fr,
    [beta, gamma, alpha]: [Fr; 3],
    mut alpha_pow: Fr,
) -> Fr {
    let mut acc = <Fr as ark_ff::Zero>::zero();
    if let Some(p) = perm {
        let wire = |j: usize| -> Fr {
            let column: Column = cs.permutation[j];
            query(Query { column, rotation: 0 })
        };
        permutation::accumulate_constraints(
            p.chunk_len,
            shifts,
            wire,
            p.sigma,
            p.z,
            p.z_next,
            l0,
            x,
            [beta, gamma, alpha],
            &mut acc,
            &mut alpha_pow,
        );
    }
    if let Some(at) = lookups {
        lookup::accumulate_constraints(&cs.lookups, query, &at, l0, alpha, &mut acc, &mut alpha_pow);
    }
    if let Some(p) = projection {
        acc += alpha_pow * p.constraint(l0);
    }
    acc
}
