//! Gadgets for the operators that are not multiply-accumulates, each on its own columns beside
//! the MAC layout (the pool and product gadgets look up the MAC layout's tables, the
//! nonlinearities have tables of their own; soundness arguments in `docs/plonk.md` §14):
//!
//! * [`maxpool`]: the maximum of a window, proven equal to one element and ≥ every element;
//! * [`avgpool`]: the floor of a window's sum divided by a constant, with the remainder
//!   range-checked;
//! * [`product`]: the product of two computed values with the floor rescale;
//! * [`lut`]: elementwise nonlinearities (Clip/ReLU6, LeakyRelu, Sigmoid, Tanh, HardSigmoid,
//!   HardSwish, Gelu, Erf, Exp, Log, Sqrt) by lookup table;
//! * [`argmax`]: the index of the first maximum (minimum) of a group, proven;
//! * [`div`]: the quotient of two computed values with its remainder, division by zero refused.
//!
//! ReduceMax/ReduceMin use [`maxpool`] (the minimum with the comparison reversed); Softmax and
//! LogSoftmax are lowered at import to ReduceMax, Sub, Exp, ReduceSum and Div (or Log, Sub).
//!
//! Each gadget lays out one row per window element (or per element) in a region of its own (a row counter of its
//! own, [`Region`]); the planner counts those rows apart from the MAC rows.

pub mod argmax;
pub mod avgpool;
pub mod div;
pub mod lut;
pub mod maxpool;
pub mod product;

use crate::error::{Error, Result};

/// The next free row of a gadget's columns.
#[derive(Clone, Copy, Debug, Default)]
pub struct Region {
    pub row: usize,
}

impl Region {
    /// Reserves `len` rows of a 2^k = `n`-row circuit and returns the first.
    pub fn take(&mut self, len: usize, n: usize, what: &str) -> Result<usize> {
        if self.row + len > n {
            return Err(Error::internal(format!("{what} rows exceed the circuit's {n} rows")));
        }
        let start = self.row;
        self.row += len;
        Ok(start)
    }
}
