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

use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{BigInteger, PrimeField, UniformRand, Zero};
use std::io::{Read, Seek, SeekFrom};

use rand::RngCore;
use rayon::prelude::*;

use super::{Srs, SrsSource};
use crate::codec::{check_g1, check_g2, fq_from_le_montgomery, Reader};
use crate::error::{DecodeError, Error, Result};
use crate::{Bn254, Fq, Fr, G1Affine, G1Projective, G2Affine};

const WHAT: &str = "ptau file";

/// Section ids of a `.ptau` file.
const SECTION_HEADER: u32 = 1;
const SECTION_TAU_G1: u32 = 2;
const SECTION_TAU_G2: u32 = 3;

/// G1 powers read, checked and folded into the consistency check per step when a whole file is
/// verified ([`Srs::from_ptau_file_verify_all`]): 4 MiB of the file at a time.
const CHUNK_POINTS: usize = 1 << 16;

impl Srs {
    /// Reads a `.ptau` file, keeping the powers up to `max_degree` (all of them if `None`), and
    /// verifies it ([`Srs::verify`]) with randomness from the OS. Only the header, the needed G1
    /// powers and the first two G2 powers are read from disk. A path that is not a regular file
    /// (a FIFO, a device, a directory) is refused before it is opened: reading one could block
    /// forever or never end.
    pub fn from_ptau_file(path: impl AsRef<std::path::Path>, max_degree: Option<usize>) -> Result<Self> {
        let file = open_regular(path.as_ref())?;
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

    /// Reads a `.ptau` file and verifies **every** power of τ in it, as [`Srs::verify`] does (the
    /// standard generators, τ ≠ 0, each G1 point on the curve, and the consistency pairing over all
    /// the powers, with random coefficients from the OS), while holding only a window of 2^16
    /// powers (4 MiB of the file) in memory at a time; keeps the powers up to `keep_degree`.
    ///
    /// For a check that must refuse a corrupted file but compares only its first powers (a
    /// verifying key's): the memory used does not grow with the power the file claims, and a file
    /// whose first powers are wrong (not an SRS at all) is refused before the rest is read.
    pub fn from_ptau_file_verify_all(path: impl AsRef<std::path::Path>, keep_degree: usize) -> Result<Self> {
        let file = open_regular(path.as_ref())?;
        Self::from_ptau_reader_verify_all(&mut std::io::BufReader::new(file), keep_degree, &mut rand::rngs::OsRng)
    }

    /// [`Srs::from_ptau_file_verify_all`] on a stream; `rng` draws the consistency-check
    /// coefficients.
    pub fn from_ptau_reader_verify_all<R: Read + Seek>(r: &mut R, keep_degree: usize, rng: &mut impl RngCore) -> Result<Self> {
        verify_all(r, keep_degree, rng, CHUNK_POINTS)
    }
}

/// [`Srs::from_ptau_reader_verify_all`], `chunk` powers at a time.
fn verify_all<R: Read + Seek>(r: &mut R, keep_degree: usize, rng: &mut impl RngCore, chunk: usize) -> Result<Srs> {
    assert!(chunk >= 2, "a window of at least two powers");
    let l = layout(r)?;
    let keep = l.keep(Some(keep_degree))?;
    let (g2, tau_g2) = read_g2_pair(r, &l)?;
    let n = l.n_g1 as usize;
    let mut kept: Vec<G1Affine> = Vec::with_capacity(keep);
    let (mut a, mut b) = (G1Projective::zero(), G1Projective::zero());
    // The last power of the previous window, so that every consecutive pair (τ^i, τ^(i+1))
    // enters the check once.
    let mut prev: Option<G1Affine> = None;
    let mut start = 0usize;
    while start < n {
        let count = chunk.min(n - start);
        let mut window = Vec::with_capacity(count + 1);
        window.extend(prev);
        let first = window.len();
        window.extend(read_g1_range(r, &l, start as u64, count)?);
        if start == 0 {
            // The checks of `Srs::verify` on the first powers, before anything else is read.
            if window[0] != G1Affine::generator() || g2 != G2Affine::generator() {
                return Err(Error::Srs("the SRS does not start from the standard BN254 generators".into()));
            }
            if window[1].is_zero() || tau_g2.is_zero() {
                return Err(Error::Srs("τ = 0".into()));
            }
        }
        // τ ≠ 0, so no power is the point at infinity (a file of zeros fails here, early).
        if let Some(i) = window[first..].iter().position(|p| p.is_zero()) {
            return Err(Error::Srs(format!("power {} of τ is the point at infinity: the τ powers are inconsistent", start + i)));
        }
        let rho: Vec<Fr> = (0..window.len() - 1).map(|_| Fr::rand(rng)).collect();
        a += G1Projective::msm_unchecked(&window[..window.len() - 1], &rho);
        b += G1Projective::msm_unchecked(&window[1..], &rho);
        let want = keep - kept.len();
        kept.extend(window[first..].iter().take(want).copied());
        prev = window.last().copied();
        start += count;
    }
    if !Bn254::multi_pairing([a.into_affine(), (-b).into_affine()], [tau_g2, g2]).is_zero() {
        return Err(Error::Srs("the τ powers are inconsistent (pairing check failed)".into()));
    }
    Ok(Srs::from_parts(kept, g2, tau_g2, SrsSource::Ptau { power: l.power }))
}

/// Opens `path` for reading if it is a regular file (checked before opening: opening a FIFO
/// blocks until a writer appears, and a device such as /dev/zero never ends).
fn open_regular(path: &std::path::Path) -> Result<std::fs::File> {
    let not_regular = || Error::Io(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"));
    if !std::fs::metadata(path)?.is_file() {
        return Err(not_regular());
    }
    let file = std::fs::File::open(path)?;
    // The path may have been replaced between the two calls: what was opened must be a file too.
    if !file.metadata()?.is_file() {
        return Err(not_regular());
    }
    Ok(file)
}

/// Reads `len` bytes at `offset`, refusing a range beyond `file_len` (the file's length, as
/// measured once) before allocating anything for it, and reporting an allocation failure as an
/// error rather than aborting.
fn read_at<R: Read + Seek>(r: &mut R, file_len: u64, offset: u64, len: usize) -> Result<Vec<u8>> {
    let truncated = || -> Error {
        DecodeError::Truncated { what: WHAT, offset: offset as usize, needed: len, available: file_len.saturating_sub(offset) as usize }.into()
    };
    if offset.checked_add(len as u64).is_none_or(|end| end > file_len) {
        return Err(truncated());
    }
    r.seek(SeekFrom::Start(offset))?;
    let mut buf = Vec::new();
    buf.try_reserve_exact(len).map_err(|_| Error::Srs(format!("cannot allocate {len} bytes to read the ptau file")))?;
    r.by_ref().take(len as u64).read_to_end(&mut buf)?;
    if buf.len() != len {
        // The file shrank since its length was measured.
        return Err(truncated());
    }
    Ok(buf)
}

/// Where the parts of a `.ptau` file are, from its header and section table (every section's
/// claimed size checked against the file's length, and the τ sections' against the power).
struct Layout {
    power: u32,
    file_len: u64,
    g1_off: u64,
    n_g1: u64,
    g2_off: u64,
}

impl Layout {
    /// How many G1 powers to keep for `max_degree` (all of them if `None`).
    fn keep(&self, max_degree: Option<usize>) -> Result<usize> {
        match max_degree {
            Some(d) if d as u64 + 1 > self.n_g1 => {
                Err(Error::Srs(format!("the file has {} powers of τ (degree {}), degree {d} was asked", self.n_g1, self.n_g1 - 1)))
            }
            Some(d) => Ok(d + 1),
            None => Ok(self.n_g1 as usize),
        }
    }
}

fn layout<R: Read + Seek>(r: &mut R) -> Result<Layout> {
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
            Reader::new(&read_at(r, file_len, 0, 4)?).magic(b"ptau", WHAT)?;
        }
        return Err(truncated(WHAT, 0, 12));
    }
    let head = read_at(r, file_len, 0, 12)?;
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
        let sh = read_at(r, file_len, pos, 12)?;
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
    let header = read_at(r, file_len, hoff, hsize as usize)?;
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
    Ok(Layout { power, file_len, g1_off, n_g1, g2_off })
}

/// G1 powers `start .. start + count`, each checked (on the curve, canonical coordinates).
fn read_g1_range<R: Read + Seek>(r: &mut R, l: &Layout, start: u64, count: usize) -> Result<Vec<G1Affine>> {
    debug_assert!(start + count as u64 <= l.n_g1);
    let bytes = read_at(r, l.file_len, l.g1_off + start * 64, count * 64)?;
    Ok(bytes.par_chunks_exact(64).map(|c| read_g1(c.try_into().expect("64 bytes"))).collect::<std::result::Result<Vec<_>, _>>()?)
}

/// `[1]₂` and `[τ]₂`.
fn read_g2_pair<R: Read + Seek>(r: &mut R, l: &Layout) -> Result<(G2Affine, G2Affine)> {
    let g2_bytes = read_at(r, l.file_len, l.g2_off, 256)?;
    let g2 = read_g2(g2_bytes[..128].try_into().expect("128 bytes"))?;
    let tau_g2 = read_g2(g2_bytes[128..256].try_into().expect("128 bytes"))?;
    Ok((g2, tau_g2))
}

fn parse<R: Read + Seek>(r: &mut R, max_degree: Option<usize>) -> Result<Srs> {
    let l = layout(r)?;
    let keep = l.keep(max_degree)?;
    let g1_powers = read_g1_range(r, &l, 0, keep)?;
    let (g2, tau_g2) = read_g2_pair(r, &l)?;
    Ok(Srs::from_parts(g1_powers, g2, tau_g2, SrsSource::Ptau { power: l.power }))
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

/// The windowed verification across window boundaries (the fixture has fewer powers than one
/// window of the real size).
#[cfg(test)]
mod window_tests {
    use zkaccel_testkit::seed::TestRng;

    use super::*;

    fn fixture() -> Vec<u8> {
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/snarkjs_bn128_pot10_final.ptau")).expect("fixture present")
    }

    #[test]
    fn verify_all_accepts_the_fixture_and_refuses_a_swap_at_any_window_boundary() {
        let mut rng = TestRng::for_test("ptau::verify_all_windows");
        let good = fixture();
        let all = Srs::from_ptau_bytes(&good, None, &mut rng).unwrap();
        for chunk in [2usize, 3, 1000, 2046, 2047, 1 << 16] {
            let srs = verify_all(&mut std::io::Cursor::new(&good), 5, &mut rng, chunk).unwrap();
            assert_eq!(srs.g1_powers(), &all.g1_powers()[..6], "chunk {chunk}");
            assert_eq!(srs.verifier_srs(), all.verifier_srs());
            assert_eq!(srs.source(), &SrsSource::Ptau { power: 10 });
        }
        // Powers 999 and 1000 swapped: every point valid, the pair across the boundary of
        // 1000-power windows is what breaks the consistency.
        let g1 = layout(&mut std::io::Cursor::new(&good)).unwrap().g1_off as usize;
        let mut bad = good.clone();
        let (a, b) = (g1 + 64 * 999, g1 + 64 * 1000);
        let tmp = bad[a..a + 64].to_vec();
        bad.copy_within(b..b + 64, a);
        bad[b..b + 64].copy_from_slice(&tmp);
        for chunk in [2usize, 1000, 1001, 1 << 16] {
            let e = verify_all(&mut std::io::Cursor::new(&bad), 1, &mut rng, chunk).unwrap_err();
            assert!(matches!(&e, Error::Srs(m) if m.contains("inconsistent")), "chunk {chunk}: {e}");
        }
        // The last power replaced by the point at infinity.
        let mut bad = good.clone();
        bad[g1 + 64 * 2046..g1 + 64 * 2047].fill(0);
        let e = verify_all(&mut std::io::Cursor::new(&bad), 1, &mut rng, 1000).unwrap_err();
        assert!(matches!(&e, Error::Srs(m) if m.contains("power 2046")), "{e}");
        // More powers kept than the file has.
        assert!(matches!(verify_all(&mut std::io::Cursor::new(&good), 2047, &mut rng, 1000), Err(Error::Srs(m)) if m.contains("was asked")));
    }
}
