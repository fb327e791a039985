//! A malicious-prover harness for soundness tests (built with the `test-utils` feature; not a
//! production API).
//!
//! [`prove_malicious`] runs the prover's rounds with an [`Adversary`] that may replace any
//! committed column, the quotient pieces, the claimed evaluations or the opening witnesses after
//! seeing the transcript so far (`plonk::adversary`). The witness check is off: the point is to
//! hand the verifier proofs that the honest prover would refuse to make. Helpers here let an
//! adversary act on what the verifier will compute ([`verifier_quotient_eval`],
//! [`solve_evaluation`]).

use rand::{CryptoRng, RngCore};

pub use super::adversary::{Adversary, PolyId};
use super::circuit::Witness;
use super::keys::{ProvingKey, VerifyingKey};
use super::proof::Proof;
use super::prover::{prove_inner, ProveOptions};
use super::verifier::{derive_challenges, quotient_eval, Challenges};
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::{Fr, G1Affine};

/// Proves `witness` (unchecked) with `adv` deviating where it chooses.
pub fn prove_malicious<R: RngCore + CryptoRng>(
    backend: &dyn Backend,
    pk: &ProvingKey,
    witness: &Witness,
    instances: &[Vec<Fr>],
    rng: &mut R,
    adv: &mut dyn Adversary,
) -> Result<Proof> {
    prove_inner(backend, pk, witness, instances, rng, ProveOptions { check_witness: false }, adv)
}

/// A hook that changes the multiplicities before they are committed: (lookup, m on H).
pub type MultiplicityTamper<'a> = &'a dyn Fn(usize, &mut Vec<Fr>);

/// Proves (without the witness check) after `tamper` has changed the lookup multiplicities.
pub fn prove_with_tampered_multiplicities<R: RngCore + CryptoRng>(
    backend: &dyn Backend,
    pk: &ProvingKey,
    witness: &Witness,
    instances: &[Vec<Fr>],
    rng: &mut R,
    tamper: MultiplicityTamper<'_>,
) -> Result<Proof> {
    struct Tamper<'a>(MultiplicityTamper<'a>);
    impl Adversary for Tamper<'_> {
        fn multiplicities(&mut self, _: &Challenges, m: &mut [Vec<Fr>]) {
            m.iter_mut().enumerate().for_each(|(l, m)| (self.0)(l, m));
        }
    }
    prove_malicious(backend, pk, witness, instances, rng, &mut Tamper(tamper))
}

/// An adversary built from closures, one per hook (unset hooks do nothing).
#[derive(Default)]
#[allow(clippy::type_complexity)]
pub struct Hooks<'a> {
    pub advice: Option<Box<dyn FnMut(&mut [Vec<Fr>]) + 'a>>,
    pub multiplicities: Option<Box<dyn FnMut(&Challenges, &mut [Vec<Fr>]) + 'a>>,
    pub products: Option<Box<dyn FnMut(&Challenges, &mut [Vec<Fr>]) + 'a>>,
    pub running_sums: Option<Box<dyn FnMut(&Challenges, &mut [Vec<Fr>]) + 'a>>,
    pub projection_total: Option<Box<dyn FnMut(&Challenges, &mut Fr) + 'a>>,
    pub projection_sum: Option<Box<dyn FnMut(&Challenges, &mut [Fr]) + 'a>>,
    pub quotient: Option<Box<dyn FnMut(&Challenges, &mut [Vec<Fr>]) + 'a>>,
    pub evaluations: Option<Box<dyn FnMut(&Challenges, Fr, &mut Proof) + 'a>>,
    pub openings: Option<Box<dyn FnMut(&Challenges, &mut [G1Affine]) + 'a>>,
    pub committed: Option<Box<dyn FnMut(PolyId, &[Fr]) + 'a>>,
}

impl Adversary for Hooks<'_> {
    fn advice(&mut self, values: &mut [Vec<Fr>]) {
        if let Some(f) = &mut self.advice {
            f(values)
        }
    }
    fn multiplicities(&mut self, ch: &Challenges, m: &mut [Vec<Fr>]) {
        if let Some(f) = &mut self.multiplicities {
            f(ch, m)
        }
    }
    fn products(&mut self, ch: &Challenges, z: &mut [Vec<Fr>]) {
        if let Some(f) = &mut self.products {
            f(ch, z)
        }
    }
    fn running_sums(&mut self, ch: &Challenges, phi: &mut [Vec<Fr>]) {
        if let Some(f) = &mut self.running_sums {
            f(ch, phi)
        }
    }
    fn projection_total(&mut self, ch: &Challenges, total: &mut Fr) {
        if let Some(f) = &mut self.projection_total {
            f(ch, total)
        }
    }
    fn projection_sum(&mut self, ch: &Challenges, phi: &mut [Fr]) {
        if let Some(f) = &mut self.projection_sum {
            f(ch, phi)
        }
    }
    fn quotient(&mut self, ch: &Challenges, pieces: &mut [Vec<Fr>]) {
        if let Some(f) = &mut self.quotient {
            f(ch, pieces)
        }
    }
    fn evaluations(&mut self, ch: &Challenges, t_at_zeta: Fr, proof: &mut Proof) {
        if let Some(f) = &mut self.evaluations {
            f(ch, t_at_zeta, proof)
        }
    }
    fn openings(&mut self, ch: &Challenges, w: &mut [G1Affine]) {
        if let Some(f) = &mut self.openings {
            f(ch, w)
        }
    }
    fn committed(&mut self, poly: PolyId, coeffs: &[Fr]) {
        if let Some(f) = &mut self.committed {
            f(poly, coeffs)
        }
    }
}

/// The value t(ζ) the verifier derives from the proof's evaluations and the public inputs (what
/// the committed quotient must open to). The proof needs its evaluations, not its openings.
pub fn verifier_quotient_eval(vk: &VerifyingKey, proof: &Proof, instances: &[Vec<Fr>]) -> Result<Fr> {
    quotient_eval(vk, proof, instances, &derive_challenges(vk, proof, instances))
}

/// Sets the evaluation that `slot` selects so that the verifier's t(ζ) equals `target` (the
/// committed quotient's value at ζ): the identity at ζ then holds and only the openings can
/// catch the lie. The verifier's t(ζ) must be affine in that evaluation (e.g. Z(ζω), φ(ζω), m(ζ),
/// or an advice value that enters the gates linearly); an error otherwise.
pub fn solve_evaluation(
    vk: &VerifyingKey,
    instances: &[Vec<Fr>],
    proof: &mut Proof,
    target: Fr,
    slot: &dyn Fn(&mut Proof) -> &mut Fr,
) -> Result<()> {
    let at = |x: Fr, proof: &mut Proof| -> Result<Fr> {
        *slot(proof) = x;
        verifier_quotient_eval(vk, proof, instances)
    };
    let (f0, f1, f2) = (at(Fr::from(0u64), proof)?, at(Fr::from(1u64), proof)?, at(Fr::from(2u64), proof)?);
    let slope = f1 - f0;
    if slope == Fr::from(0u64) || f2 - f1 != slope {
        return Err(Error::Verification("t(ζ) is not affine (with a non-zero slope) in this evaluation".into()));
    }
    let x = (target - f0) / slope;
    if at(x, proof)? != target {
        return Err(Error::Verification("the solved evaluation does not reproduce t(ζ)".into()));
    }
    Ok(())
}
