//! The values a WNN proof commits to, stage by stage (the circuit's witness before layout).
//!
//! [`Trace::honest`] computes them from an image exactly as inference does; the layout
//! (`wnn::circuit`) writes whatever a trace holds, so the soundness tests can change one stage
//! and recompute the stages after it ([`Trace::refresh_from_digits`], [`Trace::refresh_scores`])
//! to build a consistently tampered witness that breaks exactly one constraint.

use num_bigint::BigUint;

use super::model::{argmax, WnnModel};

/// Every intermediate value of one classification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    /// The private image, num_inputs values.
    pub pixels: Vec<u8>,
    /// The encoded bits in permuted order (bit r is input bit `input_order[r]`).
    pub bits: Vec<bool>,
    /// Per filter: the packed hash input x.
    pub x: Vec<u64>,
    /// Per filter: x³ = q1·p + r1.
    pub q1: Vec<BigUint>,
    pub r1: Vec<u64>,
    /// Per filter: r1 = q2·2^l + Σ_t digit_t·E^t.
    pub q2: Vec<u64>,
    /// Per filter, per hash: the digit (the entry index).
    pub digits: Vec<Vec<u64>>,
    /// Per filter, per hash, per class: the Bloom filter bit read at the digit.
    pub filter_bits: Vec<Vec<Vec<bool>>>,
    /// Per class: the number of filters whose bits are all set.
    pub scores: Vec<u32>,
    /// The first index of the highest score.
    pub class: usize,
}

impl Trace {
    /// The honest trace of `pixels` (num_inputs values).
    pub fn honest(m: &WnnModel, pixels: &[u8]) -> Self {
        let bits = m.permute(&m.encode(pixels));
        let x = m.pack(&bits);
        let p = BigUint::from(m.p);
        let mut t = Trace {
            pixels: pixels.to_vec(),
            bits,
            q1: x.iter().map(|&x| BigUint::from(x).pow(3u32) / &p).collect(),
            r1: x.iter().map(|&x| m.cube_mod_p(x)).collect(),
            q2: x.iter().map(|&x| m.cube_mod_p(x) >> m.hash_bits()).collect(),
            digits: x.iter().map(|&x| m.digits(m.hash(x)).into_iter().map(|d| d as u64).collect()).collect(),
            x,
            filter_bits: vec![],
            scores: vec![],
            class: 0,
        };
        t.refresh_from_digits(m);
        t
    }

    /// Recomputes the filter bits from the digits (reading the table row the circuit's lookup
    /// key 1 + f·E + digit addresses, which for a digit ≥ E is a row of a later filter), then
    /// the scores and the class.
    pub fn refresh_from_digits(&mut self, m: &WnnModel) {
        let (n, e) = (m.num_filters(), m.num_filter_entries as u64);
        self.filter_bits = self
            .digits
            .iter()
            .enumerate()
            .map(|(f, ds)| {
                ds.iter()
                    .map(|&d| {
                        let flat = f as u64 * e + d;
                        (0..m.num_classes)
                            .map(|c| flat < n as u64 * e && m.bloom_bit(c, (flat / e) as usize, (flat % e) as usize))
                            .collect()
                    })
                    .collect()
            })
            .collect();
        self.refresh_scores(m);
    }

    /// Recomputes the scores from the filter bits, then the class.
    pub fn refresh_scores(&mut self, m: &WnnModel) {
        self.scores = (0..m.num_classes).map(|c| self.filter_bits.iter().filter(|hs| hs.iter().all(|bits| bits[c])).count() as u32).collect();
        self.class = argmax(&self.scores);
    }
}
