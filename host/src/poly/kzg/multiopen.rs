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

/// A commitment with the value it claims at a point.
#[derive(Clone, Debug)]
pub struct VerifierQuery {
    pub point: Fr,
    pub commitment: G1Projective,
    pub eval: Fr,
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
    let mut lhs = G1Projective::zero();
    let mut bases: Vec<G1Affine> = vec![];
    let mut scalars: Vec<Fr> = vec![];
    let mut rhs_proj = G1Projective::zero();
    let mut e_total = Fr::zero();
    let mut uj = Fr::one();
    for (z, w) in points.iter().zip(witnesses) {
        lhs += *w * uj;
        bases.push(*w);
        scalars.push(uj * z);
        let mut vi = Fr::one();
        for q in queries.iter().filter(|q| q.point == *z) {
            rhs_proj += q.commitment * (uj * vi);
            e_total += uj * vi * q.eval;
            vi *= v;
        }
        uj *= u;
    }
    bases.push(srs.g1);
    scalars.push(-e_total);
    let rhs = G1Projective::msm_unchecked(&bases, &scalars) + rhs_proj;
    let out = Bn254::multi_pairing([lhs.into_affine(), (-rhs).into_affine()], [srs.tau_g2, srs.g2]);
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
            .map(|&(z, i)| VerifierQuery { point: z, commitment: commit(&polys[i].coeffs), eval: polys[i].evaluate(&z) })
            .collect();
        let vs = srs.verifier_srs();
        assert!(verify(&vs, &vq, &wc, v, u));
        // Any wrong claim, witness, commitment or challenge fails.
        for i in 0..vq.len() {
            let mut bad = vq.clone();
            bad[i].eval += Fr::one();
            assert!(!verify(&vs, &bad, &wc, v, u), "eval {i}");
            let mut bad = vq.clone();
            bad[i].commitment += G1Projective::from(g[0]);
            assert!(!verify(&vs, &bad, &wc, v, u), "commitment {i}");
        }
        assert!(!verify(&vs, &vq, &[wc[1], wc[0]], v, u));
        assert!(!verify(&vs, &vq, &wc[..1], v, u));
        assert!(!verify(&vs, &vq, &wc, v + Fr::one(), u));
    }
}
