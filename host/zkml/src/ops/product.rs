//! The product of two computed values with the floor rescale (Mul of two activations).
//!
//! Columns: advice `a`, `b` (the factors, copied from their cells), `q` (the output), `r` (the
//! remainder); fixed `q_mul` and `up` (2^(S − s), s the node's own shift, S the circuit's):
//!
//! * `mul_rescale`: q_mul·(a·b·up − 2^S·q − r) = 0;
//! * lookups: `mul_quotient`: q_mul·q ∈ t_x (the ReLU table's inputs: q has b signed bits);
//!   `mul_remainder`: q_mul·r ∈ t_r (the MAC layout's remainder table, 0 ≤ r < 2^S).
//!
//! a and b are range-checked values, so a·b·up is a small integer and (q, r) is its unique floor
//! division by 2^S, i.e. q = ⌊a·b / 2^s⌋ (the argument of the MAC rescale row, docs/plonk.md §14).

use ark_ff::One;
use zkaccel::plonk::mac::{floor_rescale, signed_to_fr, MacBuilder, MacConfig, Operand};
use zkaccel::plonk::{Cell, Column, ConstraintSystem};
use zkaccel::Fr;

use super::Region;
use crate::error::{Error, Result};

/// The columns of the product gadget.
#[derive(Clone, Debug)]
pub struct ProductConfig {
    pub a: Column,
    pub b: Column,
    pub q: Column,
    pub r: Column,
    pub q_mul: Column,
    pub up: Column,
    /// The circuit's shift S and the table's signed bits.
    pub shift: u32,
    pub bits: u32,
}

impl ProductConfig {
    /// Declares the columns, the gate and the lookups (into the MAC layout's tables).
    pub fn configure(cs: &mut ConstraintSystem, mac: &MacConfig) -> Self {
        let (a, b, q, r) = (cs.advice_column(), cs.advice_column(), cs.advice_column(), cs.advice_column());
        let (q_mul, up) = (cs.fixed_column(), cs.fixed_column());
        let two_s = Fr::from(1u64 << mac.shift);
        cs.create_gate("mul_rescale", vec![q_mul.cur() * (a.cur() * b.cur() * up.cur() - q.cur() * two_s - r.cur())]);
        cs.lookup("mul_quotient", vec![q_mul.cur() * q.cur()], vec![mac.t_x]);
        cs.lookup("mul_remainder", vec![q_mul.cur() * r.cur()], vec![mac.t_r]);
        for c in [a, b, q] {
            cs.enable_equality(c);
        }
        Self { a, b, q, r, q_mul, up, shift: mac.shift, bits: mac.bits }
    }

    /// Lays out ⌊x·y / 2^node_shift⌋ on the next row of `region` (node_shift ≤ S). Both factors
    /// must have cells.
    pub fn product(&self, bld: &mut MacBuilder, region: &mut Region, x: Operand, y: Operand, node_shift: u32) -> Result<Operand> {
        let up_bits = self.shift.checked_sub(node_shift).ok_or_else(|| Error::internal("product: a shift above S"))?;
        let row = region.take(1, bld.n(), "product")?;
        let (cx, cy) = match (x.cell, y.cell) {
            (Some(a), Some(b)) => (a, b),
            _ => return Err(Error::internal("product: a factor without a cell")),
        };
        let acc = (x.value as i128 * y.value as i128) << up_bits;
        let acc = i64::try_from(acc).map_err(|_| Error::bad_input(format!("the product {}·{} overflows", x.value, y.value)))?;
        let (q, r) = floor_rescale(acc, self.shift);
        let half = 1i64 << (self.bits - 1);
        if !bld.layout_only && !(-half..half).contains(&q) {
            return Err(Error::bad_input(format!("rescaled product {q} outside {} signed bits", self.bits)));
        }
        bld.assign(self.q_mul, row, Fr::one())?;
        bld.assign(self.up, row, Fr::from(1u64 << up_bits))?;
        bld.assign(self.a, row, signed_to_fr(x.value))?;
        bld.assign(self.b, row, signed_to_fr(y.value))?;
        bld.assign(self.q, row, signed_to_fr(q))?;
        bld.assign(self.r, row, signed_to_fr(r))?;
        bld.copy(cx, Cell { column: self.a, row });
        bld.copy(cy, Cell { column: self.b, row });
        Ok(Operand { value: q, cell: Some(Cell { column: self.q, row }) })
    }
}
