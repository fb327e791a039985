//! Checked binary encodings shared by keys and proofs (files, not the card's bus format).
//!
//! * integers: little-endian (`u8`, `u32`, `u64`);
//! * a field element (Fr or Fq): 32 bytes, the **canonical** integer (not Montgomery form),
//!   little-endian; a value `≥ p` is rejected as non-canonical;
//! * a G1 point: 64 bytes `x ‖ y` (Fq each). The point at infinity sets bit 7 of byte 63 (bit 255
//!   of `y`, never set in a valid coordinate since q < 2^254) and is otherwise all zero — the same
//!   flag as `docs/interfaces.md` §2. A decoded point must be on the curve (G1 has cofactor 1);
//! * a G2 point: 128 bytes `x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1`, infinity flagged by bit 7 of byte 127; a
//!   decoded point must be on the curve and in the prime-order subgroup.
//!
//! * a list of small integers (`Writer::small_ints`): `u32` count, `u8` width w, then w-byte
//!   little-endian two's-complement integers when every entry is a 64-bit signed integer (w the
//!   fewest of 1, 2, 4, 8 bytes that hold them all), else w = 32 and canonical field elements;
//!   a width that is unknown or larger than needed is rejected (one encoding per list).
//!
//! * raw forms (`Writer::raw_frs`, `Writer::raw_g1s`; the proving key's precomputed tables only):
//!   a field element as its **Montgomery** representation x·2^256 mod p, four little-endian
//!   `u64` limbs, still checked below the modulus on decoding; a G1 point as x ‖ y in that form,
//!   the point at infinity all zero with bit 7 of byte 63 set. Decoding them is a copy and a
//!   comparison per element (no multiplication).
//!
//! Decoding never panics: every failure is a [`DecodeError`].

use ark_ec::AffineRepr;
use ark_ff::{BigInteger, Field, One, PrimeField, Zero};

use crate::error::DecodeError;
use crate::{Fq, Fr, G1Affine, G2Affine};

type Fq2 = ark_bn254::Fq2;

/// Appends encodings to a byte vector.
#[derive(Default)]
pub struct Writer {
    pub bytes: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn raw(&mut self, b: &[u8]) {
        self.bytes.extend_from_slice(b);
    }
    pub fn u8(&mut self, v: u8) {
        self.bytes.push(v);
    }
    pub fn u32(&mut self, v: u32) {
        self.raw(&v.to_le_bytes());
    }
    pub fn u64(&mut self, v: u64) {
        self.raw(&v.to_le_bytes());
    }
    pub fn fr(&mut self, v: &Fr) {
        self.raw(&fr_to_le(v));
    }
    pub fn frs(&mut self, v: &[Fr]) {
        self.u32(v.len() as u32);
        v.iter().for_each(|x| self.fr(x));
    }
    /// Field elements that are (mostly) small signed integers, e.g. quantized weights, in the
    /// compact form of the module documentation: 1–2 bytes per quantized weight instead of 32.
    pub fn small_ints(&mut self, v: &[Fr]) {
        match v.iter().map(small_int).collect::<Option<Vec<i64>>>() {
            Some(ints) => self.ints(&Ints::new(&ints)),
            None => {
                self.u32(v.len() as u32);
                self.u8(FR_WIDTH);
                v.iter().for_each(|x| self.fr(x));
            }
        }
    }
    /// [`Writer::small_ints`] of the field elements `ints` stand for (the same bytes).
    pub fn ints(&mut self, ints: &Ints) {
        self.u32(ints.len() as u32);
        self.u8(ints.width());
        self.bytes.reserve(ints.len() * ints.width() as usize);
        match ints.as_slice() {
            IntSlice::I8(v) => v.iter().for_each(|x| self.raw(&x.to_le_bytes())),
            IntSlice::I16(v) => v.iter().for_each(|x| self.raw(&x.to_le_bytes())),
            IntSlice::I32(v) => v.iter().for_each(|x| self.raw(&x.to_le_bytes())),
            IntSlice::I64(v) => v.iter().for_each(|x| self.raw(&x.to_le_bytes())),
        }
    }
    /// Field elements in the raw Montgomery form (no count).
    pub fn raw_frs(&mut self, v: &[Fr]) {
        self.bytes.reserve(32 * v.len());
        for x in v {
            x.0 .0.iter().for_each(|l| self.u64(*l));
        }
    }
    /// G1 points in the raw Montgomery form (no count).
    pub fn raw_g1s(&mut self, v: &[G1Affine]) {
        self.bytes.reserve(64 * v.len());
        for p in v {
            match p.xy() {
                None => {
                    self.raw(&[0u8; 63]);
                    self.u8(0x80);
                }
                Some((x, y)) => {
                    x.0 .0.iter().chain(&y.0 .0).for_each(|l| self.u64(*l));
                }
            }
        }
    }
    pub fn g1(&mut self, p: &G1Affine) {
        self.raw(&g1_to_bytes(p));
    }
    pub fn g1s(&mut self, v: &[G1Affine]) {
        self.u32(v.len() as u32);
        v.iter().for_each(|p| self.g1(p));
    }
    pub fn g2(&mut self, p: &G2Affine) {
        let mut out = [0u8; 128];
        match p.xy() {
            None => out[127] = 0x80,
            Some((x, y)) => {
                out[0..32].copy_from_slice(&fq_to_le(&x.c0));
                out[32..64].copy_from_slice(&fq_to_le(&x.c1));
                out[64..96].copy_from_slice(&fq_to_le(&y.c0));
                out[96..128].copy_from_slice(&fq_to_le(&y.c1));
            }
        }
        self.raw(&out);
    }
}

/// Reads encodings from a byte slice, tracking the offset for error messages.
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }
    pub fn offset(&self) -> usize {
        self.pos
    }
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }
    /// The next `n` bytes without consuming them (`None` if fewer remain).
    pub fn peek(&self, n: usize) -> Option<&'a [u8]> {
        self.bytes.get(self.pos..self.pos.checked_add(n)?)
    }
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        if self.remaining() < n {
            return Err(DecodeError::Truncated {
                what,
                offset: self.pos,
                needed: n,
                available: self.remaining(),
            });
        }
        let out = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }
    pub fn magic(&mut self, expected: &[u8], what: &'static str) -> Result<(), DecodeError> {
        let found = self.take(expected.len(), what)?;
        if found != expected {
            return Err(DecodeError::BadMagic { what, expected: expected.to_vec(), found: found.to_vec() });
        }
        Ok(())
    }
    pub fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(self.take(1, what)?[0])
    }
    pub fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.take(4, what)?.try_into().expect("4 bytes")))
    }
    pub fn u64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.take(8, what)?.try_into().expect("8 bytes")))
    }
    /// A length prefix, bounded by `max` so that a hostile file cannot make us allocate.
    pub fn len(&mut self, what: &'static str, max: usize) -> Result<usize, DecodeError> {
        let n = self.u32(what)? as usize;
        if n > max {
            return Err(DecodeError::Invalid { what, reason: format!("length {n} exceeds the limit {max}") });
        }
        Ok(n)
    }
    pub fn fr(&mut self, what: &'static str) -> Result<Fr, DecodeError> {
        fr_from_le(self.take(32, what)?.try_into().expect("32 bytes")).ok_or(DecodeError::NonCanonical { what })
    }
    pub fn frs(&mut self, what: &'static str, max: usize) -> Result<Vec<Fr>, DecodeError> {
        let n = self.len(what, max)?;
        if self.remaining() < n * 32 {
            return Err(DecodeError::Truncated { what, offset: self.pos, needed: n * 32, available: self.remaining() });
        }
        (0..n).map(|_| self.fr(what)).collect()
    }
    /// Reads [`Writer::small_ints`]'s form, bounded by `max` entries; refuses an unknown width,
    /// a width larger than the entries need and truncation, each naming `what`.
    pub fn small_ints(&mut self, what: &'static str, max: usize) -> Result<Vec<Fr>, DecodeError> {
        Ok(self.small_ints_and_values(what, max)?.0)
    }

    /// [`Reader::small_ints`], also returning the integers themselves when the entries are
    /// stored as integers (None for the 32-byte field-element form).
    pub fn small_ints_and_values(&mut self, what: &'static str, max: usize) -> Result<(Vec<Fr>, Option<Vec<i64>>), DecodeError> {
        Ok(match self.small_ints_as_stored(what, max)? {
            SmallInts::Ints(ints) => {
                let ints = ints.to_vec();
                (ints_to_fr(&ints), Some(ints))
            }
            SmallInts::Fr(v) => (v, None),
        })
    }

    /// [`Reader::small_ints`] in the form they are stored: the integers (no field element is
    /// made), or the field elements when some entry is not a 64-bit integer. The same checks.
    pub fn small_ints_as_stored(&mut self, what: &'static str, max: usize) -> Result<SmallInts, DecodeError> {
        let n = self.len(what, max)?;
        let width = self.u8(what)?;
        let invalid = |reason: String| DecodeError::Invalid { what, reason };
        match width {
            1 | 2 | 4 | 8 => {
                let w = width as usize;
                let bytes = self.take(n * w, what)?;
                let ints = Ints(match w {
                    1 => IntsRepr::I8(bytes.iter().map(|&b| b as i8).collect()),
                    2 => IntsRepr::I16(bytes.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]])).collect()),
                    4 => IntsRepr::I32(bytes.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()),
                    _ => IntsRepr::I64(bytes.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes"))).collect()),
                });
                let used = ints.needed_width();
                if used < width {
                    return Err(invalid(format!("{width}-byte entries where {used} bytes hold every entry (not the canonical width)")));
                }
                Ok(SmallInts::Ints(ints))
            }
            FR_WIDTH => {
                if self.remaining() < n * 32 {
                    return Err(DecodeError::Truncated { what, offset: self.pos, needed: n * 32, available: self.remaining() });
                }
                let out = (0..n).map(|_| self.fr(what)).collect::<Result<Vec<Fr>, _>>()?;
                if out.iter().all(|x| small_int(x).is_some()) {
                    return Err(invalid("32-byte field elements that are all 64-bit integers (not the canonical width)".into()));
                }
                Ok(SmallInts::Fr(out))
            }
            _ => Err(invalid(format!("entry width {width}: expected 1, 2, 4, 8 or 32 bytes"))),
        }
    }
    /// `n` field elements in the raw Montgomery form, each checked below the modulus.
    pub fn raw_frs(&mut self, what: &'static str, n: usize) -> Result<Vec<Fr>, DecodeError> {
        let bytes = self.take(n.checked_mul(32).ok_or(DecodeError::Invalid { what, reason: "too many elements".into() })?, what)?;
        let mut out = Vec::with_capacity(n);
        for c in bytes.chunks_exact(32) {
            out.push(raw_limbs(c, &Fr::MODULUS).map(Fr::new_unchecked).ok_or(DecodeError::NonCanonical { what })?);
        }
        Ok(out)
    }
    /// `n` G1 points in the raw Montgomery form: canonical coordinates, the infinity flag alone;
    /// on the curve when `check_curve`.
    pub fn raw_g1s(&mut self, what: &'static str, n: usize, check_curve: bool) -> Result<Vec<G1Affine>, DecodeError> {
        let bytes = self.take(n.checked_mul(64).ok_or(DecodeError::Invalid { what, reason: "too many points".into() })?, what)?;
        let mut out = Vec::with_capacity(n);
        for p in bytes.chunks_exact(64).map(|c| {
                if c[63] & 0x80 != 0 {
                    return match c[..63].iter().all(|&b| b == 0) && c[63] == 0x80 {
                        true => Ok(G1Affine::identity()),
                        false => Err(DecodeError::MalformedPoint { what, reason: "infinity flag with non-zero coordinates" }),
                    };
                }
                let coordinate = |b: &[u8]| raw_limbs(b, &Fq::MODULUS).map(Fq::new_unchecked).ok_or(DecodeError::NonCanonical { what });
                let (x, y) = (coordinate(&c[..32])?, coordinate(&c[32..])?);
                if x.is_zero() && y.is_zero() {
                    return Err(DecodeError::MalformedPoint { what, reason: "(0, 0) without the infinity flag" });
                }
                let p = G1Affine::new_unchecked(x, y);
                if check_curve {
                    check_g1(p, what)
                } else {
                    Ok(p)
                }
            }) {
            out.push(p?);
        }
        Ok(out)
    }
    pub fn g1(&mut self, what: &'static str) -> Result<G1Affine, DecodeError> {
        g1_from_bytes(self.take(64, what)?.try_into().expect("64 bytes"), what)
    }
    pub fn g1s(&mut self, what: &'static str, max: usize) -> Result<Vec<G1Affine>, DecodeError> {
        let n = self.len(what, max)?;
        if self.remaining() < n * 64 {
            return Err(DecodeError::Truncated { what, offset: self.pos, needed: n * 64, available: self.remaining() });
        }
        (0..n).map(|_| self.g1(what)).collect()
    }
    pub fn g2(&mut self, what: &'static str) -> Result<G2Affine, DecodeError> {
        let b = self.take(128, what)?;
        let mut last = [0u8; 32];
        last.copy_from_slice(&b[96..128]);
        if last[31] & 0x80 != 0 {
            last[31] &= 0x7f;
            if b[..96].iter().any(|&x| x != 0) || last.iter().any(|&x| x != 0) {
                return Err(DecodeError::MalformedPoint { what, reason: "infinity flag with non-zero coordinates" });
            }
            return Ok(G2Affine::identity());
        }
        let c = |s: &[u8]| fq_from_le(s.try_into().expect("32 bytes")).ok_or(DecodeError::NonCanonical { what });
        let x = Fq2::new(c(&b[0..32])?, c(&b[32..64])?);
        let y = Fq2::new(c(&b[64..96])?, c(&last)?);
        if x.is_zero() && y.is_zero() {
            return Err(DecodeError::MalformedPoint { what, reason: "(0, 0) without the infinity flag" });
        }
        let p = G2Affine::new_unchecked(x, y);
        if p == G2Affine::generator() {
            // `[1]₂` of every key: the generator is on the curve and in the subgroup, and the
            // comparison costs nothing next to the subgroup check's scalar multiplication.
            return Ok(p);
        }
        check_g2(p, what)
    }
    /// Fails unless every byte was consumed.
    pub fn finish(&self, what: &'static str) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(DecodeError::TrailingBytes { what, count }),
        }
    }
}

/// A [`Writer::small_ints`] list as it was stored.
#[derive(Clone, Debug, PartialEq)]
pub enum SmallInts {
    /// Every entry a 64-bit integer.
    Ints(Ints),
    /// Some entry is not: the field elements.
    Fr(Vec<Fr>),
}

/// 64-bit integers held in the narrowest of 1, 2, 4 or 8 bytes that holds them all (the width
/// [`Writer::small_ints`] stores them with): a quantized layer's weights take a byte each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ints(IntsRepr);

#[derive(Clone, Debug, PartialEq, Eq)]
enum IntsRepr {
    I8(Vec<i8>),
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
}

/// The integers of an [`Ints`] in their stored type.
#[derive(Clone, Copy, Debug)]
pub enum IntSlice<'a> {
    I8(&'a [i8]),
    I16(&'a [i16]),
    I32(&'a [i32]),
    I64(&'a [i64]),
}

impl Ints {
    pub fn new(v: &[i64]) -> Self {
        let width = v.iter().min().into_iter().chain(v.iter().max()).map(|&x| int_width(x)).max().unwrap_or(1);
        Self(match width {
            1 => IntsRepr::I8(v.iter().map(|&x| x as i8).collect()),
            2 => IntsRepr::I16(v.iter().map(|&x| x as i16).collect()),
            4 => IntsRepr::I32(v.iter().map(|&x| x as i32).collect()),
            _ => IntsRepr::I64(v.to_vec()),
        })
    }
    pub fn as_slice(&self) -> IntSlice<'_> {
        match &self.0 {
            IntsRepr::I8(v) => IntSlice::I8(v),
            IntsRepr::I16(v) => IntSlice::I16(v),
            IntsRepr::I32(v) => IntSlice::I32(v),
            IntsRepr::I64(v) => IntSlice::I64(v),
        }
    }
    pub fn len(&self) -> usize {
        match self.as_slice() {
            IntSlice::I8(v) => v.len(),
            IntSlice::I16(v) => v.len(),
            IntSlice::I32(v) => v.len(),
            IntSlice::I64(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The bytes per entry: 1, 2, 4 or 8.
    pub fn width(&self) -> u8 {
        match self.as_slice() {
            IntSlice::I8(_) => 1,
            IntSlice::I16(_) => 2,
            IntSlice::I32(_) => 4,
            IntSlice::I64(_) => 8,
        }
    }
    pub fn to_vec(&self) -> Vec<i64> {
        match self.as_slice() {
            IntSlice::I8(v) => v.iter().map(|&x| x as i64).collect(),
            IntSlice::I16(v) => v.iter().map(|&x| x as i64).collect(),
            IntSlice::I32(v) => v.iter().map(|&x| x as i64).collect(),
            IntSlice::I64(v) => v.to_vec(),
        }
    }
    /// The width the entries need (that of the smallest or the largest; 1 when empty).
    fn needed_width(&self) -> u8 {
        fn extremes<T: Copy + Ord + Into<i64>>(v: &[T]) -> [Option<i64>; 2] {
            [v.iter().min().map(|&x| x.into()), v.iter().max().map(|&x| x.into())]
        }
        let ends = match self.as_slice() {
            IntSlice::I8(v) => extremes(v),
            IntSlice::I16(v) => extremes(v),
            IntSlice::I32(v) => extremes(v),
            IntSlice::I64(v) => extremes(v),
        };
        ends.into_iter().flatten().map(int_width).max().unwrap_or(1)
    }
}

/// Checks a G2 point for curve membership and the subgroup (G2 has a large cofactor).
pub fn check_g2(p: G2Affine, what: &'static str) -> Result<G2Affine, DecodeError> {
    if !p.is_on_curve() {
        return Err(DecodeError::NotOnCurve { what });
    }
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(DecodeError::NotInSubgroup { what });
    }
    Ok(p)
}

/// Checks a G1 point for curve membership (BN254 G1 has cofactor 1, so that is the subgroup too;
/// the subgroup test is kept for clarity and is cheap).
pub fn check_g1(p: G1Affine, what: &'static str) -> Result<G1Affine, DecodeError> {
    if !p.is_on_curve() {
        return Err(DecodeError::NotOnCurve { what });
    }
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(DecodeError::NotInSubgroup { what });
    }
    Ok(p)
}

/// The width byte of a [`Writer::small_ints`] list of field elements.
const FR_WIDTH: u8 = 32;

/// The signed 64-bit integer `x` stands for (x = v or x = r − |v|), if any.
pub fn small_int(x: &Fr) -> Option<i64> {
    let pos = x.into_bigint();
    if pos.0[1..].iter().all(|&l| l == 0) && pos.0[0] <= i64::MAX as u64 {
        return Some(pos.0[0] as i64);
    }
    let neg = (-*x).into_bigint();
    (neg.0[1..].iter().all(|&l| l == 0) && neg.0[0] <= 1u64 << 63).then(|| (neg.0[0] as i64).wrapping_neg())
}

/// The integers as field elements. Quantized weights span a small range: when it is at most
/// 2^16 values and not much larger than the list, the elements come from a table of the range
/// built by additions (one addition per value instead of one Montgomery multiplication per entry).
pub fn ints_to_fr(ints: &[i64]) -> Vec<Fr> {
    let (Some(&lo), Some(&hi)) = (ints.iter().min(), ints.iter().max()) else {
        return vec![];
    };
    let span = (hi as i128 - lo as i128) as u128 + 1;
    if span > 1 << 16 || span > 4 * ints.len() as u128 {
        return ints.iter().map(|&v| Fr::from(v)).collect();
    }
    let mut table = Vec::with_capacity(span as usize);
    let mut x = Fr::from(lo);
    for _ in 0..span {
        table.push(x);
        x += Fr::one();
    }
    ints.iter().map(|&v| table[(v - lo) as usize]).collect()
}

/// The fewest bytes (1, 2, 4 or 8) that hold `v` as a two's-complement integer.
fn int_width(v: i64) -> u8 {
    if i8::try_from(v).is_ok() {
        1
    } else if i16::try_from(v).is_ok() {
        2
    } else if i32::try_from(v).is_ok() {
        4
    } else {
        8
    }
}

pub fn fr_to_le(v: &Fr) -> [u8; 32] {
    v.into_bigint().to_bytes_le().try_into().expect("32 bytes")
}

pub fn fq_to_le(v: &Fq) -> [u8; 32] {
    v.into_bigint().to_bytes_le().try_into().expect("32 bytes")
}

fn limbs(b: &[u8; 32]) -> [u64; 4] {
    core::array::from_fn(|i| u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().expect("8 bytes")))
}

/// 32 bytes as four little-endian limbs, if below `modulus` (a raw Montgomery representation).
fn raw_limbs(b: &[u8], modulus: &ark_ff::BigInt<4>) -> Option<ark_ff::BigInt<4>> {
    let l = ark_ff::BigInt::<4>(core::array::from_fn(|i| u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().expect("8 bytes"))));
    (l < *modulus).then_some(l)
}

/// The canonical little-endian integer as an Fr; `None` if it is `≥ r`.
pub fn fr_from_le(b: &[u8; 32]) -> Option<Fr> {
    Fr::from_bigint(ark_ff::BigInt::new(limbs(b)))
}

/// The canonical little-endian integer as an Fq; `None` if it is `≥ q`.
pub fn fq_from_le(b: &[u8; 32]) -> Option<Fq> {
    Fq::from_bigint(ark_ff::BigInt::new(limbs(b)))
}

/// An Fq from a little-endian **Montgomery** representation (R = 2^256), as snarkjs writes it;
/// `None` if the integer is `≥ q`.
pub fn fq_from_le_montgomery(b: &[u8; 32]) -> Option<Fq> {
    // The stored integer is x·R mod q; from_bigint gives it as a field element, and multiplying by
    // R^-1 recovers x.
    let m = fq_from_le(b)?;
    let r_inv = Fq::from(2u64).pow([256u64]).inverse().expect("R is invertible");
    Some(m * r_inv)
}

pub fn g1_to_bytes(p: &G1Affine) -> [u8; 64] {
    let mut out = [0u8; 64];
    match p.xy() {
        None => out[63] = 0x80,
        Some((x, y)) => {
            out[..32].copy_from_slice(&fq_to_le(&x));
            out[32..].copy_from_slice(&fq_to_le(&y));
        }
    }
    out
}

pub fn g1_from_bytes(b: &[u8; 64], what: &'static str) -> Result<G1Affine, DecodeError> {
    let mut y = [0u8; 32];
    y.copy_from_slice(&b[32..]);
    if y[31] & 0x80 != 0 {
        y[31] &= 0x7f;
        if b[..32].iter().any(|&v| v != 0) || y.iter().any(|&v| v != 0) {
            return Err(DecodeError::MalformedPoint { what, reason: "infinity flag with non-zero coordinates" });
        }
        return Ok(G1Affine::identity());
    }
    let x = fq_from_le(b[..32].try_into().expect("32 bytes")).ok_or(DecodeError::NonCanonical { what })?;
    let y = fq_from_le(&y).ok_or(DecodeError::NonCanonical { what })?;
    if x.is_zero() && y.is_zero() {
        // arkworks represents the identity as (0, 0); only the flagged form is canonical.
        return Err(DecodeError::MalformedPoint { what, reason: "(0, 0) without the infinity flag" });
    }
    check_g1(G1Affine::new_unchecked(x, y), what)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::UniformRand;
    use zkaccel_testkit::seed::TestRng;

    #[test]
    fn field_and_point_round_trips() {
        let mut rng = TestRng::for_test("codec::field_and_point_round_trips");
        for _ in 0..20 {
            let x = Fr::rand(&mut rng);
            let mut w = Writer::new();
            w.fr(&x);
            let p = (crate::G1Projective::generator() * x).into_affine();
            w.g1(&p);
            let q = (crate::G2Projective::generator() * x).into_affine();
            w.g2(&q);
            let mut r = Reader::new(&w.bytes);
            assert_eq!(r.fr("x").unwrap(), x);
            assert_eq!(r.g1("p").unwrap(), p);
            assert_eq!(r.g2("q").unwrap(), q);
            r.finish("test").unwrap();
        }
        let mut w = Writer::new();
        w.g1(&G1Affine::identity());
        w.g2(&G2Affine::identity());
        let mut r = Reader::new(&w.bytes);
        assert!(r.g1("p").unwrap().is_zero());
        assert!(r.g2("q").unwrap().is_zero());
    }

    #[test]
    fn rejects_bad_encodings() {
        // r itself is non-canonical.
        let r_bytes: [u8; 32] = Fr::MODULUS.to_bytes_le().try_into().unwrap();
        assert_eq!(Reader::new(&r_bytes).fr("x"), Err(DecodeError::NonCanonical { what: "x" }));
        // r - 1 is canonical.
        let mut rm1 = r_bytes;
        rm1[0] -= 1;
        assert_eq!(Reader::new(&rm1).fr("x").unwrap(), -Fr::from(1u64));
        // Off-curve G1: (1, 1).
        let mut b = [0u8; 64];
        b[0] = 1;
        b[32] = 1;
        assert_eq!(g1_from_bytes(&b, "p"), Err(DecodeError::NotOnCurve { what: "p" }));
        // Infinity flag with junk.
        let mut b = [0u8; 64];
        b[63] = 0x80;
        b[5] = 1;
        assert!(matches!(g1_from_bytes(&b, "p"), Err(DecodeError::MalformedPoint { .. })));
        // Truncated.
        assert!(matches!(Reader::new(&[0u8; 10]).g1("p"), Err(DecodeError::Truncated { .. })));
        // All zeros is not an encoding of infinity (only the flagged form is canonical).
        assert!(matches!(Reader::new(&[0u8; 64]).g1("p"), Err(DecodeError::MalformedPoint { .. })));
        assert!(matches!(Reader::new(&[0u8; 128]).g2("q"), Err(DecodeError::MalformedPoint { .. })));
        // A G2 point on the curve but outside the subgroup: find x with x^3 + b' a square.
        let mut x = Fq2::new(Fq::from(1u64), Fq::from(0u64));
        let not_subgroup = loop {
            if let Some(p) = G2Affine::get_point_from_x_unchecked(x, false) {
                if !p.is_in_correct_subgroup_assuming_on_curve() {
                    break p;
                }
            }
            x += Fq2::from(1u64);
        };
        let mut w = Writer::new();
        w.g2(&not_subgroup);
        assert_eq!(Reader::new(&w.bytes).g2("q"), Err(DecodeError::NotInSubgroup { what: "q" }));
    }

    #[test]
    fn montgomery_conversion_matches_definition() {
        let mut rng = TestRng::for_test("codec::montgomery_conversion_matches_definition");
        for _ in 0..10 {
            let x = Fq::rand(&mut rng);
            // x·2^256 mod q, canonical, little-endian.
            let mont = x * Fq::from(2u64).pow([256u64]);
            assert_eq!(fq_from_le_montgomery(&fq_to_le(&mont)), Some(x));
            // arkworks stores exactly this integer internally (R = 2^256).
            let internal: [u8; 32] = x.0.to_bytes_le().try_into().unwrap();
            assert_eq!(internal, fq_to_le(&mont));
        }
    }
}
