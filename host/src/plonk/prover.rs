//! The prover: one stage function per round.
//!
//! 1. `commit_advice`: commit the blinded advice columns (Lagrange-basis MSM + blinding terms),
//!    then `lookup::prover::commit_multiplicities`; squeeze β, γ (and θ, β_L with lookups).
//! 2. `permutation::prover::{products, commit_products}`: the blinded grand products Z_c, then
//!    `lookup::prover::{running_sums, commit_running_sums}`, then (with projections, after ρ)
//!    `projection::prover::{running_sum, commit_running_sum}`; squeeze α.
//! 3. `vanishing::prover::{quotient_pieces, commit_pieces}`: N/Z_H on the extended coset, split
//!    into blinded pieces; squeeze ζ.
//! 4. `evaluate`: every opened polynomial at its point; squeeze v.
//! 5. `open`: one KZG witness per distinct point; squeeze u (the verifier's batching challenge).
//!
//! Each round's values pass through a hook (`adversary::Adversary`; no-ops for the honest prover)
//! before they are committed, so that the soundness tests can deviate (`plonk::malicious`).

use ark_ec::CurveGroup;
use ark_ff::Zero;
use rand::{CryptoRng, RngCore};

use super::circuit::{pad_columns, ColumnKind, Witness};
use super::keys::ProvingKey;
use super::proof::Proof;
use super::adversary::{Adversary, Honest, PolyId};
use super::round::{commit_blinded, Committed, Ctx};
use super::verifier::Challenges;
use super::{absorb_points, absorb_preamble, extended_coset_shift, lookup, lookup_challenges, opening_list, permutation, projection, projection_challenge, vanishing, Opened};
use crate::backend::{Backend, BackendExt, NttKind};
use crate::error::Result;
use crate::poly::evaluate as eval_poly;
use crate::poly::kzg::multiopen::{witness_polys, ProverQuery};
use crate::transcript::Transcript;
use crate::{Fr, G1Affine, G1Projective};

/// Options for [`prove_with_options`].
#[derive(Clone, Copy, Debug)]
pub struct ProveOptions {
    /// Refuse to prove when the quotient is not a polynomial of the expected degree (the witness
    /// does not satisfy the circuit). Tests turn it off to show that the *verifier* rejects such
    /// proofs too.
    pub check_witness: bool,
}

impl Default for ProveOptions {
    fn default() -> Self {
        Self { check_witness: true }
    }
}

/// Proves with blinding randomness from `rng` (a CSPRNG; tests pass a seeded one).
pub fn prove<R: RngCore + CryptoRng>(
    backend: &dyn Backend,
    pk: &ProvingKey,
    witness: &Witness,
    instances: &[Vec<Fr>],
    rng: &mut R,
) -> Result<Proof> {
    prove_with_options(backend, pk, witness, instances, rng, ProveOptions::default())
}

/// Proves with blinding randomness from the operating system's CSPRNG.
pub fn prove_with_os_rng(backend: &dyn Backend, pk: &ProvingKey, witness: &Witness, instances: &[Vec<Fr>]) -> Result<Proof> {
    prove(backend, pk, witness, instances, &mut rand::rngs::OsRng)
}

/// [`prove`] with explicit options.
pub fn prove_with_options<R: RngCore + CryptoRng>(
    backend: &dyn Backend,
    pk: &ProvingKey,
    witness: &Witness,
    instances: &[Vec<Fr>],
    rng: &mut R,
    options: ProveOptions,
) -> Result<Proof> {
    prove_inner(backend, pk, witness, instances, rng, options, &mut Honest)
}

/// The prover with hooks: the honest prover runs it with [`Honest`], the soundness tests with
/// adversaries (`plonk::malicious`).
pub(crate) fn prove_inner<R: RngCore + CryptoRng>(
    backend: &dyn Backend,
    pk: &ProvingKey,
    witness: &Witness,
    instances: &[Vec<Fr>],
    rng: &mut R,
    options: ProveOptions,
    adv: &mut dyn Adversary,
) -> Result<Proof> {
    let vk = &pk.vk;
    let cs = vk.cs();
    let shape = vk.shape();
    let domain = vk.domain();
    let n = shape.n;
    let advice_values = pad_columns("advice", &witness.advice, cs.num_advice, n)?;
    let instance_values = pad_columns("instance", instances, cs.num_instance, n)?;

    let ctx = Ctx {
        backend,
        pk,
        shape,
        domain,
        lagrange: backend.load_bases(pk.ck_ids[0], &pk.ck.lagrange)?,
        monomial: backend.load_bases(pk.ck_ids[1], &pk.ck.monomial)?,
        blinding: backend.load_bases(pk.ck_ids[2], &pk.ck.blinding)?,
    };
    let mut t = Transcript::new();
    absorb_preamble(&mut t, vk, instances);
    let mut ch = Challenges::default();
    let report = |adv: &mut dyn Adversary, id: fn(usize) -> PolyId, polys: &[Committed]| {
        polys.iter().enumerate().for_each(|(i, c)| adv.committed(id(i), &c.coeffs));
    };

    // Round 1: advice, then the lookup multiplicities (which depend on the advice only); the
    // lookup challenges θ, β_L are squeezed after both are absorbed.
    let mut advice_values = advice_values;
    adv.advice(&mut advice_values);
    let advice = commit_advice(&ctx, &advice_values, rng)?;
    report(adv, PolyId::Advice, &advice);
    absorb_points(&mut t, b"advice", &advice.iter().map(|c| c.commitment).collect::<Vec<_>>());
    let mut lookup_values = lookup::prover::multiplicities(
        &ctx,
        &cs.lookups,
        &lookup::prover::column_reader(&advice_values, &pk.fixed_values, &instance_values),
        options.check_witness,
    )?;
    adv.multiplicities(&ch, &mut lookup_values.m);
    let lookup_m = lookup::prover::commit_multiplicities(&ctx, &lookup_values, rng)?;
    report(adv, PolyId::LookupM, &lookup_m);
    absorb_points(&mut t, b"lookup_m", &lookup_m.iter().map(|c| c.commitment).collect::<Vec<_>>());
    ch.beta = t.challenge(b"beta");
    ch.gamma = t.challenge(b"gamma");
    (ch.theta, ch.lookup_beta) = lookup_challenges(&mut t, cs);
    // ρ after every round-1 commitment: every x and y of every layer is fixed by then.
    ch.rho = projection_challenge(&mut t, cs);
    let (beta, gamma, theta, lookup_beta) = (ch.beta, ch.gamma, ch.theta, ch.lookup_beta);

    // Round 2: permutation products, lookup running sums.
    let instance_ext = instance_on_coset(&ctx, &instance_values)?;
    let z = if cs.permutation.is_empty() {
        vec![]
    } else {
        let wires: Vec<&[Fr]> = cs
            .permutation
            .iter()
            .map(|c| match c.kind {
                ColumnKind::Advice => advice_values[c.index].as_slice(),
                _ => pk.fixed_values[c.index].as_slice(),
            })
            .collect();
        let mut values = permutation::prover::products(&ctx, &wires, beta, gamma);
        adv.products(&ch, &mut values);
        permutation::prover::commit_products(&ctx, &values, rng)?
    };
    report(adv, PolyId::Permutation, &z);
    let mut phi_values = lookup::prover::running_sums(&ctx, &lookup_values, theta, lookup_beta)?;
    drop(lookup_values);
    adv.running_sums(&ch, &mut phi_values);
    let lookup_phi = lookup::prover::commit_running_sums(&ctx, &phi_values, rng)?;
    drop(phi_values);
    report(adv, PolyId::LookupPhi, &lookup_phi);
    absorb_points(&mut t, b"perm_z", &z.iter().map(|c| c.commitment).collect::<Vec<_>>());
    // The projection's running sum (after ρ).
    let projection_coeffs = projection::any(cs).then(|| {
        let mut c = projection::coefficients_of(cs, ch.rho);
        adv.projection_total(&ch, &mut c.total);
        c
    });
    let projection_phi = match &projection_coeffs {
        None => vec![],
        Some(c) => {
            let mut phi = projection::prover::running_sum(n, c, &advice_values);
            adv.projection_sum(&ch, &mut phi);
            vec![projection::prover::commit_running_sum(&ctx, &phi, rng)?]
        }
    };
    report(adv, |_| PolyId::ProjectionPhi, &projection_phi);
    absorb_points(&mut t, b"lookup_phi", &lookup_phi.iter().map(|c| c.commitment).collect::<Vec<_>>());
    absorb_points(&mut t, b"projection_phi", &projection_phi.iter().map(|c| c.commitment).collect::<Vec<_>>());
    ch.alpha = t.challenge(b"alpha");
    let alpha = ch.alpha;

    // Round 3: quotient.
    let projection_polys = match (&projection_coeffs, projection_phi.first()) {
        (Some(c), Some(phi)) => Some(projection::prover::ProjectionPolys {
            phi,
            combined_ext: projection::prover::combined_on_coset(&ctx, c, &advice)?,
            total: c.total,
        }),
        _ => None,
    };
    let mut pieces = vanishing::prover::quotient_pieces(
        &ctx,
        &advice,
        &instance_ext,
        &z,
        &lookup::prover::LookupPolys { m: &lookup_m, phi: &lookup_phi, theta, beta: lookup_beta },
        projection_polys.as_ref(),
        [beta, gamma, alpha],
        rng,
        options.check_witness,
    )?;
    adv.quotient(&ch, &mut pieces);
    let quotient = vanishing::prover::commit_pieces(&ctx, pieces)?;
    absorb_points(&mut t, b"quotient", &quotient.commitments);
    ch.zeta = t.challenge(b"zeta");
    let zeta = ch.zeta;

    // Round 4: evaluations.
    let combined = quotient.combined(zeta, shape.piece_size);
    drop(projection_polys);
    let polys = OpenedPolys { advice: &advice, z: &z, lookup_m: &lookup_m, lookup_phi: &lookup_phi, projection_phi: &projection_phi, quotient: &combined };
    let evals = evaluate(&ctx, &polys, zeta);
    let mut proof = Proof {
        advice_commitments: advice.iter().map(|c| c.commitment).collect(),
        permutation_commitments: z.iter().map(|c| c.commitment).collect(),
        quotient_commitments: quotient.commitments.clone(),
        advice_evals: evals.advice,
        fixed_evals: evals.fixed,
        sigma_evals: evals.sigma,
        z_evals: evals.z,
        opening_witnesses: vec![],
        lookup_m_commitments: lookup_m.iter().map(|c| c.commitment).collect(),
        lookup_phi_commitments: lookup_phi.iter().map(|c| c.commitment).collect(),
        lookup_evals: evals.lookup,
        projection_phi_commitments: projection_phi.iter().map(|c| c.commitment).collect(),
        projection_evals: evals.projection,
    };
    adv.evaluations(&ch, eval_poly(&combined, zeta), &mut proof);
    proof.absorb_evals(&mut t);
    ch.v = t.challenge(b"v");

    // Round 5: batched opening.
    proof.opening_witnesses = open(&ctx, &polys, zeta, ch.v)?;
    adv.openings(&ch, &mut proof.opening_witnesses);
    absorb_points(&mut t, b"opening", &proof.opening_witnesses);
    let _u = t.challenge(b"u");
    Ok(proof)
}

/// Round 1: the advice columns, blinded per column by 1 + (number of points it is opened at).
pub(crate) fn commit_advice(ctx: &Ctx<'_>, values: &[Vec<Fr>], rng: &mut (impl RngCore + CryptoRng)) -> Result<Vec<Committed>> {
    let refs: Vec<&[Fr]> = values.iter().map(|v| v.as_slice()).collect();
    commit_blinded(ctx, &refs, &ctx.shape.advice_blinding, rng)
}

/// The instance columns on the extended coset (public: not committed, not blinded).
pub(crate) fn instance_on_coset(ctx: &Ctx<'_>, values: &[Vec<Fr>]) -> Result<Vec<Vec<Fr>>> {
    if values.is_empty() {
        return Ok(vec![]);
    }
    let refs: Vec<&[Fr]> = values.iter().map(|v| v.as_slice()).collect();
    let coeffs = ctx.backend.ntt_host(&refs, ctx.shape.k, NttKind::Inverse)?;
    let refs: Vec<&[Fr]> = coeffs.iter().map(|v| v.as_slice()).collect();
    Ok(ctx.backend.ntt_host(&refs, ctx.shape.ext_k, NttKind::CosetForward { shift: extended_coset_shift() })?)
}

/// The polynomials a proof opens (fixed and σ come from the proving key).
pub(crate) struct OpenedPolys<'a> {
    pub advice: &'a [Committed],
    pub z: &'a [Committed],
    pub lookup_m: &'a [Committed],
    pub lookup_phi: &'a [Committed],
    /// The projection's running sum (one or none).
    pub projection_phi: &'a [Committed],
    /// Σ_i ζ^{i·m} t_i(X).
    pub quotient: &'a [Fr],
}

pub(crate) struct Evals {
    pub advice: Vec<Fr>,
    pub fixed: Vec<Fr>,
    pub sigma: Vec<Fr>,
    pub z: Vec<Fr>,
    pub lookup: Vec<Fr>,
    pub projection: Vec<Fr>,
}

fn poly_of<'a>(pk: &'a ProvingKey, polys: &'a OpenedPolys<'a>, queries: &super::circuit::Queries, o: Opened) -> &'a [Fr] {
    match o {
        Opened::Advice(i) => &polys.advice[queries.advice[i].column.index].coeffs,
        Opened::Fixed(i) => &pk.fixed_coeffs[queries.fixed[i].column.index],
        Opened::Sigma(j) => &pk.sigma_coeffs[j],
        Opened::Z(c, _) => &polys.z[c].coeffs,
        Opened::LookupM(l) => &polys.lookup_m[l].coeffs,
        Opened::LookupPhi(l, _) => &polys.lookup_phi[l].coeffs,
        Opened::ProjectionPhi(_) => &polys.projection_phi[0].coeffs,
        Opened::Quotient => polys.quotient,
    }
}

/// Round 4: evaluates every opened polynomial at its point (ζ·ω^rotation) and returns the ones the
/// proof carries (the quotient's value is recomputed by the verifier).
pub(crate) fn evaluate(ctx: &Ctx<'_>, polys: &OpenedPolys<'_>, zeta: Fr) -> Evals {
    let cs = ctx.pk.vk.cs();
    let queries = cs.queries();
    let list = opening_list(cs, ctx.shape);
    let all: Vec<Fr> = list
        .iter()
        .map(|&(o, rot)| match o {
            Opened::Quotient => Fr::zero(),
            _ => eval_poly(poly_of(ctx.pk, polys, &queries, o), ctx.domain.rotate(zeta, rot)),
        })
        .collect();
    let pick = |f: &dyn Fn(Opened) -> bool| list.iter().zip(&all).filter(|((o, _), _)| f(*o)).map(|(_, e)| *e).collect();
    Evals {
        advice: pick(&|o| matches!(o, Opened::Advice(_))),
        fixed: pick(&|o| matches!(o, Opened::Fixed(_))),
        sigma: pick(&|o| matches!(o, Opened::Sigma(_))),
        z: pick(&|o| matches!(o, Opened::Z(..))),
        lookup: pick(&|o| matches!(o, Opened::LookupM(_) | Opened::LookupPhi(..))),
        projection: pick(&|o| matches!(o, Opened::ProjectionPhi(_))),
    }
}

/// Round 5: the KZG witnesses, committed in one batched monomial-basis MSM.
pub(crate) fn open(ctx: &Ctx<'_>, polys: &OpenedPolys<'_>, zeta: Fr, v: Fr) -> Result<Vec<G1Affine>> {
    let cs = ctx.pk.vk.cs();
    let queries = cs.queries();
    let list = opening_list(cs, ctx.shape);
    let pq: Vec<ProverQuery<'_>> = list
        .iter()
        .map(|&(o, rot)| ProverQuery { point: ctx.domain.rotate(zeta, rot), poly: poly_of(ctx.pk, polys, &queries, o) })
        .collect();
    let ws = witness_polys(&pq, v);
    let refs: Vec<&[Fr]> = ws.iter().map(|w| w.as_slice()).collect();
    let commitments = ctx.backend.msm_host(&ctx.monomial, &refs)?;
    Ok(G1Projective::normalize_batch(&commitments))
}
