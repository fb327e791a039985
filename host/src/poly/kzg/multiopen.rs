//! Batched KZG openings at several points (the GWC19 / Plonk scheme).
//!
//! Queries are grouped by point, in the order each point first appears. For a group at point z
//! with polynomials f_1, f_2, … and claimed values e_1, e_2, …, the prover commits to
//!
//! W_z(X) = (Σ_i v^{i−1} (f_i(X) − e_i)) / (X − z)
//!
//! where `v` is a transcript challenge drawn after every evaluation was absorbed. The verifier
//! draws `u` after the W's and checks, with F_z = Σ v^{i−1}·`[f_i]` and E_z = Σ v^{i−1} e_i,
//!
//! e(Σ_z u^j W_z, `[τ]₂`) = e(Σ_z u^j (z·W_z + F_z − E_z·`[1]₁`), `[1]₂`).
//!
//! The verifier forms the right-hand side as **one** multi-scalar multiplication: a commitment is
//! given as a combination Σ c_k·`[P_k]` of points (one term for a column, the quotient's pieces
//! with their powers of ζ), and the scalars of a point that occurs in several queries (a column
//! opened at ζ and ωζ) are added first. The sum is the same group element as the query-by-query
//! one; only the number of scalar multiplications changes (one MSM of the distinct points instead
//! of a 256-bit scalar multiplication per query). Both sides then enter one multi-pairing (one
//! final exponentiation).

use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{One, Zero};

use super::VerifierSrs;
use crate::poly::{add_scaled, divide_by_linear};
use crate::{Bn254, Fr, G1Affine, G1Projective};

/// A polynomial (coefficient form) to open at a point.
pub struct ProverQuery<'a> {
    pub point: Fr,
    pub poly: &'a [Fr],
}

/// A commitment with the value it claims at a point. The commitment is the combination
/// Σ c_k·`[P_k]` of its terms (usually one term with c = 1).
#[derive(Clone, Debug)]
pub struct VerifierQuery {
    pub point: Fr,
    pub commitment: Vec<(G1Affine, Fr)>,
    pub eval: Fr,
}

impl VerifierQuery {
    /// A query on one committed point.
    pub fn single(point: Fr, commitment: G1Affine, eval: Fr) -> Self {
        Self { point, commitment: vec![(commitment, Fr::one())], eval }
    }
}

/// Adds `scalar·[p]` to a list of distinct points with their scalars.
fn add_term(terms: &mut Vec<(G1Affine, Fr)>, p: G1Affine, scalar: Fr) {
    match terms.iter_mut().find(|(q, _)| *q == p) {
        Some((_, s)) => *s += scalar,
        None => terms.push((p, scalar)),
    }
}

/// The distinct points of a query list in first-appearance order.
pub fn distinct_points(points: impl Iterator<Item = Fr>) -> Vec<Fr> {
    let mut out: Vec<Fr> = vec![];
    for p in points {
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// The prover's witness polynomials W_z, one per distinct point (in first-appearance order).
pub fn witness_polys(queries: &[ProverQuery<'_>], v: Fr) -> Vec<Vec<Fr>> {
    distinct_points(queries.iter().map(|q| q.point))
        .into_iter()
        .map(|z| {
            let mut combined = vec![];
            let mut scale = Fr::one();
            for q in queries.iter().filter(|q| q.point == z) {
                add_scaled(&mut combined, scale, q.poly);
                scale *= v;
            }
            // Dividing f(X) by (X − z) drops the remainder f(z), so the constant terms e_i need not
            // be subtracted first.
            divide_by_linear(&combined, z)
        })
        .collect()
}

/// Checks the batched opening. `witnesses` are the W_z in first-appearance order of the points.
pub fn verify(srs: &VerifierSrs, queries: &[VerifierQuery], witnesses: &[G1Affine], v: Fr, u: Fr) -> bool {
    let points = distinct_points(queries.iter().map(|q| q.point));
    if points.len() != witnesses.len() {
        return false;
    }
    // lhs = Σ_j u^j·W_j; rhs = Σ_j u^j·(z_j·W_j + Σ_i v^i·C_ji) − E·[1]₁, with E = Σ_j u^j Σ_i v^i·e_ji.
    let mut lhs_scalars: Vec<Fr> = Vec::with_capacity(witnesses.len());
    let mut rhs: Vec<(G1Affine, Fr)> = Vec::with_capacity(queries.len() + witnesses.len() + 1);
    let mut e_total = Fr::zero();
    let mut uj = Fr::one();
    for (z, w) in points.iter().zip(witnesses) {
        lhs_scalars.push(uj);
        add_term(&mut rhs, *w, uj * z);
        let mut vi = Fr::one();
        for q in queries.iter().filter(|q| q.point == *z) {
            let s = uj * vi;
            for (p, c) in &q.commitment {
                add_term(&mut rhs, *p, s * c);
            }
            e_total += s * q.eval;
            vi *= v;
        }
        uj *= u;
    }
    add_term(&mut rhs, srs.g1, -e_total);
    let lhs = G1Projective::msm_unchecked(witnesses, &lhs_scalars);
    let (bases, scalars): (Vec<G1Affine>, Vec<Fr>) = rhs.into_iter().unzip();
    let rhs = G1Projective::msm_unchecked(&bases, &scalars);
    let [lhs, rhs] = <[G1Affine; 2]>::try_from(G1Projective::normalize_batch(&[lhs, -rhs])).expect("two points");
    let out = Bn254::multi_pairing([lhs, rhs], [srs.tau_g2, srs.g2]);
    out.is_zero() && !srs.g2.is_zero()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::srs::Srs;
    use ark_ff::UniformRand;
    use ark_poly::{univariate::DensePolynomial, DenseUVPolynomial, Polynomial};
    use zkaccel_testkit::seed::TestRng;

    #[test]
    fn batched_openings_verify_and_match_the_arkworks_model() {
        let mut rng = TestRng::for_test("kzg::batched_openings_verify");
        let srs = Srs::insecure_dev(32, &mut rng).unwrap();
        let g = srs.g1_powers();
        let rand_poly = |d: usize, rng: &mut TestRng| DensePolynomial::from_coefficients_vec((0..=d).map(|_| Fr::rand(rng)).collect());
        let polys = [rand_poly(20, &mut rng), rand_poly(25, &mut rng), rand_poly(7, &mut rng)];
        let commit = |c: &[Fr]| G1Projective::msm_unchecked(&g[..c.len()], c);
        let (z1, z2) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
        let plan = [(z1, 0usize), (z2, 0), (z1, 1), (z2, 2), (z1, 2)];
        let pq: Vec<ProverQuery<'_>> = plan.iter().map(|&(z, i)| ProverQuery { point: z, poly: &polys[i].coeffs }).collect();
        let (v, u) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
        let ws = witness_polys(&pq, v);
        assert_eq!(ws.len(), 2);
        // Independent model: W_z·(X − z) = F_z − F_z(z) with F_z = Σ v^i f_i over z's queries.
        for (w, z) in ws.iter().zip([z1, z2]) {
            let mut f = DensePolynomial::from_coefficients_vec(vec![]);
            let mut s = Fr::one();
            for &(zz, i) in &plan {
                if zz == z {
                    f = &f + &(&polys[i] * s);
                    s *= v;
                }
            }
            let lhs = &DensePolynomial::from_coefficients_vec(w.clone()) * &DensePolynomial::from_coefficients_vec(vec![-z, Fr::one()]);
            let rhs = &f - &DensePolynomial::from_coefficients_vec(vec![f.evaluate(&z)]);
            assert_eq!(lhs, rhs);
        }
        let wc: Vec<G1Affine> = ws.iter().map(|w| commit(w).into_affine()).collect();
        let vq: Vec<VerifierQuery> = plan
            .iter()
            .map(|&(z, i)| VerifierQuery::single(z, commit(&polys[i].coeffs).into_affine(), polys[i].evaluate(&z)))
            .collect();
        let vs = srs.verifier_srs();
        assert!(verify(&vs, &vq, &wc, v, u));
        // Any wrong claim, witness, commitment or challenge fails.
        for i in 0..vq.len() {
            let mut bad = vq.clone();
            bad[i].eval += Fr::one();
            assert!(!verify(&vs, &bad, &wc, v, u), "eval {i}");
            let mut bad = vq.clone();
            bad[i].commitment.push((g[0], Fr::one()));
            assert!(!verify(&vs, &bad, &wc, v, u), "commitment {i}");
        }
        // A commitment given as a combination of terms: C = (C − [1]) + [1] is accepted, a wrong
        // coefficient on a term is not.
        let mut split = vq.clone();
        let c0 = split[0].commitment[0].0;
        split[0].commitment = vec![((G1Projective::from(c0) - g[0]).into_affine(), Fr::one()), (g[0], Fr::one())];
        assert!(verify(&vs, &split, &wc, v, u));
        split[0].commitment[1].1 = Fr::from(2u64);
        assert!(!verify(&vs, &split, &wc, v, u));
        assert!(!verify(&vs, &vq, &[wc[1], wc[0]], v, u));
        assert!(!verify(&vs, &vq, &wc[..1], v, u));
        assert!(!verify(&vs, &vq, &wc, v + Fr::one(), u));
    }
}
