//! The vanilla Plonk gate and a small circuit builder on it.
//!
//! Columns: advice a, b, c (all with equality enabled), fixed selectors q_L, q_R, q_O, q_M, q_C,
//! and one instance column PI. One gate, one identity on every row:
//!
//! q_L·a + q_R·b + q_O·c + q_M·a·b + q_C − PI = 0
//!
//! Public inputs occupy the first rows (a = PI, q_L = 1), so the instance column is the vector of
//! public inputs.

use ark_ff::UniformRand;
use rand::{Rng, RngCore};

use super::circuit::{Cell, Column, ConstraintSystem, FixedAssignment, Witness};
use crate::error::{Error, Result};
use crate::Fr;

/// The columns of the standard gate.
#[derive(Clone, Copy, Debug)]
pub struct StandardPlonk {
    pub a: Column,
    pub b: Column,
    pub c: Column,
    pub q_l: Column,
    pub q_r: Column,
    pub q_o: Column,
    pub q_m: Column,
    pub q_c: Column,
    pub pi: Column,
}

impl StandardPlonk {
    /// Declares the columns and the gate.
    pub fn configure(cs: &mut ConstraintSystem) -> Self {
        let (a, b, c) = (cs.advice_column(), cs.advice_column(), cs.advice_column());
        let (q_l, q_r, q_o, q_m, q_c) = (cs.fixed_column(), cs.fixed_column(), cs.fixed_column(), cs.fixed_column(), cs.fixed_column());
        let pi = cs.instance_column();
        for col in [a, b, c] {
            cs.enable_equality(col);
        }
        cs.create_gate(
            "standard",
            vec![q_l.cur() * a.cur() + q_r.cur() * b.cur() + q_o.cur() * c.cur() + q_m.cur() * a.cur() * b.cur() + q_c.cur() - pi.cur()],
        );
        Self { a, b, c, q_l, q_r, q_o, q_m, q_c, pi }
    }
}

/// A value placed in a cell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Var {
    pub cell: Cell,
    pub value: Fr,
}

/// One row: the wires [a, b, c] and the selectors [q_L, q_R, q_O, q_M, q_C].
type Row = ([Fr; 3], [Fr; 5]);

/// Builds a standard-gate circuit row by row, tracking the witness.
pub struct StandardCircuitBuilder {
    pub config: StandardPlonk,
    pub cs: ConstraintSystem,
    /// Per row: [a, b, c] and [q_L, q_R, q_O, q_M, q_C].
    rows: Vec<Row>,
    copies: Vec<(Cell, Cell)>,
    public: Vec<Fr>,
}

impl Default for StandardCircuitBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl StandardCircuitBuilder {
    pub fn new() -> Self {
        let mut cs = ConstraintSystem::new();
        let config = StandardPlonk::configure(&mut cs);
        Self { config, cs, rows: vec![], copies: vec![], public: vec![] }
    }

    pub fn num_rows(&self) -> usize {
        self.rows.len()
    }

    fn row(&mut self, w: [Fr; 3], q: [Fr; 5]) -> usize {
        self.rows.push((w, q));
        self.rows.len() - 1
    }

    fn cell(&self, col: Column, row: usize) -> Cell {
        Cell { column: col, row }
    }

    /// A public input (must come before any other row).
    pub fn public_input(&mut self, x: Fr) -> Result<Var> {
        if self.rows.len() != self.public.len() {
            return Err(Error::Circuit("public inputs must be the first rows".into()));
        }
        self.public.push(x);
        let one = Fr::from(1u64);
        let row = self.row([x, Fr::from(0u64), Fr::from(0u64)], [one, 0.into(), 0.into(), 0.into(), 0.into()]);
        Ok(Var { cell: self.cell(self.config.a, row), value: x })
    }

    /// A constant fixed by the circuit.
    pub fn constant(&mut self, c: Fr) -> Var {
        let row = self.row([c, 0.into(), 0.into()], [1.into(), 0.into(), 0.into(), 0.into(), -c]);
        Var { cell: self.cell(self.config.a, row), value: c }
    }

    fn binary(&mut self, x: Var, y: Var, out: Fr, q: [Fr; 5]) -> Var {
        let row = self.row([x.value, y.value, out], q);
        let (a, b, c) = (self.cell(self.config.a, row), self.cell(self.config.b, row), self.cell(self.config.c, row));
        self.copies.push((a, x.cell));
        self.copies.push((b, y.cell));
        Var { cell: c, value: out }
    }

    /// x + y.
    pub fn add(&mut self, x: Var, y: Var) -> Var {
        let one = Fr::from(1u64);
        self.binary(x, y, x.value + y.value, [one, one, -one, 0.into(), 0.into()])
    }

    /// x · y.
    pub fn mul(&mut self, x: Var, y: Var) -> Var {
        let one = Fr::from(1u64);
        self.binary(x, y, x.value * y.value, [0.into(), 0.into(), -one, one, 0.into()])
    }

    /// Constrains x = y (a copy constraint).
    pub fn assert_equal(&mut self, x: Var, y: Var) {
        self.copies.push((x.cell, y.cell));
    }

    /// The fixed assignment, the witness and the public inputs for 2^k rows.
    pub fn finish(self, k: u32) -> Result<(ConstraintSystem, FixedAssignment, Witness, Vec<Vec<Fr>>)> {
        let n = 1usize << k;
        if self.rows.len() > n {
            return Err(Error::Circuit(format!("{} rows do not fit 2^{k}", self.rows.len())));
        }
        let col = |f: &dyn Fn(&Row) -> Fr| self.rows.iter().map(f).collect::<Vec<Fr>>();
        let advice = (0..3).map(|i| col(&|r| r.0[i])).collect();
        let fixed = (0..5).map(|i| col(&|r| r.1[i])).collect();
        Ok((self.cs, FixedAssignment { k, fixed, copies: self.copies }, Witness { advice }, vec![self.public]))
    }
}

/// A random standard circuit filling all 2^k rows: `num_public` public inputs, constants,
/// additions and multiplications of earlier values (each input a copy constraint), and some
/// explicit equalities.
pub fn random_circuit(
    k: u32,
    num_public: usize,
    rng: &mut impl RngCore,
) -> Result<(ConstraintSystem, FixedAssignment, Witness, Vec<Vec<Fr>>)> {
    let n = 1usize << k;
    let mut b = StandardCircuitBuilder::new();
    let mut vars = vec![];
    for _ in 0..num_public {
        vars.push(b.public_input(Fr::rand(rng))?);
    }
    let zero = b.constant(Fr::from(0u64));
    vars.push(zero);
    while b.num_rows() < n {
        let x = vars[rng.gen_range(0..vars.len())];
        let y = vars[rng.gen_range(0..vars.len())];
        let v = match rng.gen_range(0..10) {
            0 => b.constant(Fr::from(rng.gen_range(0..256u64))),
            1..=4 => b.add(x, y),
            5..=8 => b.mul(x, y),
            _ => {
                // x + 0 = x, asserted as a copy.
                let s = b.add(x, zero);
                b.assert_equal(s, x);
                s
            }
        };
        vars.push(v);
    }
    b.finish(k)
}
