//! Field elements in the JSON files: 32-byte little-endian canonical encodings as hex, and
//! small signed integers (quantized values) to and from Fr.

use ark_ff::{BigInteger, PrimeField};
use zkaccel::Fr;

use crate::error::{Error, Result};

/// `Fr` as 64 hex digits (little-endian canonical bytes).
pub fn fr_to_hex(x: &Fr) -> String {
    hex::encode(x.into_bigint().to_bytes_le())
}

/// Parses [`fr_to_hex`]'s encoding, rejecting wrong lengths and non-canonical values.
pub fn fr_from_hex(s: &str, what: &str) -> Result<Fr> {
    let bytes = hex::decode(s).map_err(|e| Error::artifact(format!("{what}: not hex ({e})")))?;
    if bytes.len() != 32 {
        return Err(Error::artifact(format!("{what}: {} bytes, a field element has 32", bytes.len())));
    }
    let mut limbs = [0u64; 4];
    for (i, l) in limbs.iter_mut().enumerate() {
        *l = u64::from_le_bytes(bytes[8 * i..8 * i + 8].try_into().expect("8 bytes"));
    }
    Fr::from_bigint(ark_ff::BigInt::new(limbs)).ok_or_else(|| Error::artifact(format!("{what}: not below the field modulus")))
}

/// A field element holding a signed integer |v| < 2^63 (negatives as r − |v|), or `None`.
pub fn fr_to_i64(x: &Fr) -> Option<i64> {
    let small = |b: ark_ff::BigInt<4>| -> Option<u64> { (b.0[1] == 0 && b.0[2] == 0 && b.0[3] == 0 && b.0[0] < (1u64 << 63)).then_some(b.0[0]) };
    if let Some(v) = small(x.into_bigint()) {
        return Some(v as i64);
    }
    small((-*x).into_bigint()).map(|v| -(v as i64))
}
