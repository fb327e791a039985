//! Host side of the batch NTT core's four-step (`hdl/src/ntt_batch`): an `N`-point transform as
//! two batches on the card, with the inter-pass twiddles applied by the card on the first batch's
//! way out and the transposes on the host.
//!
//! With `N = N1·N2`, `n = N2·n1 + n2` and `k = k1 + N1·k2`:
//!
//! `X[k1 + N1·k2] = Σ_{n2} ω_{N2}^{n2·k2} · ω_N^{n2·k1} · Y[n2][k1]`, where
//! `Y[n2][k1] = Σ_{n1} x[N2·n1 + n2] · ω_{N1}^{n1·k1}`.
//!
//! * the host gathers the `N2` columns `x[N2·n1 + n2]` (`n1 < N1`) into one contiguous batch;
//! * pass 1 (card): `N2` transforms of `N1`, output `k1` of column `n2` leaving multiplied by
//!   `ω_N^{n2·k1}` (the core's `cfg_tw_log_n = log N`);
//! * the host transposes: row `k1` is element `k1` of every column;
//! * pass 2 (card): `N1` transforms of `N2`;
//! * the host writes output `k2` of row `k1` to `X[k1 + N1·k2]`.
//!
//! The inverse is the same with `ω^{-1}` on the card (its `1/N1` and `1/N2` make `1/N`). The
//! card's cycles are the two batches; the gathers and transposes are host time (and each pass
//! moves `N` words each way over PCIe).

use ark_bn254::Fr;

/// A device that runs batches of equal-size transforms (the batch NTT core).
pub trait NttBatches {
    /// Error of the device.
    type Error;
    /// The largest `k` with `2^k` points per transform.
    fn max_log_n(&self) -> usize;
    /// The largest `log N` whose twiddles the device forms.
    fn max_twiddle_log_n(&self) -> usize;
    /// Transforms the `data.len() / 2^log_n` contiguous transforms of `2^log_n` points in `data`
    /// in place, all forward or all inverse (scaled by `1/2^log_n`); with `twiddle_log_n =
    /// Some(L)` output `j` of transform `t` is then multiplied by `ω_{2^L}^{t·j}` (inverse:
    /// `ω_{2^L}^{−t·j}`).
    fn transform_batch(&mut self, data: &mut [Fr], log_n: usize, inverse: bool, twiddle_log_n: Option<usize>) -> Result<(), Self::Error>;
}

/// `(log N1, log N2)` for a four-step of `2^log_n` points on a device of `2^max` points per
/// transform: `N1 ≥ N2`, as even as possible, both `≤ 2^max`; `None` when `log_n > 2·max` or
/// `log_n < 2`.
pub fn split(log_n: usize, max: usize) -> Option<(usize, usize)> {
    if log_n > 2 * max || log_n < 2 {
        return None;
    }
    let log_n1 = log_n.div_ceil(2).min(max);
    Some((log_n1, log_n - log_n1))
}

/// The forward (or, with `inverse`, inverse) NTT of `data` on the subgroup of size `data.len()`
/// through `dev`: one batch when it fits a transform, else the four-step above. `None` when the
/// size is not a power of two, exceeds `2^(2·max_log_n)` or the device's twiddles.
pub fn four_step_batch_ntt<D: NttBatches>(dev: &mut D, data: &mut [Fr], inverse: bool) -> Option<Result<(), D::Error>> {
    let n = data.len();
    if !n.is_power_of_two() || n < 2 {
        return None;
    }
    let log_n = n.trailing_zeros() as usize;
    if log_n <= dev.max_log_n() {
        return Some(dev.transform_batch(data, log_n, inverse, None));
    }
    if log_n > dev.max_twiddle_log_n() {
        return None;
    }
    let (log_n1, log_n2) = split(log_n, dev.max_log_n())?;
    let (n1, n2) = (1usize << log_n1, 1usize << log_n2);
    // Gather: column n2 at cols[n2·N1 ..], element n1 = x[N2·n1 + n2].
    let mut cols = vec![Fr::default(); n];
    for (c, col) in cols.chunks_mut(n1).enumerate() {
        for (r, v) in col.iter_mut().enumerate() {
            *v = data[n2 * r + c];
        }
    }
    if let Err(e) = dev.transform_batch(&mut cols, log_n1, inverse, Some(log_n)) {
        return Some(Err(e));
    }
    // Transpose: row k1 at rows[k1·N2 ..], element n2 = output k1 of column n2.
    let mut rows = vec![Fr::default(); n];
    for (k1, row) in rows.chunks_mut(n2).enumerate() {
        for (c, v) in row.iter_mut().enumerate() {
            *v = cols[c * n1 + k1];
        }
    }
    if let Err(e) = dev.transform_batch(&mut rows, log_n2, inverse, None) {
        return Some(Err(e));
    }
    for (k1, row) in rows.chunks(n2).enumerate() {
        for (k2, v) in row.iter().enumerate() {
            data[k1 + n1 * k2] = *v;
        }
    }
    Some(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{FftField, Field, UniformRand};
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
    use rand::SeedableRng;

    fn ntt_ark(data: &[Fr], inverse: bool) -> Vec<Fr> {
        let d = Radix2EvaluationDomain::<Fr>::new(data.len()).unwrap();
        if inverse {
            d.ifft(data)
        } else {
            d.fft(data)
        }
    }

    /// A software device with the batch core's semantics and a small buffer, to test the
    /// decomposition itself; it counts the batches it ran.
    struct ArkBatches(usize, usize);
    impl NttBatches for ArkBatches {
        type Error = ();
        fn max_log_n(&self) -> usize {
            self.0
        }
        fn max_twiddle_log_n(&self) -> usize {
            16
        }
        fn transform_batch(&mut self, data: &mut [Fr], log_n: usize, inverse: bool, twiddle_log_n: Option<usize>) -> Result<(), ()> {
            assert!(log_n <= self.0, "device asked for more than its buffer");
            self.1 += 1;
            let n = 1 << log_n;
            for (t, x) in data.chunks_mut(n).enumerate() {
                let y = ntt_ark(x, inverse);
                x.copy_from_slice(&y);
                if let Some(l) = twiddle_log_n {
                    let mut w = Fr::get_root_of_unity(1 << l).unwrap().pow([t as u64]);
                    if inverse {
                        w = w.inverse().unwrap();
                    }
                    let mut f = Fr::from(1u64);
                    for v in x.iter_mut() {
                        *v *= f;
                        f *= w;
                    }
                }
            }
            Ok(())
        }
    }

    #[test]
    fn four_step_batches_equal_ark_beyond_the_buffer() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(0x5eed_4546);
        for log_n in [3usize, 5, 6, 7, 8] {
            let x: Vec<Fr> = (0..1 << log_n).map(|_| Fr::rand(&mut rng)).collect();
            for inverse in [false, true] {
                let mut got = x.clone();
                let mut dev = ArkBatches(4, 0);
                four_step_batch_ntt(&mut dev, &mut got, inverse).unwrap().unwrap();
                assert_eq!(got, ntt_ark(&x, inverse), "log_n {log_n} inverse {inverse}");
                assert_eq!(dev.1, if log_n <= 4 { 1 } else { 2 }, "batches for log_n {log_n}");
            }
        }
        assert!(four_step_batch_ntt(&mut ArkBatches(2, 0), &mut vec![Fr::default(); 32], false).is_none());
        assert!(four_step_batch_ntt(&mut ArkBatches(9, 0), &mut vec![Fr::default(); 1 << 17], false).is_none());
    }
}
