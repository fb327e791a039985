//! Golden model of the NTT core: arkworks' `Radix2EvaluationDomain` (the same domain and
//! generator the CPU kernel and the prover use).

use ark_bn254::Fr;
use ark_ff::FftField;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};

pub use zkaccel_interface::ntt::NttMode;

/// The standard coset shift of ark-poly and the prover: the multiplicative generator of Fr.
pub fn default_coset() -> Fr {
    Fr::GENERATOR
}

/// The transform of `data` (length a power of two) per `mode`, computed by arkworks.
pub fn ntt_ark(data: &[Fr], mode: NttMode) -> Vec<Fr> {
    let n = data.len();
    assert!(n.is_power_of_two());
    let mut domain = Radix2EvaluationDomain::<Fr>::new(n).expect("power-of-two size within 2^28");
    if let Some(c) = mode.coset {
        domain = domain.get_coset(c).expect("valid coset shift");
    }
    if mode.inverse {
        domain.ifft(data)
    } else {
        domain.fft(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{One, UniformRand};

    #[test]
    fn coset_forward_is_scaled_plain_forward() {
        let mut rng = zkaccel_testkit::seed::TestRng::for_test("coset_forward_is_scaled_plain_forward");
        let c = default_coset();
        let x: Vec<Fr> = (0..16).map(|_| Fr::rand(&mut rng)).collect();
        let mut scaled = x.clone();
        let mut p = Fr::one();
        for v in scaled.iter_mut() {
            *v *= p;
            p *= c;
        }
        assert_eq!(ntt_ark(&x, NttMode { inverse: false, coset: Some(c) }), ntt_ark(&scaled, NttMode::FORWARD));
        let y = ntt_ark(&x, NttMode { inverse: false, coset: Some(c) });
        assert_eq!(ntt_ark(&y, NttMode { inverse: true, coset: Some(c) }), x);
    }
}
