//! Host side of the card's NTT kernel: transforms larger than the card's buffer, by the four-step
//! decomposition. The card does the column transforms and the twiddle multiplication, the host
//! does the transposes.
//!
//! With `N = N1·N2`, `n = N2·n1 + n2` and `k = k1 + N1·k2`:
//!
//! `X[k1 + N1·k2] = Σ_{n2} (ω_N^{k1})^{n2} · ω_{N2}^{n2·k2} · Y[k1][n2]`, where
//! `Y[k1][n2] = Σ_{n1} x[N2·n1 + n2] · ω_{N1}^{n1·k1}`.
//!
//! So step 1 is `N2` transforms of size `N1` over the strided columns `x[N2·n1 + n2]`, and steps
//! 2–3 are `N1` **coset** transforms of size `N2` with shift `ω_N^{k1}`: the card's coset pass is
//! the twiddle multiplication. The inverse uses `INTT_N(X)[n] = NTT_N(X)[(N − n) mod N] / N`.

use ark_bn254::Fr;
use ark_ff::{FftField, Field};

pub use zkaccel_interface::ntt::NttMode;

/// A device that transforms one vector of at most `2^max_log_n()` points at a time.
pub trait NttColumns {
    /// Error of the device.
    type Error;
    /// The largest `k` with `2^k` points per transform.
    fn max_log_n(&self) -> usize;
    /// Transforms `data` (a power-of-two length up to `2^max_log_n()`) in place per `mode`.
    fn transform(&mut self, data: &mut [Fr], mode: NttMode) -> Result<(), Self::Error>;
}

/// Splits `log_n` into `(log_n1, log_n2)` with both parts at most `max`, as even as possible.
pub fn split(log_n: usize, max: usize) -> Option<(usize, usize)> {
    if log_n > 2 * max {
        return None;
    }
    let log_n1 = log_n.div_ceil(2).min(max);
    Some((log_n1, log_n - log_n1))
}

/// The forward (or, with `inverse`, inverse) NTT of `data` on the subgroup of size
/// `data.len()`, through `dev` with the four-step decomposition when the size exceeds the
/// device's buffer. Returns `None` when the size exceeds `2^(2·max_log_n)` or is not a power of 2.
pub fn four_step_ntt<D: NttColumns>(dev: &mut D, data: &mut [Fr], inverse: bool) -> Option<Result<(), D::Error>> {
    let n = data.len();
    if !n.is_power_of_two() {
        return None;
    }
    let log_n = n.trailing_zeros() as usize;
    let max = dev.max_log_n();
    if log_n <= max {
        let mode = if inverse { NttMode::INVERSE } else { NttMode::FORWARD };
        return Some(dev.transform(data, mode));
    }
    let (log_n1, log_n2) = split(log_n, max)?;
    let (n1, n2) = (1usize << log_n1, 1usize << log_n2);
    Some((|| {
        // Step 1: columns x[N2·n1 + n2] over n1 (host gathers, card transforms).
        let mut y = vec![Fr::default(); n]; // y[k1·N2 + n2]
        let mut col = vec![Fr::default(); n1];
        for j2 in 0..n2 {
            for (j1, v) in col.iter_mut().enumerate() {
                *v = data[n2 * j1 + j2];
            }
            dev.transform(&mut col, NttMode::FORWARD)?;
            for (k1, v) in col.iter().enumerate() {
                y[k1 * n2 + j2] = *v;
            }
        }
        // Steps 2-3: rows k1, coset transforms with shift ω_N^{k1} (card), scattered to k1 + N1·k2.
        let omega_n = Fr::get_root_of_unity(n as u64).expect("n divides r - 1");
        let mut shift = Fr::from(1u64);
        for k1 in 0..n1 {
            let row = &mut y[k1 * n2..(k1 + 1) * n2];
            dev.transform(row, NttMode { inverse: false, coset: Some(shift) })?;
            for (k2, v) in row.iter().enumerate() {
                data[k1 + n1 * k2] = *v;
            }
            shift *= omega_n;
        }
        if inverse {
            // INTT_N(X)[i] = NTT_N(X)[(N − i) mod N] / N.
            data[1..].reverse();
            let n_inv = Fr::from(n as u64).inverse().expect("n is invertible");
            for v in data.iter_mut() {
                *v *= n_inv;
            }
        }
        Ok(())
    })())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
    use rand::SeedableRng;

    /// arkworks' transform of `data` per `mode`: the independent reference.
    fn ntt_ark(data: &[Fr], mode: NttMode) -> Vec<Fr> {
        let mut d = Radix2EvaluationDomain::<Fr>::new(data.len()).unwrap();
        if let Some(c) = mode.coset {
            d = d.get_coset(c).unwrap();
        }
        if mode.inverse { d.ifft(data) } else { d.fft(data) }
    }

    /// A software device with a small buffer, to test the decomposition itself.
    struct ArkColumns(usize);
    impl NttColumns for ArkColumns {
        type Error = ();
        fn max_log_n(&self) -> usize {
            self.0
        }
        fn transform(&mut self, data: &mut [Fr], mode: NttMode) -> Result<(), ()> {
            assert!(data.len() <= 1 << self.0, "device asked for more than its buffer");
            let out = ntt_ark(data, mode);
            data.copy_from_slice(&out);
            Ok(())
        }
    }

    #[test]
    fn four_step_equals_ark_for_sizes_beyond_the_buffer() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(0x5eed_4545);
        for log_n in [4usize, 5, 6, 7, 8] {
            let x: Vec<Fr> = (0..1 << log_n).map(|_| Fr::rand(&mut rng)).collect();
            for inverse in [false, true] {
                let mut got = x.clone();
                four_step_ntt(&mut ArkColumns(4), &mut got, inverse).unwrap().unwrap();
                let mode = if inverse { NttMode::INVERSE } else { NttMode::FORWARD };
                assert_eq!(got, ntt_ark(&x, mode), "log_n {log_n} inverse {inverse}");
            }
        }
        assert!(four_step_ntt(&mut ArkColumns(2), &mut vec![Fr::default(); 32], false).is_none());
    }
}
