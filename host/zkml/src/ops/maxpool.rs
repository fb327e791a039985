//! The maximum of a window of range-checked values, proven both ways.
//!
//! Columns: advice `x` (the window's elements, copied from their cells), `m` (the claimed
//! maximum, the same on every row of the window), `p` (running product); fixed selectors
//! `q_elem` (every row of a window), `q_first`, `q_next` (every row but the last) and `q_last`.
//! For a window x_1 … x_k on rows i … i+k−1:
//!
//! * `max_first`: q_first·(p − (m − x)) = 0;
//! * `max_chain`: q_next·(p(ωX) − p·(m(ωX) − x(ωX))) = 0 and q_next·(m(ωX) − m) = 0;
//! * `max_last`:  q_last·p = 0, so Π_j (m − x_j) = 0: **m equals one of the elements**;
//! * lookup `max_upper_bound`: (q_elem·(m − x), q_elem·(m − x)) ∈ (t_x, t_y) of the ReLU table,
//!   whose rows (v, max(v, 0)) contain (d, d) exactly for 0 ≤ d < 2^{b−1}: **m ≥ every element**.
//!
//! The output is the `m` cell of the window's first row (equality enabled).
//!
//! The minimum (ReduceMin) uses the same columns with q_elem = −1 on its rows: the lookup then
//! reads x − m ≥ 0, so m ≤ every element, and the product still makes m an element.
//!
//! With the MAC layout's range checks by limbs ([`MacConfig::configure_limbs`]; there is no ReLU
//! table then) the upper bound is proven by limbs into the same 2^h-row table t instead
//! (docs/plonk.md §21): advice `d0`, `d1`, a fixed selector `q_cmp` (1 on every row of a window)
//! and
//!
//! * `max_limbs`: q_cmp·(q_elem·(m − x) − d0 − 2^h·d1) = 0;
//! * lookups `max_limb_0`: q_cmp·d0 ∈ t and `max_limb_1`: q_cmp·d1 ∈ t,
//!
//! so q_elem·(m − x) ∈ [0, 2^(2h)): the tables no longer set the domain for a model with pooling.

use ark_ff::One;
use zkaccel::plonk::mac::{signed_to_fr, MacBuilder, MacConfig, Operand};
use zkaccel::plonk::{Cell, Column, ConstraintSystem};
use zkaccel::Fr;

use super::Region;
use crate::error::{Error, Result};

/// The columns of the max gadget.
#[derive(Clone, Debug)]
pub struct MaxConfig {
    pub x: Column,
    pub m: Column,
    pub p: Column,
    pub q_elem: Column,
    pub q_first: Column,
    pub q_next: Column,
    pub q_last: Column,
    /// Signed bits of the ReLU table (differences must be below 2^{bits−1}).
    pub bits: u32,
    /// With limbs: the comparison's limb columns instead of the ReLU-table lookup.
    pub limbs: Option<MaxLimbs>,
}

/// The limb columns of the comparison m − x (or x − m for the minimum) when the MAC layout has
/// range checks by limbs: m − x = d0 + 2^h·d1 with d0, d1 in the layout's table t = {0, …, 2^h − 1}.
#[derive(Clone, Debug)]
pub struct MaxLimbs {
    pub h: u32,
    pub d0: Column,
    pub d1: Column,
    pub q_cmp: Column,
}

impl MaxConfig {
    /// Declares the columns, gates and the lookup (into the MAC layout's ReLU table, or by limbs
    /// into its limb table when the layout has one).
    pub fn configure(cs: &mut ConstraintSystem, mac: &MacConfig) -> Self {
        let (x, m, p) = (cs.advice_column(), cs.advice_column(), cs.advice_column());
        let (q_elem, q_first, q_next, q_last) = (cs.fixed_column(), cs.fixed_column(), cs.fixed_column(), cs.fixed_column());
        cs.create_gate("max_first", vec![q_first.cur() * (p.cur() - (m.cur() - x.cur()))]);
        cs.create_gate(
            "max_chain",
            vec![q_next.cur() * (p.next() - p.cur() * (m.next() - x.next())), q_next.cur() * (m.next() - m.cur())],
        );
        cs.create_gate("max_last", vec![q_last.cur() * p.cur()]);
        let d = q_elem.cur() * (m.cur() - x.cur());
        let limbs = match &mac.limbs {
            None => {
                cs.lookup("max_upper_bound", vec![d.clone(), d], vec![mac.t_x, mac.t_y]);
                None
            }
            Some(l) => {
                let (d0, d1, q_cmp) = (cs.advice_column(), cs.advice_column(), cs.fixed_column());
                let two_h = Fr::from(1u64 << l.h);
                cs.create_gate("max_limbs", vec![q_cmp.cur() * (d - d0.cur() - d1.cur() * two_h)]);
                cs.lookup("max_limb_0", vec![q_cmp.cur() * d0.cur()], vec![l.t]);
                cs.lookup("max_limb_1", vec![q_cmp.cur() * d1.cur()], vec![l.t]);
                Some(MaxLimbs { h: l.h, d0, d1, q_cmp })
            }
        };
        cs.enable_equality(x);
        cs.enable_equality(m);
        Self { x, m, p, q_elem, q_first, q_next, q_last, bits: mac.bits, limbs }
    }

    /// The largest spread max − min a window may have: 2^(b−1) − 1 with the ReLU table,
    /// 2^(2h) − 1 with limbs.
    pub fn max_spread(&self) -> i128 {
        match &self.limbs {
            None => (1i128 << (self.bits - 1)) - 1,
            Some(l) => (1i128 << (2 * l.h)) - 1,
        }
    }

    /// Lays out max(window) on the next `window.len()` rows of `region`; every element must have
    /// a cell. Returns the maximum with its cell. With `b.layout_only`, windows whose spread
    /// exceeds the table are laid out anyway (key generation from placeholder values).
    pub fn window(&self, b: &mut MacBuilder, region: &mut Region, window: &[Operand]) -> Result<Operand> {
        self.extremum(b, region, window, false)
    }

    /// As [`Self::window`], the maximum or with `min` the minimum (q_elem = −1 on its rows).
    pub fn extremum(&self, b: &mut MacBuilder, region: &mut Region, window: &[Operand], min: bool) -> Result<Operand> {
        if window.is_empty() {
            return Err(Error::internal("max of an empty window"));
        }
        let max = window.iter().map(|o| o.value).max().expect("not empty");
        let min_v = window.iter().map(|o| o.value).min().expect("not empty");
        if !b.layout_only && (max as i128 - min_v as i128) > self.max_spread() {
            return Err(Error::bad_input(format!(
                "max-pool window spread {} above {} (values {min_v} … {max})",
                max as i128 - min_v as i128,
                self.max_spread()
            )));
        }
        self.claim(b, region, window, min, if min { min_v } else { max })
    }

    /// Lays out a window whose claimed extremum is `claimed` (which [`Self::extremum`] computes;
    /// a claim that is not the extremum gives rows that fail the constraints — tests lay out such
    /// forgeries with everything downstream computed from the claim).
    pub fn claim(&self, b: &mut MacBuilder, region: &mut Region, window: &[Operand], min: bool, claimed: i64) -> Result<Operand> {
        if window.is_empty() {
            return Err(Error::internal("max of an empty window"));
        }
        let start = region.take(window.len(), b.n(), "max-pool")?;
        let m = signed_to_fr(claimed);
        let mut p = Fr::one();
        for (j, x) in window.iter().enumerate() {
            let row = start + j;
            let cell = x.cell.ok_or_else(|| Error::internal("max-pool: an element without a cell"))?;
            let xv = signed_to_fr(x.value);
            p *= m - xv;
            b.assign(self.x, row, xv)?;
            b.assign(self.m, row, m)?;
            b.assign(self.p, row, p)?;
            b.assign(self.q_elem, row, if min { -Fr::one() } else { Fr::one() })?;
            if let Some(l) = &self.limbs {
                // d = ±(m − x) as limbs; a negative d (a false claim) gets a limb outside t.
                let d = if min { x.value - claimed } else { claimed - x.value };
                b.assign(l.q_cmp, row, Fr::one())?;
                b.assign(l.d0, row, signed_to_fr(d & ((1i64 << l.h) - 1)))?;
                b.assign(l.d1, row, signed_to_fr(d >> l.h))?;
            }
            if j == 0 {
                b.assign(self.q_first, row, Fr::one())?;
            }
            if j + 1 < window.len() {
                b.assign(self.q_next, row, Fr::one())?;
            } else {
                b.assign(self.q_last, row, Fr::one())?;
            }
            b.copy(cell, Cell { column: self.x, row });
        }
        Ok(Operand { value: claimed, cell: Some(Cell { column: self.m, row: start }) })
    }
}
