//! The lookup kernel's stream formats and batch layout (`hdl/src/lookup/`), shared by the RTL, the
//! driver and the simulated card.
//!
//! * **Count** ([`LookupOp::COUNT`]): the host streams `n` table-row indices, [`INDICES_PER_BEAT`]
//!   little-endian `u32`s per 256-bit beat (the last beat zero-padded); the card streams back the
//!   `T` counts the same way (`ceil(T/8)` beats). An index `≥ T` sets the sticky
//!   `LOOKUP_RANGE` status bit and is not counted.
//! * **Inverse, forward pass** ([`LookupOp::INV_FORWARD`]): the host streams `x_0..x_{n−1}` (wire
//!   format) and, with `SCALE`, then `m_0..m_{n−1}`; the card forms `a_i = β + x_i`, keeps `a_i`,
//!   `m_i` and the prefix products of [`CHAINS`] interleaved chains (chain `c` holds the
//!   elements `i ≡ c mod CHAINS`), and streams back the [`CHAINS`] chain products (`1` for an
//!   empty chain). A zero `a_i` sets the sticky `LOOKUP_ZERO` status bit.
//! * **Inverse, backward pass** ([`LookupOp::INV_BACKWARD`]): the host streams the inverses of the
//!   [`CHAINS`] chain products; the card unwinds the chains and streams back
//!   `m_i / (β + x_i)` (or `1 / (β + x_i)` without `SCALE`) for `i = 0..n`, in order.

/// Values of `LOOKUP_OP`.
pub struct LookupOp;
impl LookupOp {
    /// Count table-row indices into the counter memory and stream the counts back.
    pub const COUNT: u32 = 0;
    /// Batch inversion, forward pass (prefix products, chain products out).
    pub const INV_FORWARD: u32 = 1;
    /// Batch inversion, backward pass (chain inverses in, fractions out).
    pub const INV_BACKWARD: u32 = 2;
}

/// Bits of `LOOKUP_FLAGS`.
pub struct LookupFlags;
impl LookupFlags {
    /// The forward pass also reads `m_i`; the backward pass returns `m_i / (β + x_i)`.
    pub const SCALE: u32 = 1;
}

/// Interleaved prefix-product chains of the batch inverter: more than the multiplier's latency,
/// so that each chain's previous product is back in memory before the chain's next element.
pub const CHAINS: usize = 128;

/// Table-row indices (or counts) per 256-bit beat.
pub const INDICES_PER_BEAT: usize = 8;

/// `values` as 32-byte beats of eight little-endian `u32`s, the last beat zero-padded.
pub fn pack_u32_beats(values: &[u32]) -> Vec<[u8; 32]> {
    values
        .chunks(INDICES_PER_BEAT)
        .map(|chunk| {
            let mut beat = [0u8; 32];
            for (k, v) in chunk.iter().enumerate() {
                beat[4 * k..4 * k + 4].copy_from_slice(&v.to_le_bytes());
            }
            beat
        })
        .collect()
}

/// The first `n` `u32`s of a sequence of 32-byte beats.
pub fn unpack_u32_beats(beats: &[[u8; 32]], n: usize) -> Vec<u32> {
    beats
        .iter()
        .flat_map(|b| b.chunks(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])))
        .take(n)
        .collect()
}

/// The index of the last element of chain `c` in a batch of `n` elements, if the chain has one.
pub fn chain_last(n: usize, c: usize) -> Option<usize> {
    if c >= n {
        return None;
    }
    Some(c + CHAINS * ((n - 1 - c) / CHAINS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beats_round_trip_and_pad() {
        let v: Vec<u32> = (0..19).map(|i| i * 0x0101_0101).collect();
        let beats = pack_u32_beats(&v);
        assert_eq!(beats.len(), 3);
        assert_eq!(&beats[2][12..], &[0u8; 20]);
        assert_eq!(unpack_u32_beats(&beats, 19), v);
    }

    #[test]
    fn chain_last_is_the_largest_index_of_the_chain() {
        for n in [1, 2, 127, 128, 129, 300, 1024] {
            for c in 0..CHAINS {
                let want = (0..n).filter(|i| i % CHAINS == c).max();
                assert_eq!(chain_last(n, c), want, "n {n} c {c}");
            }
        }
    }
}
