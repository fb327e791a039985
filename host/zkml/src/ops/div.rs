//! The quotient of two computed values, with its remainder proven and division by zero refused.
//!
//! Columns: advice `a`, `b` (copied from their cells), `q`, `r`, `sgn`, `mag`; fixed `q_div`
//! (1 on the gadget's rows) and `up` (2^{s_b}, per row). One row per output element:
//!
//! * `div_euclid`: q_div·(a·up − b·q − r) = 0;
//! * `div_sign`: q_div·(sgn·sgn − 1) = 0, q_div·(mag − sgn·b) = 0;
//! * lookup `div_quotient`: q_div·q ∈ t_x (q has b signed bits);
//! * lookup `div_remainder`: (q_div·r, same) ∈ (t_x, t_y) (r ≥ 0);
//! * lookup `div_remainder_below_divisor`: (q_div·(mag − 1 − r), same) ∈ (t_x, t_y)
//!   (r ≤ mag − 1).
//!
//! sgn = ±1, so mag = ±b; the two lookups give 0 ≤ r ≤ mag − 1, so mag ≥ 1: mag = |b| and
//! **b ≠ 0** (b = 0 makes mag = 0 and leaves no r). a, b are range-checked cells, so a·up, b·q and
//! r are integers far below the field's modulus and the gate holds over the integers:
//! a·2^{s_b} = b·q + r with 0 ≤ r < |b| has the one solution q = div_euclid(a·2^{s_b}, b) (the
//! floor for b > 0), which is `host/onnx`'s rule.

use ark_ff::One;
use zkaccel::plonk::mac::{signed_to_fr, MacBuilder, MacConfig, Operand};
use zkaccel::plonk::{Cell, Column, ConstraintSystem, Expression};
use zkaccel::Fr;

use super::Region;
use crate::error::{Error, Result};

/// The columns of the division gadget.
#[derive(Clone, Debug)]
pub struct DivConfig {
    pub a: Column,
    pub b: Column,
    pub q: Column,
    pub r: Column,
    pub sgn: Column,
    pub mag: Column,
    pub q_div: Column,
    pub up: Column,
    /// Signed bits of the ReLU table.
    pub bits: u32,
}

impl DivConfig {
    /// Declares the columns, gates and lookups (into the MAC layout's ReLU table).
    pub fn configure(cs: &mut ConstraintSystem, mac: &MacConfig) -> Self {
        let (a, b, q, r, sgn, mag) = (cs.advice_column(), cs.advice_column(), cs.advice_column(), cs.advice_column(), cs.advice_column(), cs.advice_column());
        let (q_div, up) = (cs.fixed_column(), cs.fixed_column());
        let one = || Expression::Constant(Fr::one());
        cs.create_gate("div_euclid", vec![q_div.cur() * (a.cur() * up.cur() - b.cur() * q.cur() - r.cur())]);
        cs.create_gate("div_sign", vec![q_div.cur() * (sgn.cur() * sgn.cur() - one()), q_div.cur() * (mag.cur() - sgn.cur() * b.cur())]);
        cs.lookup("div_quotient", vec![q_div.cur() * q.cur()], vec![mac.t_x]);
        let rr = q_div.cur() * r.cur();
        cs.lookup("div_remainder", vec![rr.clone(), rr], vec![mac.t_x, mac.t_y]);
        let below = q_div.cur() * (mag.cur() - one() - r.cur());
        cs.lookup("div_remainder_below_divisor", vec![below.clone(), below], vec![mac.t_x, mac.t_y]);
        cs.enable_equality(a);
        cs.enable_equality(b);
        cs.enable_equality(q);
        Self { a, b, q, r, sgn, mag, q_div, up, bits: mac.bits }
    }

    /// ⌊x·2^{up_bits} / y⌋ (Euclidean) on the next row of `region`; both must have cells.
    pub fn divide(&self, bld: &mut MacBuilder, region: &mut Region, x: Operand, y: Operand, up_bits: u32) -> Result<Operand> {
        let (xc, yc) = (x.cell.ok_or_else(|| Error::internal("div: a numerator without a cell"))?, y.cell.ok_or_else(|| Error::internal("div: a divisor without a cell"))?);
        let row = region.take(1, bld.n(), "division")?;
        let half = 1i128 << (self.bits - 1);
        // Placeholder values (key generation) may divide by 0: lay out 1 instead.
        let yv = if y.value == 0 && bld.layout_only { 1 } else { y.value as i128 };
        if yv == 0 {
            return Err(Error::bad_input("division by zero (the divisor's quantized value is 0)"));
        }
        let num = (x.value as i128) << up_bits;
        let (q, r) = (num.div_euclid(yv), num.rem_euclid(yv));
        if !bld.layout_only && !(-half..half).contains(&q) {
            return Err(Error::bad_input(format!("quotient {q} of {num}/{yv} outside {} signed bits", self.bits)));
        }
        let sgn = if yv < 0 { -Fr::one() } else { Fr::one() };
        bld.assign(self.q_div, row, Fr::one())?;
        bld.assign(self.up, row, Fr::from(1u64 << up_bits))?;
        bld.assign(self.a, row, signed_to_fr(x.value))?;
        bld.assign(self.b, row, signed_to_fr(y.value))?;
        bld.assign(self.q, row, signed_to_fr(q as i64))?;
        bld.assign(self.r, row, signed_to_fr(r as i64))?;
        bld.assign(self.sgn, row, sgn)?;
        bld.assign(self.mag, row, signed_to_fr(yv.abs() as i64))?;
        bld.copy(xc, Cell { column: self.a, row });
        bld.copy(yc, Cell { column: self.b, row });
        Ok(Operand { value: q as i64, cell: Some(Cell { column: self.q, row }) })
    }
}
