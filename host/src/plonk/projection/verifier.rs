//! The verifier's side of the projection argument: the proof's shape, and Σ_a c_a(ζ)·a(ζ) with
//! c_a(ζ) = Σ_row c_a[row]·L_row(ζ) computed here from the key and ρ (never taken from the proof).

use std::collections::HashMap;

use ark_ff::{batch_inversion, One, Zero};

use super::Coefficients;
use crate::error::{Error, Result};
use crate::plonk::circuit::Query;
use crate::plonk::{Proof, VerifyingKey};
use crate::poly::Domain;
use crate::Fr;

/// With projections: one running-sum commitment and φ(ζ), φ(ζω); without: none.
pub(crate) fn check_shape(vk: &VerifyingKey, proof: &Proof) -> Result<()> {
    let p = usize::from(super::any(vk.cs()));
    if proof.projection_phi_commitments.len() != p || proof.projection_evals.len() != 2 * p {
        return Err(Error::Verification("the projection part of the proof has the wrong shape".into()));
    }
    Ok(())
}

/// Σ_a c_a(ζ)·a(ζ), with a(ζ) read through `advice_at` (the proof's evaluation of the column's
/// current-row query). `None` if ζ lies in H.
pub(crate) fn combined_at(domain: &Domain, coeffs: &Coefficients, zeta: Fr, advice_at: &HashMap<Query, Fr>) -> Option<Fr> {
    let zh = domain.vanishing_eval(zeta);
    if zh.is_zero() {
        return None;
    }
    // L_i(ζ) = ω^i·Z_H(ζ) / (n·(ζ − ω^i)) for every row that carries a coefficient.
    let scale = zh * domain.n_inv;
    // ω^row for every row up to the last one that carries a coefficient (one multiplication
    // each, instead of a power per cell).
    let last = coeffs.by_row.iter().filter_map(|rows| rows.keys().next_back()).max().map_or(0, |&r| r + 1);
    let mut powers = Vec::with_capacity(last);
    let mut x = Fr::one();
    for _ in 0..last {
        powers.push(x);
        x *= domain.omega;
    }
    let mut out = Fr::zero();
    for (col, rows) in coeffs.columns.iter().zip(&coeffs.by_row) {
        let w: Vec<Fr> = rows.keys().map(|&r| powers[r]).collect();
        let mut den: Vec<Fr> = w.iter().map(|w| zeta - w).collect();
        batch_inversion(&mut den);
        let c_at: Fr = rows.values().zip(w.iter().zip(&den)).map(|(c, (w, d))| *c * w * d).sum::<Fr>() * scale;
        let a = advice_at.get(&Query { column: *col, rotation: 0 })?;
        out += c_at * a;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plonk::circuit::{Cell, Column, ColumnKind};
    use crate::plonk::projection::{coefficients, Projection};
    use ark_ff::UniformRand;
    use ark_poly::{EvaluationDomain, Evaluations, Radix2EvaluationDomain};
    use zkaccel_testkit::seed::TestRng;

    #[test]
    fn the_coefficient_polynomials_at_zeta_match_arkworks_interpolation() {
        let mut rng = TestRng::for_test("projection::verifier::coefficients_at_zeta");
        let k = 5;
        let domain = Domain::new(k).unwrap();
        let col = |index| Column { kind: ColumnKind::Advice, index };
        // Two layers over two columns, a cell shared between them (x of one, y of the other
        // in another row), rows scattered.
        let p1 = Projection {
            name: "a".into(),
            inputs: [3, 7, 30].iter().map(|&row| Cell { column: col(0), row }).collect(),
            outputs: [1, 2].iter().map(|&row| Cell { column: col(1), row }).collect(),
            weights: (0..6).map(|_| Fr::rand(&mut rng)).collect(),
            bias: vec![Fr::rand(&mut rng), Fr::rand(&mut rng)],
        };
        let p2 = Projection {
            name: "b".into(),
            inputs: [1, 2].iter().map(|&row| Cell { column: col(1), row }).collect(),
            outputs: [7].iter().map(|&row| Cell { column: col(0), row }).collect(),
            weights: vec![Fr::rand(&mut rng), Fr::rand(&mut rng)].into(),
            bias: vec![Fr::rand(&mut rng)],
        };
        let rho = Fr::rand(&mut rng);
        let co = coefficients(&[p1, p2], rho);
        let zeta = Fr::rand(&mut rng);
        let advice: Vec<Fr> = (0..2).map(|_| Fr::rand(&mut rng)).collect();
        let at: HashMap<Query, Fr> = (0..2).map(|i| (Query { column: col(i), rotation: 0 }, advice[i])).collect();
        let ours = combined_at(&domain, &co, zeta, &at).unwrap();
        let ark = Radix2EvaluationDomain::<Fr>::new(1 << k).unwrap();
        let mut expected = Fr::zero();
        for (c, rows) in co.columns.iter().zip(&co.by_row) {
            let mut dense = vec![Fr::zero(); 1 << k];
            rows.iter().for_each(|(&r, v)| dense[r] = *v);
            let poly = Evaluations::from_vec_and_domain(dense, ark).interpolate();
            expected += ark_poly::Polynomial::evaluate(&poly, &zeta) * advice[c.index];
        }
        assert_eq!(ours, expected);
        assert!(combined_at(&domain, &co, domain.element(3), &at).is_none(), "ζ in H");
        // A column without its evaluation: none.
        let mut missing = at.clone();
        missing.remove(&Query { column: col(1), rotation: 0 });
        assert!(combined_at(&domain, &co, zeta, &missing).is_none());
    }
}
