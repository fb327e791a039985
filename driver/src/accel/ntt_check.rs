//! A cheap, sound check of an NTT result computed by an untrusted card, in O(n).
//!
//! For evaluations `e` of the polynomial with coefficients `c` on the coset `s·⟨ω⟩` of size `n`
//! (`e_i = Σ_j c_j (s·ω^i)^j`; `s = 1` for the subgroup), and any `ρ` with `ρ^n ≠ 1`:
//!
//! `Σ_i ρ^i e_i = Σ_j c_j s^j Σ_i (ρ ω^j)^i = (ρ^n − 1) · Σ_j c_j s^j / (ρ ω^j − 1)`
//!
//! since `(ω^j)^n = 1`. The right side costs one batch inversion of the `n` denominators. Both
//! directions are checked with the same identity: a forward transform's output is `e` and its input
//! `c`; an inverse transform's input is `e` and its output `c`. With `ρ` drawn uniformly at random
//! by the host after the card has answered (the card never sees it), a wrong output passes with
//! probability at most `(n − 1)/|Fr|` < 2^-225 for `n ≤ 2^28`: the difference of the two sides is a
//! non-zero polynomial in `ρ` of degree below `n` (its coefficients are the differences between the
//! card's values and the true transform of the other side).

use ark_bn254::Fr;
use ark_ff::{batch_inversion, FftField, Field, One, UniformRand};
use rand::RngCore;

/// Whether `evals` are the evaluations of `coeffs` on `shift·⟨ω_n⟩` (`n = evals.len()`, a power of
/// two; `coeffs` no longer than `n`, missing ones zero). False for mismatched lengths.
pub fn ntt_holds(evals: &[Fr], coeffs: &[Fr], shift: Fr, rng: &mut impl RngCore) -> bool {
    let n = evals.len();
    if !n.is_power_of_two() || coeffs.len() > n {
        return false;
    }
    let Some(omega) = Fr::get_root_of_unity(n as u64) else { return false };
    // ρ with ρ^n ≠ 1 (so no denominator ρω^j − 1 vanishes); a retry happens with probability n/r.
    let rho = loop {
        let r = Fr::rand(rng);
        if r.pow([n as u64]) != Fr::one() {
            break r;
        }
    };
    let mut lhs = Fr::from(0u64);
    let mut rho_i = Fr::one();
    for e in evals {
        lhs += rho_i * e;
        rho_i *= rho;
    }
    let rho_n = rho_i; // ρ^n
    let mut denominators = Vec::with_capacity(coeffs.len());
    let mut rho_omega_j = rho;
    for _ in 0..coeffs.len() {
        denominators.push(rho_omega_j - Fr::one());
        rho_omega_j *= omega;
    }
    batch_inversion(&mut denominators);
    let mut rhs = Fr::from(0u64);
    let mut s_j = Fr::one();
    for (c, d) in coeffs.iter().zip(&denominators) {
        rhs += *c * s_j * d;
        s_j *= shift;
    }
    lhs == (rho_n - Fr::one()) * rhs
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
    use rand::SeedableRng;

    #[test]
    fn accepts_true_transforms_and_rejects_any_changed_element() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(0x5eed_c4ec);
        for log_n in [0u32, 1, 2, 5, 9] {
            let n = 1usize << log_n;
            let coeffs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            for shift in [Fr::one(), Fr::GENERATOR, Fr::from(12345u64)] {
                let d = Radix2EvaluationDomain::<Fr>::new(n).unwrap().get_coset(shift).unwrap();
                let evals = d.fft(&coeffs);
                assert!(ntt_holds(&evals, &coeffs, shift, &mut rng), "2^{log_n} shift {shift}");
                // Short coefficient vectors are zero-padded.
                let short = &coeffs[..n.div_ceil(2)];
                assert!(ntt_holds(&d.fft(short), short, shift, &mut rng));
                for i in [0, n / 2, n - 1] {
                    let mut bad = evals.clone();
                    bad[i] += Fr::one();
                    assert!(!ntt_holds(&bad, &coeffs, shift, &mut rng), "changed eval {i}");
                    let mut bad = coeffs.clone();
                    bad[i] -= Fr::from(7u64);
                    assert!(!ntt_holds(&evals, &bad, shift, &mut rng), "changed coeff {i}");
                }
                if n > 1 {
                    // The right values in the wrong order (a bit-reversal left out) are rejected.
                    let mut swapped = evals.clone();
                    swapped.swap(0, 1);
                    assert!(!ntt_holds(&swapped, &coeffs, shift, &mut rng));
                }
            }
        }
        assert!(!ntt_holds(&[Fr::one(); 3], &[Fr::one()], Fr::one(), &mut rng), "not a power of two");
        assert!(!ntt_holds(&[Fr::one(); 2], &[Fr::one(); 4], Fr::one(), &mut rng), "coefficients longer than the domain");
    }
}
