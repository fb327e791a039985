//! A minimal dense row-major tensor, generic over the element (f64 for float, i64 for quantized).

use crate::error::{Error, Result};

/// A dense row-major tensor.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor<T> {
    /// Dimensions, outermost first. `[]` is a scalar with one element.
    pub shape: Vec<usize>,
    /// `shape.iter().product()` elements, row-major.
    pub data: Vec<T>,
}

/// Number of elements of a shape.
pub fn numel(shape: &[usize]) -> usize {
    // Saturating: a hostile shape gives usize::MAX (refused by the size checks), never a wrap to
    // a small count.
    shape.iter().fold(1usize, |a, &d| a.saturating_mul(d))
}

/// The element count of `shape`, `None` when it overflows (for the checks that name that case).
pub fn checked_numel(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d))
}

/// Row-major strides of a shape.
pub fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

impl<T: Copy> Tensor<T> {
    /// A tensor from a shape and matching data; errors when the lengths disagree.
    pub fn new(shape: Vec<usize>, data: Vec<T>) -> Result<Self> {
        if numel(&shape) != data.len() {
            return Err(Error::Malformed(format!(
                "tensor of shape {shape:?} needs {} elements, got {}",
                numel(&shape),
                data.len()
            )));
        }
        Ok(Self { shape, data })
    }

    /// Same data, another shape of the same size (caller checks the size).
    pub fn reshaped(&self, shape: Vec<usize>) -> Self {
        debug_assert_eq!(numel(&shape), self.data.len());
        Self { shape, data: self.data.clone() }
    }

    /// Axis permutation: output axis i is input axis `perm[i]` (caller checks `perm`).
    pub fn transposed(&self, perm: &[usize]) -> Self {
        let out_shape: Vec<usize> = perm.iter().map(|&p| self.shape[p]).collect();
        let in_strides = strides(&self.shape);
        let n = self.data.len();
        let mut data = Vec::with_capacity(n);
        let mut idx = vec![0usize; out_shape.len()];
        for _ in 0..n {
            let off: usize = idx.iter().zip(perm).map(|(&i, &p)| i * in_strides[p]).sum();
            data.push(self.data[off]);
            for ax in (0..idx.len()).rev() {
                idx[ax] += 1;
                if idx[ax] < out_shape[ax] {
                    break;
                }
                idx[ax] = 0;
            }
        }
        Self { shape: out_shape, data }
    }

    /// Elementwise map.
    pub fn map<U: Copy>(&self, f: impl FnMut(T) -> U) -> Tensor<U> {
        Tensor { shape: self.shape.clone(), data: self.data.iter().copied().map(f).collect() }
    }
}

/// The multidirectional (numpy) broadcast of two shapes, or `None` when they are incompatible.
pub fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let da = if i < n - a.len() { 1 } else { a[i - (n - a.len())] };
        let db = if i < n - b.len() { 1 } else { b[i - (n - b.len())] };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        };
    }
    Some(out)
}

/// For each element of the broadcast shape `out`, the flat index into a tensor of shape `src`.
pub fn broadcast_indices(src: &[usize], out: &[usize]) -> Vec<usize> {
    let pad = out.len() - src.len();
    let s = strides(src);
    let n = numel(out);
    let mut res = Vec::with_capacity(n);
    let mut idx = vec![0usize; out.len()];
    for _ in 0..n {
        let mut off = 0;
        for (k, &dim) in src.iter().enumerate() {
            if dim != 1 {
                off += idx[pad + k] * s[k];
            }
        }
        res.push(off);
        for ax in (0..idx.len()).rev() {
            idx[ax] += 1;
            if idx[ax] < out[ax] {
                break;
            }
            idx[ax] = 0;
        }
    }
    res
}

/// Elementwise binary op with numpy broadcasting (caller checks compatibility).
pub(crate) fn broadcast_zip<A: Copy, B: Copy, C: Copy>(
    a: &Tensor<A>,
    b: &Tensor<B>,
    mut f: impl FnMut(A, B) -> C,
) -> Tensor<C> {
    let shape = broadcast_shape(&a.shape, &b.shape).expect("shapes checked at import");
    let ia = broadcast_indices(&a.shape, &shape);
    let ib = broadcast_indices(&b.shape, &shape);
    let data = ia.iter().zip(&ib).map(|(&i, &j)| f(a.data[i], b.data[j])).collect();
    Tensor { shape, data }
}
