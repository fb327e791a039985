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
//! **b ≠ 0** (b = 0 makes mag = 0 and leaves no r). a, b are range-checked cells (or fixed
//! inputs, values of the key that the builder holds to the same range), so a·up, b·q and r are
//! integers far below the field's modulus and the gate holds over the integers:
//! a·2^{s_b} = b·q + r with 0 ≤ r < |b| has the one solution q = div_euclid(a·2^{s_b}, b) (the
//! floor for b > 0), which is `host/onnx`'s rule. The witness code refuses a quotient outside
//! the range, and a divisor whose r or |b| − 1 − r would not be in the table.

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
        // The remainder lookups need r and |b| − 1 − r in the table, [0, 2^{b−1}): true for every
        // divisor in b signed bits (|b| ≤ 2^{b−1}; computed values and inputs are), not for all
        // larger ones — a second line for a caller that forgot a check.
        let below = yv.abs() - 1 - r;
        if !bld.layout_only && (r >= half || below >= half) {
            return Err(Error::bad_input(format!(
                "divisor {yv} of {num}/{yv} outside {} signed bits: the remainder {r} and |divisor| − 1 − remainder = {below} must both be in the lookup table (0 … {})",
                self.bits,
                half - 1
            )));
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

#[cfg(test)]
mod tests {
    use zkaccel::plonk::dev::{check_witness, Failure};

    use super::*;
    use crate::ExitCode;

    /// The division over a 7-bit table (0 … 63 for the remainder lookups): divisors at either
    /// end of the range (−64, 63; also −0.0625 over −4.0 at scale 2^4), and a larger one whose
    /// remainder and |b| − 1 − r both fit (50 / 100), are laid out and every gate, lookup and
    /// copy holds; a divisor whose remainder or |b| − 1 − r does not fit (16 / 16000: 0.0625
    /// over 1000.0 at scale 2^4; 10 / 100; 700 / −1000) is refused by name (exit 2), where the
    /// witness code used to check only the quotient — such a row fails a remainder lookup, as
    /// the layout-only builder (which skips the checks, for placeholder values) shows.
    #[test]
    fn a_divisor_whose_remainder_leaves_the_table_is_refused() {
        let mut cs = ConstraintSystem::new();
        let mac = MacConfig::configure(&mut cs, 1, 4, 7);
        let div = DivConfig::configure(&mut cs, &mac);
        let src = cs.advice_column();
        cs.enable_equality(src);
        let mut b = MacBuilder::new(&cs, mac, 8).unwrap();
        let mut region = Region::default();
        // x and y in cells of their own, on the row the division's next row will take.
        let operands = |b: &mut MacBuilder, row: usize, x: i64, y: i64| {
            b.assign(src, 2 * row, signed_to_fr(x)).unwrap();
            b.assign(src, 2 * row + 1, signed_to_fr(y)).unwrap();
            (Operand { value: x, cell: Some(Cell { column: src, row: 2 * row }) }, Operand { value: y, cell: Some(Cell { column: src, row: 2 * row + 1 }) })
        };
        for (x, y, up, q) in [(5, -64, 0, 0), (-1, 63, 0, -1), (-1, -64, 4, 1), (50, 100, 0, 0)] {
            let (xo, yo) = operands(&mut b, region.row, x, y);
            assert_eq!(div.divide(&mut b, &mut region, xo, yo, up).unwrap().value, q, "{x}·2^{up} / {y}");
        }
        for (x, y, up, r) in [(1, 16000, 4, 16), (10, 100, 0, 10), (700, -1000, 0, 700)] {
            let (xo, yo) = operands(&mut b, region.row, x, y);
            let e = div.divide(&mut b, &mut region, xo, yo, up).expect_err(&format!("{x}·2^{up} / {y}"));
            assert_eq!(e.code, ExitCode::BadInput, "{}", e.message);
            let num = x << up;
            let want = format!(
                "divisor {y} of {num}/{y} outside 7 signed bits: the remainder {r} and |divisor| − 1 − remainder = {} must both be in the lookup table (0 … 63)",
                y.abs() - 1 - r
            );
            assert_eq!(e.message, want);
        }
        // Laid out without the checks, 10 / 100 fails the lookup of |b| − 1 − r = 89 on its row.
        b.layout_only = true;
        let past = region.row;
        let (xo, yo) = operands(&mut b, past, 10, 100);
        div.divide(&mut b, &mut region, xo, yo, 0).unwrap();
        let (fixed, witness) = b.finish();
        let failures = check_witness(&cs, &fixed, &witness, &[], 10).unwrap();
        assert_eq!(failures, vec![Failure::Lookup { lookup: "div_remainder_below_divisor".into(), row: past }]);
    }
}
