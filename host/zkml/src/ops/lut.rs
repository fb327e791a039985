//! Elementwise nonlinearities by lookup table (Clip/ReLU6, LeakyRelu, Sigmoid, Tanh,
//! HardSigmoid): one table per function and scale over the whole value range.
//!
//! Columns: advice `x`, `y` (equality enabled), fixed selector `q_lut`; fixed table columns
//! `t_in`, `t_out` holding (v, f_q(v) − f_q(0)) for −2^{b−1} ≤ v < 2^{b−1}, where
//! f_q(v) = round(f(v/2^s)·2^s) (ties away from zero) is the quantized function of
//! `zkaccel_onnx::Activation::apply_q`. Lookup `lut_<i>`: (q_lut·x, q_lut·(y − f_q(0))) ∈
//! (t_in, t_out), so y = f_q(x) on selected rows, and x is range-checked to b signed bits by
//! the table. Unselected rows look up (0, 0), which is the table's row v = 0 (hence the shift by
//! f_q(0): f_q(0) is not 0 for Sigmoid or a Clip whose range excludes 0). Outputs are table
//! values, so within the range when |f_q(v)| < 2^{b−1} (checked when the table is filled).

use ark_ff::One;
use zkaccel::plonk::mac::{signed_to_fr, MacBuilder, Operand};
use zkaccel::plonk::{Cell, Column, ConstraintSystem, Expression};
use zkaccel::Fr;
use zkaccel_onnx::Activation;

use super::Region;
use crate::error::{Error, Result};

/// One table and its columns.
#[derive(Clone, Debug)]
pub struct LutConfig {
    pub f: Activation,
    pub scale: u32,
    pub bits: u32,
    pub x: Column,
    pub y: Column,
    pub q_lut: Column,
    pub t_in: Column,
    pub t_out: Column,
}

impl LutConfig {
    /// Declares the columns and the lookup for f at `scale` over b = `bits` signed bits.
    pub fn configure(cs: &mut ConstraintSystem, f: Activation, scale: u32, bits: u32, index: usize) -> Self {
        let (x, y) = (cs.advice_column(), cs.advice_column());
        let (q_lut, t_in, t_out) = (cs.fixed_column(), cs.fixed_column(), cs.fixed_column());
        let f0 = signed_to_fr(f.apply_q(0, scale));
        cs.lookup(
            format!("lut_{index}"),
            vec![q_lut.cur() * x.cur(), q_lut.cur() * (y.cur() - Expression::Constant(f0))],
            vec![t_in, t_out],
        );
        cs.enable_equality(x);
        cs.enable_equality(y);
        Self { f, scale, bits, x, y, q_lut, t_in, t_out }
    }

    /// Fills the table (2^b rows, which the plan keeps within 2^k).
    pub fn fill_table(&self, b: &mut MacBuilder) -> Result<()> {
        let half = 1i64 << (self.bits - 1);
        let f0 = self.f.apply_q(0, self.scale);
        for (row, v) in (-half..half).enumerate() {
            let y = self.f.apply_q(v, self.scale);
            if !(-half..half).contains(&y) && !b.layout_only {
                return Err(Error::bad_input(format!("{:?} at scale 2^{} maps {v} to {y}, outside {} signed bits", self.f, self.scale, self.bits)));
            }
            b.assign(self.t_in, row, signed_to_fr(v))?;
            b.assign(self.t_out, row, signed_to_fr(y - f0))?;
        }
        Ok(())
    }

    /// y = f_q(x) on the next row of `region`; x must have a cell.
    pub fn apply(&self, b: &mut MacBuilder, region: &mut Region, x: Operand) -> Result<Operand> {
        let cell = x.cell.ok_or_else(|| Error::internal("lut: an input without a cell"))?;
        let row = region.take(1, b.n(), "lookup-table")?;
        let y = self.f.apply_q(x.value, self.scale);
        b.assign(self.q_lut, row, Fr::one())?;
        b.assign(self.x, row, signed_to_fr(x.value))?;
        b.assign(self.y, row, signed_to_fr(y))?;
        b.copy(cell, Cell { column: self.x, row });
        Ok(Operand { value: y, cell: Some(Cell { column: self.y, row }) })
    }
}
