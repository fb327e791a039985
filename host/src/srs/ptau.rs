//! Reader for snarkjs Powers-of-Tau files (`.ptau`, BN254 only).
//!
//! Format (snarkjs `binfileutils` + `powersoftau`): the magic `"ptau"`, a `u32` version, a `u32`
//! section count, then sections, each a `u32` type, a `u64` byte size and the payload (all
//! little-endian). Section 1 (header): `n8` (u32, 32 for BN254), the base-field modulus q (n8
//! bytes), `power` (u32) and `ceremonyPower` (u32). Section 2: 2^(power+1) − 1 G1 points [τ^i]₁.
//! Section 3: 2^power G2 points [τ^i]₂. A G1 point is x ‖ y, a G2 point x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1,
//! each coordinate n8 bytes little-endian in **Montgomery form** (R = 2^256); the point at infinity
//! is all zero bytes. Other sections (alpha/beta powers, contributions, phase-2 Lagrange points)
//! are skipped.

use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use rand::RngCore;

use super::{Srs, SrsSource};
use crate::codec::{check_g1, check_g2, fq_from_le_montgomery, Reader};
use crate::error::{DecodeError, Error, Result};
use crate::{Fq, G1Affine, G2Affine};

const WHAT: &str = "ptau file";

/// Section ids of a `.ptau` file.
const SECTION_HEADER: u32 = 1;
const SECTION_TAU_G1: u32 = 2;
const SECTION_TAU_G2: u32 = 3;

impl Srs {
    /// Reads a `.ptau` file, keeping the powers up to `max_degree` (all of them if `None`), and
    /// verifies it ([`Srs::verify`]) with randomness from the OS.
    pub fn from_ptau_file(path: impl AsRef<std::path::Path>, max_degree: Option<usize>) -> Result<Self> {
        let bytes = std::fs::read(path.as_ref())?;
        Self::from_ptau_bytes(&bytes, max_degree, &mut rand::rngs::OsRng)
    }

    /// Parses and verifies `.ptau` bytes; `rng` draws the consistency-check coefficients.
    pub fn from_ptau_bytes(bytes: &[u8], max_degree: Option<usize>, rng: &mut impl RngCore) -> Result<Self> {
        let srs = parse(bytes, max_degree)?;
        srs.verify(rng)?;
        Ok(srs)
    }
}

fn parse(bytes: &[u8], max_degree: Option<usize>) -> Result<Srs> {
    let mut r = Reader::new(bytes);
    r.magic(b"ptau", WHAT)?;
    let version = r.u32("ptau version")?;
    if version != 1 {
        return Err(DecodeError::UnsupportedVersion { what: WHAT, found: version, supported: 1 }.into());
    }
    let n_sections = r.u32("ptau section count")?;
    let mut sections: [Option<&[u8]>; 4] = [None; 4];
    for _ in 0..n_sections {
        let id = r.u32("ptau section id")?;
        let size = r.u64("ptau section size")?;
        let size = usize::try_from(size).map_err(|_| DecodeError::Invalid { what: WHAT, reason: "section too large".into() })?;
        let body = r.take(size, "ptau section")?;
        if (1..=3).contains(&id) {
            if sections[id as usize].is_some() {
                return Err(DecodeError::Invalid { what: WHAT, reason: format!("duplicate section {id}") }.into());
            }
            sections[id as usize] = Some(body);
        }
    }
    r.finish(WHAT)?;
    let missing = |id: u32| DecodeError::Invalid { what: WHAT, reason: format!("missing section {id}") };

    // Header.
    let mut h = Reader::new(sections[SECTION_HEADER as usize].ok_or_else(|| missing(SECTION_HEADER))?);
    let n8 = h.u32("ptau n8")?;
    if n8 != 32 {
        return Err(DecodeError::Invalid { what: WHAT, reason: format!("field size {n8} bytes, BN254 has 32") }.into());
    }
    let q = h.take(32, "ptau modulus")?;
    if q != Fq::MODULUS.to_bytes_le().as_slice() {
        return Err(DecodeError::Invalid { what: WHAT, reason: "the curve is not BN254 (bn128)".into() }.into());
    }
    let power = h.u32("ptau power")?;
    let _ceremony_power = h.u32("ptau ceremony power")?;
    if power == 0 || power > 28 {
        return Err(DecodeError::Invalid { what: WHAT, reason: format!("power {power} out of range") }.into());
    }
    let n_g1 = (1usize << (power + 1)) - 1;
    let n_g2 = 1usize << power;

    let g1_bytes = sections[SECTION_TAU_G1 as usize].ok_or_else(|| missing(SECTION_TAU_G1))?;
    let g2_bytes = sections[SECTION_TAU_G2 as usize].ok_or_else(|| missing(SECTION_TAU_G2))?;
    if g1_bytes.len() != n_g1 * 64 || g2_bytes.len() != n_g2 * 128 {
        return Err(DecodeError::Invalid {
            what: WHAT,
            reason: format!("section sizes {} / {} do not match power {power}", g1_bytes.len(), g2_bytes.len()),
        }
        .into());
    }
    let keep = match max_degree {
        Some(d) if d + 1 > n_g1 => {
            return Err(Error::Srs(format!("the file has {n_g1} powers of τ (degree {}), degree {d} was asked", n_g1 - 1)))
        }
        Some(d) => d + 1,
        None => n_g1,
    };
    let g1_powers = g1_bytes
        .chunks_exact(64)
        .take(keep)
        .map(|c| read_g1(c.try_into().expect("64 bytes")))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let g2 = read_g2(g2_bytes[..128].try_into().expect("128 bytes"))?;
    let tau_g2 = read_g2(g2_bytes[128..256].try_into().expect("128 bytes"))?;
    Ok(Srs::from_parts(g1_powers, g2, tau_g2, SrsSource::Ptau { power }))
}

fn coord(b: &[u8]) -> std::result::Result<Fq, DecodeError> {
    fq_from_le_montgomery(b.try_into().expect("32 bytes")).ok_or(DecodeError::NonCanonical { what: "ptau coordinate" })
}

fn read_g1(b: &[u8; 64]) -> std::result::Result<G1Affine, DecodeError> {
    if b.iter().all(|&x| x == 0) {
        return Ok(G1Affine::zero());
    }
    check_g1(G1Affine::new_unchecked(coord(&b[..32])?, coord(&b[32..])?), "ptau G1 point")
}

fn read_g2(b: &[u8; 128]) -> std::result::Result<G2Affine, DecodeError> {
    if b.iter().all(|&x| x == 0) {
        return Ok(G2Affine::zero());
    }
    let x = ark_bn254::Fq2::new(coord(&b[0..32])?, coord(&b[32..64])?);
    let y = ark_bn254::Fq2::new(coord(&b[64..96])?, coord(&b[96..128])?);
    check_g2(G2Affine::new_unchecked(x, y), "ptau G2 point")
}

#[cfg(test)]
mod tests;
