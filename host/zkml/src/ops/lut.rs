//! Elementwise nonlinearities by lookup table (Clip/ReLU6, LeakyRelu, Sigmoid, Tanh,
//! HardSigmoid, HardSwish, Gelu, Erf over the whole value range; Exp, Log, Sqrt over the part of
//! it where they are defined and fit): one table per function and scale.
//!
//! Columns: advice `x`, `y` (equality enabled), fixed selector `q_lut`; fixed table columns
//! `t_in`, `t_out` holding (v, f_q(v) − f_q(0)) for −2^{b−1} ≤ v < 2^{b−1}, where
//! f_q(v) = round(f(v/2^s)·2^s) (ties away from zero) is the quantized function of
//! `zkaccel_onnx::Activation::apply_q`. Lookup `lut_<i>`: (q_lut·x, q_lut·(y − f_q(0))) ∈
//! (t_in, t_out), so y = f_q(x) on selected rows, and x is range-checked to b signed bits by
//! the table. Unselected rows look up (0, 0), which is the table's row v = 0 (hence the shift by
//! f_q(0): f_q(0) is not 0 for Sigmoid or a Clip whose range excludes 0). Outputs are table
//! values, so within the range when |f_q(v)| < 2^{b−1} (checked when the table is filled).
//!
//! Partial tables (Exp, Log, Sqrt: `Activation::partial_table`): the table holds only the v whose
//! real input v/2^s is in f's domain (Log: v ≥ 1; Sqrt: v ≥ 0) and whose output fits,
//! |f_q(v)| < 2^{b−1} (Exp: v/2^s < ln(2^{b−1−s}), about), as rows (1, v, f_q(v)), and one row
//! (0, 0, 0) for the unselected rows; a fixed column `t_flag` carries the 1/0. Lookup
//! `lut_<i>`: (q_lut, q_lut·x, q_lut·y) ∈ (t_flag, t_in, t_out), so a selected row (q_lut = 1)
//! can only match a (1, v, f_q(v)) row: an input outside the domain or the output range has no
//! row to match, and the witness generator names it ("outside the table").

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
    /// The selector column of a partial table (None for the full-range tables).
    pub t_flag: Option<Column>,
}

impl LutConfig {
    /// Declares the columns and the lookup for f at `scale` over b = `bits` signed bits.
    pub fn configure(cs: &mut ConstraintSystem, f: Activation, scale: u32, bits: u32, index: usize) -> Self {
        let (x, y) = (cs.advice_column(), cs.advice_column());
        let (q_lut, t_in, t_out) = (cs.fixed_column(), cs.fixed_column(), cs.fixed_column());
        let t_flag = if f.partial_table() {
            let t_flag = cs.fixed_column();
            cs.lookup(
                format!("lut_{index}"),
                vec![q_lut.cur(), q_lut.cur() * x.cur(), q_lut.cur() * y.cur()],
                vec![t_flag, t_in, t_out],
            );
            Some(t_flag)
        } else {
            let f0 = signed_to_fr(f.apply_q(0, scale));
            cs.lookup(
                format!("lut_{index}"),
                vec![q_lut.cur() * x.cur(), q_lut.cur() * (y.cur() - Expression::Constant(f0))],
                vec![t_in, t_out],
            );
            None
        };
        cs.enable_equality(x);
        cs.enable_equality(y);
        Self { f, scale, bits, x, y, q_lut, t_in, t_out, t_flag }
    }

    /// Whether v is a row of the partial table: its real input in f's domain, its output in
    /// the b-bit range.
    fn in_partial_table(&self, v: i64) -> bool {
        let half = 1i64 << (self.bits - 1);
        self.f.defined_at(v as f64 / (self.scale as f64).exp2()) && (-half..half).contains(&self.f.apply_q(v, self.scale))
    }

    /// Fills the table (2^b rows, which the plan keeps within 2^k).
    pub fn fill_table(&self, b: &mut MacBuilder) -> Result<()> {
        let half = 1i64 << (self.bits - 1);
        if let Some(t_flag) = self.t_flag {
            let mut row = 0;
            for v in (-half..half).filter(|&v| self.in_partial_table(v)) {
                b.assign(t_flag, row, Fr::one())?;
                b.assign(self.t_in, row, signed_to_fr(v))?;
                b.assign(self.t_out, row, signed_to_fr(self.f.apply_q(v, self.scale)))?;
                row += 1;
            }
            // The (0, 0, 0) row of the unselected rows (the columns' default, made explicit).
            if row >= b.n() {
                return Err(Error::internal(format!("{:?} table of {row} rows leaves no (0, 0, 0) row in 2^k = {}", self.f, b.n())));
            }
            for c in [t_flag, self.t_in, self.t_out] {
                b.assign(c, row, Fr::from(0u64))?;
            }
            return Ok(());
        }
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

    /// y = f_q(x) on the next row of `region`; x must have a cell. An x the table does not
    /// hold is refused (outside the b-bit range, or for a partial table outside f's domain or
    /// output range): its row could only fail the lookup. Every computed value and every input
    /// is within the range, so this is a second line for a caller that forgot a check.
    pub fn apply(&self, b: &mut MacBuilder, region: &mut Region, x: Operand) -> Result<Operand> {
        let cell = x.cell.ok_or_else(|| Error::internal("lut: an input without a cell"))?;
        let row = region.take(1, b.n(), "lookup-table")?;
        let real = x.value as f64 / (self.scale as f64).exp2();
        let half = 1i64 << (self.bits - 1);
        let outside = match self.t_flag {
            _ if b.layout_only => None,
            None => (!(-half..half).contains(&x.value)).then(|| format!("the table holds {} … {}", -half, half - 1)),
            Some(_) => (!self.in_partial_table(x.value))
                .then(|| if self.f.defined_at(real) { "the output does not fit the range" } else { "outside the function's domain" }.to_string()),
        };
        if let Some(why) = outside {
            return Err(Error::bad_input(format!(
                "{:?} input {} (= {real}) is outside its table at scale 2^{} and {} bits: {why}",
                self.f, x.value, self.scale, self.bits
            )));
        }
        let y = self.f.apply_q(x.value, self.scale);
        b.assign(self.q_lut, row, Fr::one())?;
        b.assign(self.x, row, signed_to_fr(x.value))?;
        b.assign(self.y, row, signed_to_fr(y))?;
        b.copy(cell, Cell { column: self.x, row });
        Ok(Operand { value: y, cell: Some(Cell { column: self.y, row }) })
    }
}

#[cfg(test)]
mod tests {
    use zkaccel::plonk::dev::{check_witness, Failure};
    use zkaccel::plonk::mac::MacConfig;

    use super::*;
    use crate::ExitCode;

    /// Every full-range table at scale 2^4 over 7 signed bits (it holds −64 … 63): an input at
    /// either end is laid out and every lookup and copy holds; an input one past either end, or
    /// far past (1600 = 100.0 at scale 2^4), is refused by name (exit 2), where the witness code
    /// used to lay it out unchecked — such a row fails the table's lookup, as the layout-only
    /// builder (which skips the check, for placeholder values) shows.
    #[test]
    fn a_full_table_refuses_an_input_outside_it() {
        let (scale, bits, half) = (4, 7, 64i64);
        let functions = [
            Activation::Clip { min: -0.5, max: 1.25 },
            Activation::LeakyRelu { alpha: 0.1 },
            Activation::Sigmoid,
            Activation::Tanh,
            Activation::HardSigmoid { alpha: 0.2, beta: 0.5 },
            Activation::HardSwish,
            Activation::Gelu { tanh_approx: false },
            Activation::Erf,
        ];
        for f in functions {
            assert!(!f.partial_table(), "{f:?}");
            let mut cs = ConstraintSystem::new();
            let mac = MacConfig::configure(&mut cs, 1, scale, bits);
            let lut = LutConfig::configure(&mut cs, f, scale, bits, 0);
            let src = cs.advice_column();
            cs.enable_equality(src);
            let mut b = MacBuilder::new(&cs, mac, 8).unwrap();
            lut.fill_table(&mut b).unwrap();
            let mut region = Region::default();
            // The input v in a cell of its own, on the row the table's next row will take.
            let operand = |b: &mut MacBuilder, row: usize, v: i64| {
                b.assign(src, row, signed_to_fr(v)).unwrap();
                Operand { value: v, cell: Some(Cell { column: src, row }) }
            };
            for v in [-half, half - 1] {
                let x = operand(&mut b, region.row, v);
                let y = lut.apply(&mut b, &mut region, x).unwrap();
                assert_eq!(y.value, f.apply_q(v, scale), "{f:?} at {v}");
            }
            for v in [-half - 1, half, 1600] {
                let x = operand(&mut b, region.row, v);
                let e = lut.apply(&mut b, &mut region, x).expect_err(&format!("{f:?} at {v}"));
                assert_eq!(e.code, ExitCode::BadInput, "{f:?} at {v}: {}", e.message);
                let want = format!("{f:?} input {v} (= {}) is outside its table at scale 2^4 and 7 bits: the table holds -64 … 63", v as f64 / 16.0);
                assert_eq!(e.message, want);
            }
            // Laid out without the check, the first value past the end fails the lookup on its row.
            b.layout_only = true;
            let past = region.row;
            let x = operand(&mut b, past, half);
            lut.apply(&mut b, &mut region, x).unwrap();
            let (fixed, witness) = b.finish();
            let failures = check_witness(&cs, &fixed, &witness, &[], 10).unwrap();
            assert_eq!(failures, vec![Failure::Lookup { lookup: "lut_0".into(), row: past }], "{f:?}");
        }
    }
}
