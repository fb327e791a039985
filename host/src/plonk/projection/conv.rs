//! Convolutions by projection: y = T_W·x + b for an N-d convolution with public kernel W and
//! bias b, over the raw input cells x (no im2col, no copies) and one y cell per output.
//!
//! The outputs (output channel o, flat output position p) take the global indices g0 + o·P + p
//! (P output positions), so their challenges are r_(o,p) = ρ^(g0)·α^o·β^p with α = ρ^P and
//! β = ρ, and β^p = Π_d γ_d^(p_d) with γ_d = ρ^(Π_{e>d} P_e): the projection's structured
//! challenges are powers of the one global ρ (errors of two layers cannot cancel, `mod.rs`).
//! The coefficient of input x_(c,q) is −ρ^(g0)·v_(c,q) with
//!
//!   v_(c,q) = Σ_t K[c,t]·Π_d γ_d^(p_d(q_d, t_d)),   K[c,t] = Σ_(o in c's group) α^o·W[o, c − g·C_g, t],
//!
//! the sum over the taps t whose output position p_d = (q_d + pad_d − t_d·dil_d)/s_d is an
//! integer in [0, P_d) on every axis. K costs O(weights). The sum over t is contracted one axis
//! at a time; on one axis the valid t_d of an input position q_d are one residue class modulo
//! L = s/gcd(s, dil) in one interval, and along it p_d falls by e = dil/gcd(s, dil) per step, so
//! a running sum H[t] = δ·H[t − L] + z[t] with δ = γ^e gives every q_d's sum in O(1):
//! γ^(p_hi)·(H[t_hi] − δ^(count)·H[t_lo − L]). The verifier's work is therefore
//! O(weights + channels·(kernel + input positions)·axes) field operations plus a per-axis integer
//! table of Σ_d I_d·K_d steps; it never forms T_W. Derivation and bound: `docs/plonk.md` §19.

use ark_ff::{One, Zero};

use super::super::circuit::{Cell, ColumnKind};
use crate::error::{Error, Result};
use crate::Fr;

/// A declared convolution y = T_W·x + b (one batch element) with public W and b.
#[derive(Clone, Debug, PartialEq)]
pub struct ConvProjection {
    pub name: String,
    pub in_channels: usize,
    pub out_channels: usize,
    pub group: usize,
    /// Spatial input extents I_d.
    pub in_dims: Vec<usize>,
    /// Spatial output extents P_d.
    pub out_dims: Vec<usize>,
    /// Kernel extents K_d.
    pub kernel: Vec<usize>,
    pub strides: Vec<usize>,
    pub dilations: Vec<usize>,
    /// Padding before each axis (the padded positions are zeros: they have no tap).
    pub pads_begin: Vec<usize>,
    /// The x cells (advice), `[in_channels, in_dims…]` row-major.
    pub inputs: Vec<Cell>,
    /// The y cells (advice), `[out_channels, out_dims…]` row-major.
    pub outputs: Vec<Cell>,
    /// W `[out_channels, in_channels / group, kernel…]` row-major.
    pub weights: Vec<Fr>,
    /// One bias per output channel.
    pub bias: Vec<Fr>,
}

/// Bound on every extent and count of a convolution (keeps every product below 2^62).
const MAX_EXTENT: usize = 1 << 28;

impl ConvProjection {
    pub fn in_spatial(&self) -> usize {
        self.in_dims.iter().product()
    }

    pub fn out_spatial(&self) -> usize {
        self.out_dims.iter().product()
    }

    pub fn kernel_size(&self) -> usize {
        self.kernel.iter().product()
    }

    /// Checks the geometry, the sizes and that every cell is in one of `num_advice` advice columns.
    pub fn validate(&self, num_advice: usize) -> Result<()> {
        let bad = |m: String| Err(Error::Circuit(format!("convolution projection {:?}: {m}", self.name)));
        let d = self.kernel.len();
        if d == 0 || [&self.in_dims, &self.out_dims, &self.strides, &self.dilations, &self.pads_begin].iter().any(|v| v.len() != d) {
            return bad(format!("{d} kernel axes; input, output, strides, dilations and pads must have as many"));
        }
        if self.kernel.iter().chain(&self.strides).chain(&self.dilations).chain(&self.in_dims).chain(&self.out_dims).any(|&v| v == 0 || v > MAX_EXTENT)
            || self.pads_begin.iter().any(|&v| v > MAX_EXTENT)
        {
            return bad("an extent, stride or dilation is 0 or too large".into());
        }
        let sizes = [self.in_channels, self.out_channels, self.group];
        if sizes.iter().any(|&v| v == 0 || v > MAX_EXTENT) || self.in_channels % self.group != 0 || self.out_channels % self.group != 0 {
            return bad(format!("{} input and {} output channels in {} groups", self.in_channels, self.out_channels, self.group));
        }
        let product = |v: &[usize], first: usize| v.iter().try_fold(first, |a, &b| a.checked_mul(b).filter(|&p| p <= MAX_EXTENT));
        let (Some(n_in), Some(n_out), Some(n_w)) = (
            product(&self.in_dims, self.in_channels),
            product(&self.out_dims, self.out_channels),
            product(&self.kernel, self.out_channels * (self.in_channels / self.group)),
        ) else {
            return bad("too many inputs, outputs or weights".into());
        };
        if self.inputs.len() != n_in || self.outputs.len() != n_out || self.weights.len() != n_w || self.bias.len() != self.out_channels {
            return bad(format!(
                "{} inputs (need {n_in}), {} outputs (need {n_out}), {} weights (need {n_w}), {} biases (need {})",
                self.inputs.len(),
                self.outputs.len(),
                self.weights.len(),
                self.bias.len(),
                self.out_channels
            ));
        }
        if let Some(c) = self.inputs.iter().chain(&self.outputs).find(|c| c.column.kind != ColumnKind::Advice || c.column.index >= num_advice) {
            return bad(format!("cell {c:?} is not in a declared advice column"));
        }
        Ok(())
    }

    /// The input position of output position `p_d` at tap `t_d` on axis `d`, if inside the input.
    fn input_at(&self, d: usize, p: usize, t: usize) -> Option<usize> {
        let pos = (p * self.strides[d] + t * self.dilations[d]) as i64 - self.pads_begin[d] as i64;
        (pos >= 0 && (pos as usize) < self.in_dims[d]).then_some(pos as usize)
    }

    /// For every output position (flat, row-major), its taps inside the input: (flat spatial
    /// input position, flat kernel position). O(positions × kernel size).
    pub fn taps(&self) -> Vec<Vec<(usize, usize)>> {
        let (ps, ks, d) = (self.out_spatial(), self.kernel_size(), self.kernel.len());
        let mut all = Vec::with_capacity(ps);
        let mut p_idx = vec![0usize; d];
        for _ in 0..ps {
            let mut taps = Vec::with_capacity(ks);
            let mut t_idx = vec![0usize; d];
            for t in 0..ks {
                let mut q = Some(0usize);
                for a in 0..d {
                    q = q.and_then(|q| self.input_at(a, p_idx[a], t_idx[a]).map(|i| q * self.in_dims[a] + i));
                }
                if let Some(q) = q {
                    taps.push((q, t));
                }
                increment(&mut t_idx, &self.kernel);
            }
            all.push(taps);
            increment(&mut p_idx, &self.out_dims);
        }
        all
    }

    /// y = T_W·x + b computed directly (O(multiply-accumulates)), output by output in the order
    /// of `outputs`; `x` in the order of `inputs`. The reference of the row checker and tests.
    pub fn apply(&self, x: &[Fr]) -> Vec<Fr> {
        let (ks, is) = (self.kernel_size(), self.in_spatial());
        let (cg, mg) = (self.in_channels / self.group, self.out_channels / self.group);
        let taps = self.taps();
        let mut out = Vec::with_capacity(self.outputs.len());
        for o in 0..self.out_channels {
            let g = o / mg;
            for window in &taps {
                let mut acc = self.bias[o];
                for c in 0..cg {
                    for &(q, t) in window {
                        acc += self.weights[(o * cg + c) * ks + t] * x[(g * cg + c) * is + q];
                    }
                }
                out.push(acc);
            }
        }
        out
    }

    /// Adds the coefficients of this convolution, whose first output has the challenge `r0`,
    /// through `add(cell, coefficient)` and returns (Σ r·b, the challenge after its last output).
    pub(crate) fn coefficients(&self, r0: Fr, rho: Fr, add: &mut impl FnMut(Cell, Fr)) -> (Fr, Fr) {
        let ps = self.out_spatial();
        let d = self.kernel.len();
        // ρ^p for p < P, α = ρ^P, and the outputs' challenges r0·α^o·ρ^p in output order.
        let mut rho_pow = Vec::with_capacity(ps + 1);
        let mut acc = Fr::one();
        for _ in 0..=ps {
            rho_pow.push(acc);
            acc *= rho;
        }
        let alpha = rho_pow[ps];
        let sum_p: Fr = rho_pow[..ps].iter().sum();
        let mut total = Fr::zero();
        let mut r_o = r0;
        let mut alpha_pow = Vec::with_capacity(self.out_channels);
        for o in 0..self.out_channels {
            alpha_pow.push(r_o);
            total += r_o * sum_p * self.bias[o];
            for (y, rp) in self.outputs[o * ps..(o + 1) * ps].iter().zip(&rho_pow) {
                add(*y, r_o * rp);
            }
            r_o *= alpha;
        }
        // K[c, t] = Σ_o r0·α^o·W[o, c_local, t] (r0 folded in), O(weights).
        let (cg, mg, ks) = (self.in_channels / self.group, self.out_channels / self.group, self.kernel_size());
        let mut z = vec![Fr::zero(); self.in_channels * ks];
        for o in 0..self.out_channels {
            let g = o / mg;
            for c in 0..cg {
                let w = &self.weights[(o * cg + c) * ks..(o * cg + c + 1) * ks];
                let k = &mut z[(g * cg + c) * ks..(g * cg + c + 1) * ks];
                for (k, w) in k.iter_mut().zip(w) {
                    if !w.is_zero() {
                        *k += alpha_pow[o] * w;
                    }
                }
            }
        }
        // Contract the kernel axes into input axes, one at a time (last first).
        let mut shape: Vec<usize> = std::iter::once(self.in_channels).chain(self.kernel.iter().copied()).collect();
        for a in (0..d).rev() {
            let gamma = rho_pow_or(rho, &rho_pow, self.out_dims[a + 1..].iter().product());
            let table = AxisTable::new(self, a, gamma);
            z = table.contract(&z, &shape, a + 1);
            shape[a + 1] = self.in_dims[a];
        }
        for (x, v) in self.inputs.iter().zip(&z) {
            if !v.is_zero() {
                add(*x, -*v);
            }
        }
        (total, r_o)
    }
}

/// ρ^e from the table when e is in it.
fn rho_pow_or(rho: Fr, table: &[Fr], e: usize) -> Fr {
    table.get(e).copied().unwrap_or_else(|| ark_ff::Field::pow(&rho, [e as u64]))
}

/// One axis' geometry with its challenge γ: per input position q, the taps t_lo ≤ t_hi (one
/// residue class modulo L) whose output positions are in range, with γ^(p(t_hi)) and
/// γ^(p(t_hi))·δ^(count).
struct AxisTable {
    l: usize,
    delta: Fr,
    /// Per input position: (t_lo, t_hi, a, b), the sum being a·H[t_hi] − b·H[t_lo − L].
    per_q: Vec<Option<(usize, usize, Fr, Fr)>>,
    k: usize,
}

impl AxisTable {
    fn new(cp: &ConvProjection, a: usize, gamma: Fr) -> Self {
        let (s, dil, pad, k, p_len, i_len) = (cp.strides[a], cp.dilations[a], cp.pads_begin[a], cp.kernel[a], cp.out_dims[a], cp.in_dims[a]);
        let g = gcd(s, dil);
        let (l, e) = (s / g, dil / g);
        let delta = ark_ff::Field::pow(&gamma, [e as u64]);
        let mut per_q = Vec::with_capacity(i_len);
        for q in 0..i_len {
            // The valid taps: q + pad − t·dil = p·s with 0 ≤ p < P.
            let valid = |t: usize| -> Option<usize> {
                let num = (q + pad) as i64 - (t * dil) as i64;
                (num >= 0 && num % s as i64 == 0 && ((num / s as i64) as usize) < p_len).then(|| (num / s as i64) as usize)
            };
            let lo = (0..k).find(|&t| valid(t).is_some());
            per_q.push(lo.map(|t_lo| {
                let t_hi = (t_lo..k).rev().find(|&t| valid(t).is_some()).expect("t_lo is valid");
                debug_assert!((t_lo..=t_hi).all(|t| valid(t).is_some() == ((t - t_lo) % l == 0)));
                let p_hi = valid(t_hi).expect("valid");
                let a = ark_ff::Field::pow(&gamma, [p_hi as u64]);
                let count = (t_hi - t_lo) / l + 1;
                (t_lo, t_hi, a, a * ark_ff::Field::pow(&delta, [count as u64]))
            }));
        }
        Self { l, delta, per_q, k }
    }

    /// Replaces axis `axis` of the row-major tensor `z` of shape `shape` (extent K on that axis)
    /// by the input positions.
    fn contract(&self, z: &[Fr], shape: &[usize], axis: usize) -> Vec<Fr> {
        let outer: usize = shape[..axis].iter().product();
        let inner: usize = shape[axis + 1..].iter().product();
        let q_len = self.per_q.len();
        let mut out = vec![Fr::zero(); outer * q_len * inner];
        let mut h = vec![Fr::zero(); self.k];
        for o in 0..outer {
            for i in 0..inner {
                let at = |t: usize| z[(o * self.k + t) * inner + i];
                for t in 0..self.k {
                    h[t] = if t >= self.l { self.delta * h[t - self.l] + at(t) } else { at(t) };
                }
                for (q, entry) in self.per_q.iter().enumerate() {
                    if let Some((t_lo, t_hi, a, b)) = entry {
                        let mut v = *a * h[*t_hi];
                        if *t_lo >= self.l {
                            v -= *b * h[t_lo - self.l];
                        }
                        out[(o * q_len + q) * inner + i] = v;
                    }
                }
            }
        }
        out
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Row-major multi-index increment.
fn increment(idx: &mut [usize], dims: &[usize]) {
    for a in (0..idx.len()).rev() {
        idx[a] += 1;
        if idx[a] < dims[a] {
            return;
        }
        idx[a] = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plonk::circuit::{Column, ColumnKind};
    use ark_ff::UniformRand;
    use std::collections::BTreeMap;
    use zkaccel_testkit::seed::TestRng;

    fn cell(row: usize) -> Cell {
        Cell { column: Column { kind: ColumnKind::Advice, index: 0 }, row }
    }

    /// Σ_(o,p) r_(o,p)·(T_W·x)_(o,p) = Σ_(c,q) v_(c,q)·x_(c,q) for every x, so the coefficients
    /// must equal those of the dense matrix T_W read off `apply` on unit vectors.
    fn check(cp: &ConvProjection, rng: &mut TestRng) {
        cp.validate(1).unwrap();
        let rho = Fr::rand(rng);
        let r0 = Fr::rand(rng);
        let mut got: BTreeMap<usize, Fr> = BTreeMap::new();
        let (total, next) = cp.coefficients(r0, rho, &mut |c, v| *got.entry(c.row).or_insert_with(Fr::zero) += v);
        let n_in = cp.inputs.len();
        let zero_bias = ConvProjection { bias: vec![Fr::zero(); cp.out_channels], ..cp.clone() };
        let r: Vec<Fr> = (0..cp.outputs.len()).scan(r0, |acc, _| {
            let v = *acc;
            *acc *= rho;
            Some(v)
        }).collect();
        for i in 0..n_in {
            let mut e = vec![Fr::zero(); n_in];
            e[i] = Fr::one();
            let v: Fr = zero_bias.apply(&e).iter().zip(&r).map(|(y, r)| *y * r).sum();
            assert_eq!(got.get(&cp.inputs[i].row).copied().unwrap_or_default(), -v, "{}: input {i}", cp.name);
        }
        for (j, y) in cp.outputs.iter().enumerate() {
            assert_eq!(got[&y.row], r[j], "{}: output {j}", cp.name);
        }
        let b: Fr = cp.apply(&vec![Fr::zero(); n_in]).iter().zip(&r).map(|(y, r)| *y * r).sum();
        assert_eq!(total, b);
        assert_eq!(next, r0 * ark_ff::Field::pow(&rho, [cp.outputs.len() as u64]));
    }

    #[allow(clippy::too_many_arguments)]
    fn conv(rng: &mut TestRng, name: &str, c: usize, m: usize, group: usize, in_dims: &[usize], kernel: &[usize], strides: &[usize], dil: &[usize], pads: &[usize], pads_end: &[usize]) -> ConvProjection {
        let out_dims: Vec<usize> = (0..kernel.len())
            .map(|a| (in_dims[a] + pads[a] + pads_end[a] - ((kernel[a] - 1) * dil[a] + 1)) / strides[a] + 1)
            .collect();
        let n_in = c * in_dims.iter().product::<usize>();
        let n_out = m * out_dims.iter().product::<usize>();
        let n_w = m * (c / group) * kernel.iter().product::<usize>();
        ConvProjection {
            name: name.into(),
            in_channels: c,
            out_channels: m,
            group,
            in_dims: in_dims.to_vec(),
            out_dims,
            kernel: kernel.to_vec(),
            strides: strides.to_vec(),
            dilations: dil.to_vec(),
            pads_begin: pads.to_vec(),
            inputs: (0..n_in).map(cell).collect(),
            outputs: (n_in..n_in + n_out).map(cell).collect(),
            weights: (0..n_w).map(|_| Fr::rand(rng)).collect(),
            bias: (0..m).map(|_| Fr::rand(rng)).collect(),
        }
    }

    #[test]
    fn structured_coefficients_equal_the_dense_matrix_rows() {
        let mut rng = TestRng::for_test("projection::conv::coefficients");
        let cases = [
            conv(&mut rng, "plain 2-d", 2, 3, 1, &[5, 6], &[3, 2], &[1, 1], &[1, 1], &[0, 0], &[0, 0]),
            conv(&mut rng, "strided padded dilated", 2, 2, 1, &[7, 6], &[3, 3], &[2, 3], &[2, 1], &[2, 1], &[1, 2]),
            conv(&mut rng, "grouped", 4, 6, 2, &[5, 4], &[2, 3], &[1, 2], &[1, 1], &[1, 0], &[0, 1]),
            conv(&mut rng, "depthwise", 3, 3, 3, &[6, 5], &[3, 3], &[2, 2], &[1, 2], &[1, 1], &[1, 1]),
            conv(&mut rng, "1-d stride 4 dilation 6", 1, 2, 1, &[23], &[4], &[4], &[6], &[3], &[2]),
            conv(&mut rng, "3-d", 1, 2, 1, &[4, 3, 5], &[2, 2, 3], &[1, 2, 2], &[1, 1, 1], &[0, 1, 1], &[1, 0, 1]),
            conv(&mut rng, "padding beyond the kernel", 1, 1, 1, &[3], &[2], &[1], &[1], &[3], &[3]),
        ];
        for cp in &cases {
            check(cp, &mut rng);
        }
    }

    #[test]
    fn bad_geometry_is_a_named_error() {
        let mut rng = TestRng::for_test("projection::conv::validate");
        let good = conv(&mut rng, "c", 2, 2, 1, &[4], &[2], &[1], &[1], &[0], &[0]);
        for (what, cp) in [
            ("group", ConvProjection { group: 3, ..good.clone() }),
            ("stride", ConvProjection { strides: vec![0], ..good.clone() }),
            ("axes", ConvProjection { dilations: vec![1, 1], ..good.clone() }),
            ("weights", ConvProjection { weights: good.weights[1..].to_vec(), ..good.clone() }),
            ("outputs", ConvProjection { outputs: good.outputs[1..].to_vec(), ..good.clone() }),
        ] {
            let e = cp.validate(1).unwrap_err().to_string();
            assert!(e.contains("convolution projection \"c\""), "{what}: {e}");
        }
        assert!(good.validate(0).unwrap_err().to_string().contains("advice column"));
    }
}
