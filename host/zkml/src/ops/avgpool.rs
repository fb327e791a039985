//! The floor of a window's sum divided by a constant d (AveragePool, GlobalAveragePool).
//!
//! Columns: advice `x` (the window's elements, copied from their cells), `s` (running sum), `q`
//! (the quotient, the output), `r` (the remainder); fixed selectors `q_first`, `q_next` (every
//! row of a window but the last), `q_last`, and the fixed divisor `div` on the last row.
//! For a window x_1 … x_k on rows i … i+k−1:
//!
//! * `avg_first`:  q_first·(s − x) = 0;
//! * `avg_chain`:  q_next·(s(ωX) − s − x(ωX)) = 0, so s = Σ x_j on the last row;
//! * `avg_divide`: q_last·(s − div·q − r) = 0;
//! * lookups into the MAC layout's ReLU table (rows (v, max(v, 0)), −2^{b−1} ≤ v < 2^{b−1}):
//!   `avg_quotient`: q_last·q ∈ t_x (q has b signed bits); `avg_remainder`:
//!   (q_last·r, q_last·r) ∈ (t_x, t_y) (0 ≤ r); `avg_remainder_below_divisor`:
//!   (q_last·(div − 1 − r), same) ∈ (t_x, t_y) (r ≤ d − 1).
//!
//! With q and r so bounded, s = d·q + r has the one solution q = ⌊s/d⌋ (see docs/plonk.md).

use ark_ff::One;
use zkaccel::plonk::mac::{signed_to_fr, MacBuilder, MacConfig, Operand};
use zkaccel::plonk::{Cell, Column, ConstraintSystem};
use zkaccel::Fr;

use super::Region;
use crate::error::{Error, Result};

/// The columns of the sum-and-divide gadget.
#[derive(Clone, Debug)]
pub struct AvgConfig {
    pub x: Column,
    pub s: Column,
    pub q: Column,
    pub r: Column,
    pub q_first: Column,
    pub q_next: Column,
    pub q_last: Column,
    pub div: Column,
    /// Signed bits of the ReLU table.
    pub bits: u32,
}

impl AvgConfig {
    /// Declares the columns, gates and lookups (into the MAC layout's ReLU table).
    pub fn configure(cs: &mut ConstraintSystem, mac: &MacConfig) -> Self {
        let (x, s, q, r) = (cs.advice_column(), cs.advice_column(), cs.advice_column(), cs.advice_column());
        let (q_first, q_next, q_last, div) = (cs.fixed_column(), cs.fixed_column(), cs.fixed_column(), cs.fixed_column());
        cs.create_gate("avg_first", vec![q_first.cur() * (s.cur() - x.cur())]);
        cs.create_gate("avg_chain", vec![q_next.cur() * (s.next() - s.cur() - x.next())]);
        cs.create_gate("avg_divide", vec![q_last.cur() * (s.cur() - div.cur() * q.cur() - r.cur())]);
        cs.lookup("avg_quotient", vec![q_last.cur() * q.cur()], vec![mac.t_x]);
        let rr = q_last.cur() * r.cur();
        cs.lookup("avg_remainder", vec![rr.clone(), rr], vec![mac.t_x, mac.t_y]);
        let below = q_last.cur() * (div.cur() - r.cur() - zkaccel::plonk::Expression::Constant(Fr::one()));
        cs.lookup("avg_remainder_below_divisor", vec![below.clone(), below], vec![mac.t_x, mac.t_y]);
        cs.enable_equality(x);
        cs.enable_equality(q);
        Self { x, s, q, r, q_first, q_next, q_last, div, bits: mac.bits }
    }

    /// Lays out ⌊Σ window / divisor⌋ on the next `window.len()` rows of `region`; every element
    /// must have a cell. Returns the quotient with its cell.
    pub fn window(&self, b: &mut MacBuilder, region: &mut Region, window: &[Operand], divisor: usize) -> Result<Operand> {
        if window.is_empty() || divisor == 0 {
            return Err(Error::internal("average of an empty window"));
        }
        let half = 1i128 << (self.bits - 1);
        if divisor as i128 > half {
            return Err(Error::bad_input(format!(
                "an average over {divisor} elements needs a remainder range above the {}-bit lookup table (at most {half}); raise lookup_bits",
                self.bits
            )));
        }
        let start = region.take(window.len(), b.n(), "average-pool")?;
        let mut sum = 0i128;
        for (j, x) in window.iter().enumerate() {
            let row = start + j;
            let cell = x.cell.ok_or_else(|| Error::internal("average-pool: an element without a cell"))?;
            sum += x.value as i128;
            b.assign(self.x, row, signed_to_fr(x.value))?;
            b.assign(self.s, row, i128_to_fr(sum))?;
            if j == 0 {
                b.assign(self.q_first, row, Fr::one())?;
            }
            if j + 1 < window.len() {
                b.assign(self.q_next, row, Fr::one())?;
            }
            b.copy(cell, Cell { column: self.x, row });
        }
        let d = divisor as i128;
        let (q, r) = (sum.div_euclid(d), sum.rem_euclid(d));
        if !b.layout_only && !(-half..half).contains(&q) {
            return Err(Error::bad_input(format!("average {q} outside {} signed bits", self.bits)));
        }
        let last = start + window.len() - 1;
        let q = i64::try_from(q).map_err(|_| Error::bad_input("average overflows i64"))?;
        b.assign(self.q_last, last, Fr::one())?;
        b.assign(self.div, last, Fr::from(divisor as u64))?;
        b.assign(self.q, last, signed_to_fr(q))?;
        b.assign(self.r, last, Fr::from(r as u64))?;
        Ok(Operand { value: q, cell: Some(Cell { column: self.q, row: last }) })
    }
}

fn i128_to_fr(v: i128) -> Fr {
    let f = Fr::from(v.unsigned_abs());
    if v < 0 {
        -f
    } else {
        f
    }
}
