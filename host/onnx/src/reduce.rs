//! ReduceSum / ReduceMean geometry: which input elements each output element sums.

use crate::tensor::strides;

/// For every output element (row-major over the kept axes), the flat input indices it reduces
/// over `axes` (sorted, distinct, in range) of a tensor of shape `shape`.
pub fn reduce_groups(shape: &[usize], axes: &[usize]) -> Vec<Vec<usize>> {
    let st = strides(shape);
    let kept: Vec<usize> = (0..shape.len()).filter(|a| !axes.contains(a)).collect();
    let n_out: usize = kept.iter().map(|&a| shape[a]).product();
    let n_red: usize = axes.iter().map(|&a| shape[a]).product();
    let mut groups = Vec::with_capacity(n_out);
    let mut o = vec![0usize; kept.len()];
    for _ in 0..n_out {
        let base: usize = kept.iter().zip(&o).map(|(&a, &i)| i * st[a]).sum();
        let mut g = Vec::with_capacity(n_red);
        let mut r = vec![0usize; axes.len()];
        for _ in 0..n_red {
            g.push(base + axes.iter().zip(&r).map(|(&a, &i)| i * st[a]).sum::<usize>());
            for k in (0..r.len()).rev() {
                r[k] += 1;
                if r[k] < shape[axes[k]] {
                    break;
                }
                r[k] = 0;
            }
        }
        groups.push(g);
        for k in (0..o.len()).rev() {
            o[k] += 1;
            if o[k] < shape[kept[k]] {
                break;
            }
            o[k] = 0;
        }
    }
    groups
}
