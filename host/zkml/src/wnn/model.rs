//! A BTHOWeN-style weightless neural network (Bloom-filter RAM nodes) and its inference, exactly
//! as the model format defines it (`docs/wnn.md`; the format of Zero Gravity's published models):
//!
//! 1. thermometer encoding: for b, then row i, then column j, the bit `pixel(i,j) ≥ T(i,j,b)`;
//! 2. the bits permuted by `input_order` (`permuted[k] = bits[input_order[k]]`);
//! 3. consecutive chunks of `num_filter_inputs` bits packed into integers x, first bit least
//!    significant;
//! 4. h = (x³ mod p) mod E^H (E = `num_filter_entries`, H = `num_filter_hashes`), split into H
//!    base-E digits (least significant first), each an index into the filter;
//! 5. a filter answers 1 when every indexed entry is set; a class's score is the number of its
//!    filters that answer 1; the prediction is the first index of the highest score.

use crate::error::{Error, Result};

/// A weightless network read from a model file (or generated).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WnnModel {
    pub num_classes: usize,
    /// Pixels (width², e.g. 28·28).
    pub num_inputs: usize,
    /// Image side (the thresholds have shape (width, width, bits_per_input)).
    pub width: usize,
    pub bits_per_input: usize,
    /// Input bits per Bloom filter (the hash input has this many bits).
    pub num_filter_inputs: usize,
    /// Entries per Bloom filter (a power of two).
    pub num_filter_entries: usize,
    pub num_filter_hashes: usize,
    /// The prime of the hash.
    pub p: u64,
    /// Bloom filter bits, index (class·num_filters + filter)·num_filter_entries + entry.
    pub bloom: Vec<bool>,
    /// Integer thresholds in [0, 256], index b·num_inputs + i·width + j (the order of the
    /// encoded bits).
    pub thresholds: Vec<u16>,
    /// A permutation of the num_inputs·bits_per_input input bits.
    pub input_order: Vec<usize>,
}

/// ⌈log2⌉ of a power of two.
fn log2_exact(v: usize) -> Option<u32> {
    v.is_power_of_two().then(|| v.trailing_zeros())
}

/// The integer threshold of a float threshold t ∈ [0, 1] as the format defines it:
/// ceil(255·t) (computed in f32, as the reference's `pixel as f32 >= 255·t`) clamped to [0, 256].
/// For an integer pixel v, `v ≥ 255·t` ⇔ `v ≥ ceil(255·t)`.
pub fn integer_threshold(t: f32) -> Option<u16> {
    if t.is_nan() {
        return None;
    }
    let s = (t * 255.0f32).ceil();
    Some(s.clamp(0.0, 256.0) as u16)
}

impl WnnModel {
    /// Bloom filters per class: num_inputs·bits_per_input / num_filter_inputs.
    pub fn num_filters(&self) -> usize {
        self.num_input_bits() / self.num_filter_inputs
    }

    /// Encoded input bits: num_inputs·bits_per_input.
    pub fn num_input_bits(&self) -> usize {
        self.num_inputs * self.bits_per_input
    }

    /// log2(num_filter_entries): bits per hash digit.
    pub fn entry_bits(&self) -> u32 {
        self.num_filter_entries.trailing_zeros()
    }

    /// l = H·log2(E): the hash keeps l bits of x³ mod p.
    pub fn hash_bits(&self) -> u32 {
        self.num_filter_hashes as u32 * self.entry_bits()
    }

    /// Checks the sizes and contents against each other; `what` names the source (file) in errors.
    pub fn validate(&self, what: &str) -> Result<()> {
        self.validate_attributes(what)?;
        let bad = |field: &str, why: String| Err(Error::bad_input(format!("{what}: {field}: {why}")));
        let want = self.num_classes * self.num_filters() * self.num_filter_entries;
        if self.bloom.len() != want {
            return bad("bloom_filters", format!("{} entries, the attributes imply {want}", self.bloom.len()));
        }
        if self.thresholds.len() != self.num_input_bits() {
            return bad("binarization_thresholds", format!("{} values, the attributes imply {}", self.thresholds.len(), self.num_input_bits()));
        }
        if let Some(i) = self.thresholds.iter().position(|&t| t > 256) {
            return bad("binarization_thresholds", format!("integer threshold {} at {i} exceeds 256", self.thresholds[i]));
        }
        if self.input_order.len() != self.num_input_bits() {
            return bad("input_order", format!("{} entries, the attributes imply {}", self.input_order.len(), self.num_input_bits()));
        }
        let mut seen = vec![false; self.input_order.len()];
        for (k, &i) in self.input_order.iter().enumerate() {
            if i >= seen.len() {
                return bad("input_order", format!("entry {k} is {i}, outside 0..{}", seen.len()));
            }
            if std::mem::replace(&mut seen[i], true) {
                return bad("input_order", format!("entry {k} repeats {i}: not a permutation"));
            }
        }
        Ok(())
    }

    /// The checks of [`validate`](Self::validate) on the scalar attributes alone (the sizes,
    /// not the Bloom filters, thresholds or input order): a model file's reader applies them
    /// before it reads any dataset, so that no size it allocates comes from an unchecked value.
    pub fn validate_attributes(&self, what: &str) -> Result<()> {
        let bad = |field: &str, why: String| Err(Error::bad_input(format!("{what}: {field}: {why}")));
        if self.num_classes == 0 {
            return bad("num_classes", "must be at least 1".into());
        }
        if self.width == 0 || self.width * self.width != self.num_inputs {
            return bad("num_inputs", format!("{} is not the square of the image width {}", self.num_inputs, self.width));
        }
        if self.bits_per_input == 0 || self.bits_per_input > 256 {
            return bad("bits_per_input", format!("{} is outside 1..=256", self.bits_per_input));
        }
        if !(1..=64).contains(&self.num_filter_inputs) {
            return bad("num_filter_inputs", format!("{} is outside 1..=64 (the packed hash input is a 64-bit integer)", self.num_filter_inputs));
        }
        if !self.num_input_bits().is_multiple_of(self.num_filter_inputs) {
            return bad(
                "num_filter_inputs",
                format!("{} does not divide num_inputs·bits_per_input = {}", self.num_filter_inputs, self.num_input_bits()),
            );
        }
        if self.num_filter_entries < 2 || log2_exact(self.num_filter_entries).is_none() {
            return bad("num_filter_entries", format!("{} is not a power of two ≥ 2", self.num_filter_entries));
        }
        // (H > 62 first: hash_bits() multiplies H in 32 bits.)
        if self.num_filter_hashes == 0 || self.num_filter_hashes > 62 || self.hash_bits() > 62 {
            return bad(
                "num_filter_hashes",
                format!("{} hashes of {} bits: need at least 1 and num_filter_entries^num_filter_hashes ≤ 2^62", self.num_filter_hashes, self.entry_bits()),
            );
        }
        if self.p < 2 || self.p >= 1 << 62 {
            return bad("p", format!("{} is outside 2..2^62", self.p));
        }
        Ok(())
    }

    /// Step 1: the thermometer-encoded bits (b-major, then row, then column).
    pub fn encode(&self, pixels: &[u8]) -> Vec<bool> {
        assert_eq!(pixels.len(), self.num_inputs, "encode: {} pixels for a {}-pixel model", pixels.len(), self.num_inputs);
        (0..self.num_input_bits()).map(|j| pixels[j % self.num_inputs] as u16 >= self.thresholds[j]).collect()
    }

    /// Step 2: the bits in `input_order`.
    pub fn permute(&self, bits: &[bool]) -> Vec<bool> {
        self.input_order.iter().map(|&i| bits[i]).collect()
    }

    /// Step 3: the hash inputs, one per filter (first bit least significant).
    pub fn pack(&self, permuted: &[bool]) -> Vec<u64> {
        permuted.chunks_exact(self.num_filter_inputs).map(|c| c.iter().rev().fold(0u64, |acc, &b| (acc << 1) | b as u64)).collect()
    }

    /// x³ mod p.
    pub fn cube_mod_p(&self, x: u64) -> u64 {
        let p = self.p as u128;
        let x = x as u128 % p;
        ((x * x % p) * x % p) as u64
    }

    /// Step 4: h = (x³ mod p) mod E^H.
    pub fn hash(&self, x: u64) -> u64 {
        self.cube_mod_p(x) & ((1u64 << self.hash_bits()) - 1)
    }

    /// The H base-E digits of h, least significant first.
    pub fn digits(&self, h: u64) -> Vec<usize> {
        let e = self.entry_bits();
        (0..self.num_filter_hashes).map(|t| ((h >> (t as u32 * e)) as usize) & (self.num_filter_entries - 1)).collect()
    }

    /// The bit of class c, filter f, entry e.
    pub fn bloom_bit(&self, c: usize, f: usize, e: usize) -> bool {
        self.bloom[(c * self.num_filters() + f) * self.num_filter_entries + e]
    }

    /// Step 5: the score of every class.
    pub fn scores(&self, pixels: &[u8]) -> Vec<u32> {
        let xs = self.pack(&self.permute(&self.encode(pixels)));
        let idx: Vec<Vec<usize>> = xs.iter().map(|&x| self.digits(self.hash(x))).collect();
        (0..self.num_classes)
            .map(|c| idx.iter().enumerate().filter(|(f, es)| es.iter().all(|&e| self.bloom_bit(c, *f, e))).count() as u32)
            .collect()
    }
}

/// The first index of the highest score.
pub fn argmax(scores: &[u32]) -> usize {
    let mut best = 0;
    for (i, &s) in scores.iter().enumerate() {
        if s > scores[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_follow_the_float_comparison() {
        // v ≥ 255·t ⇔ v ≥ ceil(255·t) for every integer pixel, including exact multiples.
        for t in [0.0f32, 0.2, 0.5472858, 1.0 / 255.0, 3.0 / 255.0, 1.0, 1.001, 2.0, -0.5] {
            let it = integer_threshold(t).unwrap();
            for v in 0..=255u16 {
                assert_eq!(v as f32 >= t * 255.0, v >= it, "t = {t}, v = {v}");
            }
        }
        assert_eq!(integer_threshold(f32::NAN), None);
        assert_eq!(integer_threshold(5.0), Some(256));
    }

    #[test]
    fn argmax_takes_the_first_maximum() {
        assert_eq!(argmax(&[1, 5, 3, 5]), 1);
        assert_eq!(argmax(&[7]), 0);
        assert_eq!(argmax(&[0, 0, 0]), 0);
        assert_eq!(argmax(&[2, 1, 9]), 2);
    }

    #[test]
    fn cube_mod_p_agrees_with_wide_arithmetic() {
        let m = WnnModel {
            num_classes: 1,
            num_inputs: 1,
            width: 1,
            bits_per_input: 1,
            num_filter_inputs: 1,
            num_filter_entries: 2,
            num_filter_hashes: 1,
            p: (1 << 61) - 1,
            bloom: vec![],
            thresholds: vec![],
            input_order: vec![],
        };
        for x in [0u64, 1, 2, 12345, u64::MAX, (1 << 61) - 2, 1 << 61] {
            let big = num_bigint::BigUint::from(x).pow(3u32) % num_bigint::BigUint::from(m.p);
            assert_eq!(num_bigint::BigUint::from(m.cube_mod_p(x)), big, "x = {x}");
        }
    }
}
