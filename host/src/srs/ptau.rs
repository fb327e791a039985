//! Reader for snarkjs Powers-of-Tau files (`.ptau`, BN254 only).
//!
//! Format (snarkjs `binfileutils` + `powersoftau`): the magic `"ptau"`, a `u32` version, a `u32`
//! section count, then sections, each a `u32` type, a `u64` byte size and the payload (all
//! little-endian). Section 1 (header): `n8` (u32, 32 for BN254), the base-field modulus q (n8
//! bytes), `power` (u32) and `ceremonyPower` (u32). Section 2: 2^(power+1) − 1 G1 points `[τ^i]₁`.
//! Section 3: 2^power G2 points `[τ^i]₂`. A G1 point is x ‖ y, a G2 point x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1,
//! each coordinate n8 bytes little-endian in **Montgomery form** (R = 2^256); the point at infinity
//! is all zero bytes. Other sections (alpha/beta powers, contributions, phase-2 Lagrange points)
//! are skipped (the reader seeks past them).

use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use std::io::{Read, Seek, SeekFrom};

use rand::RngCore;
use rayon::prelude::*;

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
    /// verifies it ([`Srs::verify`]) with randomness from the OS. Only the header, the needed G1
    /// powers and the first two G2 powers are read from disk.
    pub fn from_ptau_file(path: impl AsRef<std::path::Path>, max_degree: Option<usize>) -> Result<Self> {
        let file = std::fs::File::open(path.as_ref())?;
        Self::from_ptau_reader(&mut std::io::BufReader::new(file), max_degree, &mut rand::rngs::OsRng)
    }

    /// Parses and verifies `.ptau` bytes; `rng` draws the consistency-check coefficients.
    pub fn from_ptau_bytes(bytes: &[u8], max_degree: Option<usize>, rng: &mut impl RngCore) -> Result<Self> {
        Self::from_ptau_reader(&mut std::io::Cursor::new(bytes), max_degree, rng)
    }

    /// Parses and verifies a `.ptau` stream.
    pub fn from_ptau_reader<R: Read + Seek>(r: &mut R, max_degree: Option<usize>, rng: &mut impl RngCore) -> Result<Self> {
        let srs = parse(r, max_degree)?;
        srs.verify(rng)?;
        Ok(srs)
    }
}

/// Reads `len` bytes at `offset` (the caller has checked the range against the file length).
fn read_at<R: Read + Seek>(r: &mut R, offset: u64, len: usize) -> Result<Vec<u8>> {
    r.seek(SeekFrom::Start(offset))?;
    let mut buf = vec![0u8; len];
    r.read_exact(&mut buf)?;
    Ok(buf)
}

fn parse<R: Read + Seek>(r: &mut R, max_degree: Option<usize>) -> Result<Srs> {
    let file_len = r.seek(SeekFrom::End(0))?;
    let truncated = |what, offset: u64, needed: u64| -> Error {
        DecodeError::Truncated {
            what,
            offset: offset as usize,
            needed: needed as usize,
            available: file_len.saturating_sub(offset) as usize,
        }
        .into()
    };
    if file_len < 12 {
        if file_len >= 4 {
            Reader::new(&read_at(r, 0, 4)?).magic(b"ptau", WHAT)?;
        }
        return Err(truncated(WHAT, 0, 12));
    }
    let head = read_at(r, 0, 12)?;
    let mut h = Reader::new(&head);
    h.magic(b"ptau", WHAT)?;
    let version = h.u32("ptau version")?;
    if version != 1 {
        return Err(DecodeError::UnsupportedVersion { what: WHAT, found: version, supported: 1 }.into());
    }
    let n_sections = h.u32("ptau section count")?;
    // Section table: (offset of the payload, size), for the sections we use.
    let mut sections: [Option<(u64, u64)>; 4] = [None; 4];
    let mut pos = 12u64;
    for _ in 0..n_sections {
        if pos + 12 > file_len {
            return Err(truncated("ptau section header", pos, 12));
        }
        let sh = read_at(r, pos, 12)?;
        let mut sr = Reader::new(&sh);
        let id = sr.u32("ptau section id")?;
        let size = sr.u64("ptau section size")?;
        let body = pos + 12;
        if size > file_len - body {
            return Err(truncated("ptau section", body, size));
        }
        if (1..=3).contains(&id) {
            if sections[id as usize].is_some() {
                return Err(DecodeError::Invalid { what: WHAT, reason: format!("duplicate section {id}") }.into());
            }
            sections[id as usize] = Some((body, size));
        }
        pos = body + size;
    }
    if pos != file_len {
        return Err(DecodeError::TrailingBytes { what: WHAT, count: (file_len - pos) as usize }.into());
    }
    let missing = |id: u32| DecodeError::Invalid { what: WHAT, reason: format!("missing section {id}") };

    // Header.
    let (hoff, hsize) = sections[SECTION_HEADER as usize].ok_or_else(|| missing(SECTION_HEADER))?;
    if hsize > 1024 {
        return Err(DecodeError::Invalid { what: WHAT, reason: format!("header section of {hsize} bytes") }.into());
    }
    let header = read_at(r, hoff, hsize as usize)?;
    let mut h = Reader::new(&header);
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
    let n_g1 = (1u64 << (power + 1)) - 1;
    let n_g2 = 1u64 << power;

    let (g1_off, g1_size) = sections[SECTION_TAU_G1 as usize].ok_or_else(|| missing(SECTION_TAU_G1))?;
    let (g2_off, g2_size) = sections[SECTION_TAU_G2 as usize].ok_or_else(|| missing(SECTION_TAU_G2))?;
    if g1_size != n_g1 * 64 || g2_size != n_g2 * 128 {
        return Err(DecodeError::Invalid {
            what: WHAT,
            reason: format!("section sizes {g1_size} / {g2_size} do not match power {power}"),
        }
        .into());
    }
    let keep = match max_degree {
        Some(d) if d as u64 + 1 > n_g1 => {
            return Err(Error::Srs(format!("the file has {n_g1} powers of τ (degree {}), degree {d} was asked", n_g1 - 1)))
        }
        Some(d) => d + 1,
        None => n_g1 as usize,
    };
    let g1_bytes = read_at(r, g1_off, keep * 64)?;
    let g1_powers = g1_bytes
        .par_chunks_exact(64)
        .map(|c| read_g1(c.try_into().expect("64 bytes")))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let g2_bytes = read_at(r, g2_off, 256)?;
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
