//! ArgMax / ArgMin: the index of the first maximal (minimal) element of a group, proven.
//!
//! Columns: advice `x` (the group's elements, copied from their cells), `m` (the claimed
//! extremum, the same on every row of the group), `e` (1 on the rows before the claimed index,
//! 0 from it on), `c` (running count of e, equality enabled: the last row's c is the index);
//! fixed `q_dir` (+1 for ArgMax, −1 for ArgMin, on every row of a group, 0 elsewhere), `q_first`,
//! `q_next` (every row but the last), `q_last`. For a group x_0 … x_{k−1} on rows i … i+k−1:
//!
//! * `arg_first`: q_first·e·(1 − e) = 0, q_first·(1 − e)·(m − x) = 0, q_first·(c − e) = 0;
//! * `arg_chain`: q_next·(m(ωX) − m) = 0, q_next·(e − e(ωX))·(e − e(ωX) − 1) = 0,
//!   q_next·(e − e(ωX))·(m(ωX) − x(ωX)) = 0, q_next·(c(ωX) − c − e(ωX)) = 0;
//! * `arg_last`: q_last·e = 0;
//! * lookup `arg_bound`: (q_dir·(m − x) − e, same) ∈ (t_x, t_y) of the ReLU table, i.e.
//!   0 ≤ q_dir·(m − x) − e < 2^{b−1}.
//!
//! e_0 ∈ {0, 1}, each step e_j − e_{j+1} ∈ {0, 1}, and e_{k−1} = 0: e is 1 … 1 0 … 0 with exactly
//! one step down, at some position i (the first 0; i = 0 when e_0 = 0). t_j = e_{j−1} − e_j
//! (e_{−1} := 1) is 1 exactly at j = i, so the gates give m = x_i. The lookup gives, for ArgMax,
//! m − x_j ≥ 1 for j < i (e_j = 1) and m − x_j ≥ 0 for j ≥ i: m = x_i is the maximum and every
//! element before i is strictly smaller — **i is the first index of the maximum**; c_{k−1} =
//! Σ e_j = i. ArgMin is the same with q_dir = −1 (x_j − m ≥ e_j).

use ark_ff::{One, Zero};
use zkaccel::plonk::mac::{signed_to_fr, MacBuilder, MacConfig, Operand};
use zkaccel::plonk::{Cell, Column, ConstraintSystem, Expression};
use zkaccel::Fr;

use super::Region;
use crate::error::{Error, Result};

/// The columns of the arg-extremum gadget.
#[derive(Clone, Debug)]
pub struct ArgConfig {
    pub x: Column,
    pub m: Column,
    pub e: Column,
    pub c: Column,
    pub q_dir: Column,
    pub q_first: Column,
    pub q_next: Column,
    pub q_last: Column,
    /// Signed bits of the ReLU table.
    pub bits: u32,
}

impl ArgConfig {
    /// Declares the columns, gates and the lookup (into the MAC layout's ReLU table).
    pub fn configure(cs: &mut ConstraintSystem, mac: &MacConfig) -> Self {
        let (x, m, e, c) = (cs.advice_column(), cs.advice_column(), cs.advice_column(), cs.advice_column());
        let (q_dir, q_first, q_next, q_last) = (cs.fixed_column(), cs.fixed_column(), cs.fixed_column(), cs.fixed_column());
        let one = || Expression::Constant(Fr::one());
        cs.create_gate(
            "arg_first",
            vec![
                q_first.cur() * e.cur() * (one() - e.cur()),
                q_first.cur() * (one() - e.cur()) * (m.cur() - x.cur()),
                q_first.cur() * (c.cur() - e.cur()),
            ],
        );
        let step = || e.cur() - e.next();
        cs.create_gate(
            "arg_chain",
            vec![
                q_next.cur() * (m.next() - m.cur()),
                q_next.cur() * step() * (step() - one()),
                q_next.cur() * step() * (m.next() - x.next()),
                q_next.cur() * (c.next() - c.cur() - e.next()),
            ],
        );
        cs.create_gate("arg_last", vec![q_last.cur() * e.cur()]);
        let d = q_dir.cur() * (m.cur() - x.cur()) - e.cur();
        cs.lookup("arg_bound", vec![d.clone(), d], vec![mac.t_x, mac.t_y]);
        cs.enable_equality(x);
        cs.enable_equality(c);
        Self { x, m, e, c, q_dir, q_first, q_next, q_last, bits: mac.bits }
    }

    /// Lays out the index of the first maximum (or with `min`, minimum) of `group` on the next
    /// `group.len()` rows of `region`; every element must have a cell. Returns the index (an
    /// integer) with its cell.
    pub fn group(&self, b: &mut MacBuilder, region: &mut Region, group: &[Operand], min: bool) -> Result<Operand> {
        if group.is_empty() {
            return Err(Error::internal("arg-extremum of an empty group"));
        }
        let start = region.take(group.len(), b.n(), "arg-max")?;
        let better = |v: i64, best: i64| if min { v < best } else { v > best };
        let mut i = 0;
        for (j, o) in group.iter().enumerate() {
            if better(o.value, group[i].value) {
                i = j;
            }
        }
        let mv = group[i].value;
        let (hi, lo) = (group.iter().map(|o| o.value).max().expect("not empty"), group.iter().map(|o| o.value).min().expect("not empty"));
        if !b.layout_only && (hi as i128 - lo as i128) >= 1i128 << (self.bits - 1) {
            return Err(Error::bad_input(format!("arg-max group spread {} outside {} signed bits (values {lo} … {hi})", hi as i128 - lo as i128, self.bits)));
        }
        let dir = if min { -Fr::one() } else { Fr::one() };
        let mut count = 0i64;
        for (j, x) in group.iter().enumerate() {
            let row = start + j;
            let cell = x.cell.ok_or_else(|| Error::internal("arg-max: an element without a cell"))?;
            let e = i64::from(j < i);
            count += e;
            b.assign(self.x, row, signed_to_fr(x.value))?;
            b.assign(self.m, row, signed_to_fr(mv))?;
            b.assign(self.e, row, if e == 1 { Fr::one() } else { Fr::zero() })?;
            b.assign(self.c, row, signed_to_fr(count))?;
            b.assign(self.q_dir, row, dir)?;
            if j == 0 {
                b.assign(self.q_first, row, Fr::one())?;
            }
            if j + 1 < group.len() {
                b.assign(self.q_next, row, Fr::one())?;
            } else {
                b.assign(self.q_last, row, Fr::one())?;
            }
            b.copy(cell, Cell { column: self.x, row });
        }
        debug_assert_eq!(count as usize, i);
        Ok(Operand { value: i as i64, cell: Some(Cell { column: self.c, row: start + group.len() - 1 }) })
    }
}
