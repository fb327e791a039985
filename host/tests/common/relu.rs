//! A lookup test circuit: a ReLU pair (two-column table) and a range-checked column.

use ark_ff::{One, Zero};
use zkaccel::plonk::mac::signed_to_fr as fr;
use zkaccel::plonk::{Cell, ConstraintSystem, FixedAssignment, Witness};
use zkaccel::Fr;
use zkaccel_testkit::seed::TestRng;

/// Columns: advice x, y (a ReLU pair) and r (range-checked); fixed selectors q_relu, q_range,
/// the ReLU table (tx, ty) over b-bit signed x, and the range table 0 … 2^{b−1} − 1 (plus 0 in
/// the padding). Lookups: (q_relu·x, q_relu·y) ∈ (tx, ty) and q_range·r ∈ tr. With `copies`,
/// r on row i is copied from y on row i (the ReLU output is range checked too).
pub struct Relu {
    pub cs: ConstraintSystem,
    pub circuit: FixedAssignment,
    pub rows: usize,
    pub bits: u32,
}

pub fn relu_circuit(k: u32, bits: u32, copies: bool) -> Relu {
    let n = 1usize << k;
    let mut cs = ConstraintSystem::new();
    let x = cs.advice_column();
    let y = cs.advice_column();
    let r = cs.advice_column();
    let q_relu = cs.fixed_column();
    let q_range = cs.fixed_column();
    let tx = cs.fixed_column();
    let ty = cs.fixed_column();
    let tr = cs.fixed_column();
    cs.lookup("relu", vec![q_relu.cur() * x.cur(), q_relu.cur() * y.cur()], vec![tx, ty]);
    cs.lookup("range", vec![q_range.cur() * r.cur()], vec![tr]);
    if copies {
        cs.enable_equality(y);
        cs.enable_equality(r);
    }
    let rows = n - 3;
    let half = 1i64 << (bits - 1);
    let xs: Vec<i64> = (-half..half).collect();
    let mut fixed = vec![vec![Fr::zero(); n]; 5];
    for col in &mut fixed[..2] {
        col[..rows].iter_mut().for_each(|v| *v = Fr::one());
    }
    for (i, v) in xs.iter().enumerate() {
        fixed[2][i] = fr(*v);
        fixed[3][i] = fr((*v).max(0));
    }
    for (i, t) in fixed[4].iter_mut().take(half as usize).enumerate() {
        *t = fr(i as i64);
    }
    let copies = if copies {
        (0..rows).map(|i| (Cell { column: y, row: i }, Cell { column: r, row: i })).collect()
    } else {
        vec![]
    };
    Relu { cs, circuit: FixedAssignment { k, fixed, copies }, rows, bits }
}

/// A witness: x_i pseudo-random in the b-bit range (repeats included), y = relu(x), r = y.
pub fn relu_witness(c: &Relu, rng: &mut TestRng) -> Witness {
    use rand::Rng;
    let half = 1i64 << (c.bits - 1);
    let xs: Vec<i64> = (0..c.rows).map(|_| rng.gen_range(-half..half)).collect();
    let ys: Vec<i64> = xs.iter().map(|v| (*v).max(0)).collect();
    Witness { advice: vec![xs.iter().map(|v| fr(*v)).collect(), ys.iter().map(|v| fr(*v)).collect(), ys.iter().map(|v| fr(*v)).collect()] }
}

