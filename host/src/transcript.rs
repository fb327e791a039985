//! The Fiat–Shamir transcript: Keccak-256, chosen so that an EVM verifier can follow it later.
//!
//! State: a byte buffer that starts with the domain separator `zkaccel-plonk-keccak256-v1`.
//!
//! * `absorb(label, data)` appends `len(label) as u8 ‖ label ‖ data`, where data is
//!   - a scalar (Fr): 32 bytes, canonical, **big-endian** (EVM word order);
//!   - a G1 point: `x ‖ y`, 32 bytes big-endian each; the point at infinity is 64 zero bytes (the
//!     EVM precompile convention);
//!   - a length or other integer: 8 bytes big-endian;
//!   - raw bytes (a digest): as is (their length is fixed by the label).
//! * `challenge(label)` computes `d0 = keccak256(buf ‖ len ‖ label ‖ 0x00)` and
//!   `d1 = keccak256(buf ‖ len ‖ label ‖ 0x01)`, returns `(d0 ‖ d1) mod r` (a 512-bit big-endian
//!   integer, so the bias is below 2^-250), and replaces the buffer by `d0 ‖ d1`: every later
//!   challenge depends on everything absorbed before.
//!
//! The prover and the verifier absorb through the same stage functions of [`crate::plonk`], so the
//! order cannot drift between them; `docs/plonk.md` lists the order.

use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use sha3::{Digest, Keccak256};

use crate::{Fr, G1Affine};

/// The domain separator every transcript starts with.
pub const DOMAIN_SEPARATOR: &[u8] = b"zkaccel-plonk-keccak256-v1";

/// A Keccak-256 Fiat–Shamir transcript.
#[derive(Clone, Debug)]
pub struct Transcript {
    buf: Vec<u8>,
}

impl Default for Transcript {
    fn default() -> Self {
        Self::new()
    }
}

impl Transcript {
    pub fn new() -> Self {
        Self { buf: DOMAIN_SEPARATOR.to_vec() }
    }

    fn label(&mut self, label: &[u8]) {
        assert!(label.len() < 256, "transcript labels are short constants");
        self.buf.push(label.len() as u8);
        self.buf.extend_from_slice(label);
    }

    /// Absorbs raw bytes (fixed-length data such as a digest).
    pub fn absorb_bytes(&mut self, label: &[u8], data: &[u8]) {
        self.label(label);
        self.buf.extend_from_slice(data);
    }

    /// Absorbs an integer (8 bytes big-endian).
    pub fn absorb_u64(&mut self, label: &[u8], v: u64) {
        self.absorb_bytes(label, &v.to_be_bytes());
    }

    /// Absorbs a scalar (32 bytes big-endian).
    pub fn absorb_fr(&mut self, label: &[u8], v: &Fr) {
        self.absorb_bytes(label, &fr_to_be(v));
    }

    /// Absorbs a G1 point (x ‖ y big-endian; infinity = 64 zero bytes).
    pub fn absorb_g1(&mut self, label: &[u8], p: &G1Affine) {
        let mut out = [0u8; 64];
        if let Some((x, y)) = p.xy() {
            out[..32].copy_from_slice(&x.into_bigint().to_bytes_be());
            out[32..].copy_from_slice(&y.into_bigint().to_bytes_be());
        }
        self.absorb_bytes(label, &out);
    }

    /// Squeezes a challenge and chains the state.
    pub fn challenge(&mut self, label: &[u8]) -> Fr {
        self.label(label);
        let d0: [u8; 32] = Keccak256::new().chain_update(&self.buf).chain_update([0u8]).finalize().into();
        let d1: [u8; 32] = Keccak256::new().chain_update(&self.buf).chain_update([1u8]).finalize().into();
        self.buf.clear();
        self.buf.extend_from_slice(&d0);
        self.buf.extend_from_slice(&d1);
        Fr::from_be_bytes_mod_order(&self.buf)
    }
}

/// 32-byte big-endian canonical encoding of a scalar.
pub fn fr_to_be(v: &Fr) -> [u8; 32] {
    v.into_bigint().to_bytes_be().try_into().expect("32 bytes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{CurveGroup, PrimeGroup};
    use num_like::*;

    mod num_like {
        pub use ark_ff::{One, Zero};
    }

    #[test]
    fn challenge_is_keccak_of_the_documented_encoding() {
        // Independent recomputation of the first challenge from the documented byte layout.
        let mut t = Transcript::new();
        t.absorb_fr(b"x", &Fr::from(5u64));
        let c = t.challenge(b"c");
        let mut buf = DOMAIN_SEPARATOR.to_vec();
        buf.extend_from_slice(&[1, b'x']);
        let mut five = [0u8; 32];
        five[31] = 5;
        buf.extend_from_slice(&five);
        buf.extend_from_slice(&[1, b'c']);
        let mut d = Keccak256::digest([buf.as_slice(), &[0]].concat()).to_vec();
        d.extend_from_slice(&Keccak256::digest([buf.as_slice(), &[1]].concat()));
        assert_eq!(c, Fr::from_be_bytes_mod_order(&d));
        // Keccak-256 (not SHA3-256) of the empty string, as the EVM computes it.
        assert_eq!(
            Keccak256::digest([]).iter().map(|b| format!("{b:02x}")).collect::<String>(),
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
        );
    }

    #[test]
    fn every_absorbed_item_changes_the_challenge() {
        let p = crate::G1Projective::generator().into_affine();
        let run = |x: Fr, q: G1Affine, label: &[u8]| {
            let mut t = Transcript::new();
            t.absorb_fr(b"x", &x);
            t.absorb_g1(label, &q);
            let a = t.challenge(b"a");
            (a, t.challenge(b"b"))
        };
        let base = run(Fr::one(), p, b"p");
        assert_ne!(base, run(Fr::zero(), p, b"p"));
        assert_ne!(base, run(Fr::one(), (p + p).into(), b"p"));
        assert_ne!(base, run(Fr::one(), G1Affine::zero(), b"p"));
        assert_ne!(base, run(Fr::one(), p, b"q"));
        assert_ne!(base.0, base.1, "chained challenges differ");
    }
}
