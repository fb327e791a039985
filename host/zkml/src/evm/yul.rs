//! Yul text for field arithmetic: constants as hex words, the circuit's gate expressions as nested
//! `addmod`/`mulmod` over memory slots (no stack variables, so any depth compiles), and the
//! transcript's label words.

use std::collections::HashMap;

use zkaccel::plonk::{ColumnKind, Expression, Query};
use zkaccel::Fr;

use super::layout::fr_word;

/// `0x…` of a 32-byte word.
pub fn hex_word(w: &[u8; 32]) -> String {
    format!("0x{}", hex::encode(w))
}

/// A scalar constant (canonical, so < r).
pub fn fr(x: &Fr) -> String {
    hex_word(&fr_word(x))
}

/// The transcript's label prefix `len(label) ‖ label`, left-aligned in a word, and its length.
pub fn label(l: &[u8]) -> (String, usize) {
    assert!(l.len() < 32, "transcript labels fit a word with their length byte");
    let mut w = [0u8; 32];
    w[0] = l.len() as u8;
    w[1..=l.len()].copy_from_slice(l);
    (hex_word(&w), l.len() + 1)
}

/// Where a query's value sits in memory: advice and fixed evaluations (copied from the proof) and
/// the public inputs evaluated at their points.
pub struct Slots {
    pub advice: HashMap<Query, usize>,
    pub fixed: HashMap<Query, usize>,
    pub instance: HashMap<Query, usize>,
}

impl Slots {
    pub fn of(&self, q: &Query) -> usize {
        match q.column.kind {
            ColumnKind::Advice => self.advice[q],
            ColumnKind::Fixed => self.fixed[q],
            ColumnKind::Instance => self.instance[q],
        }
    }

    pub fn load(&self, q: &Query) -> String {
        format!("mload({:#x})", self.of(q))
    }
}

/// The expression as Yul; every value stays in [0, r] (negation is r − x).
pub fn expression(e: &Expression, slots: &Slots) -> String {
    match e {
        Expression::Constant(c) => fr(c),
        Expression::Query(q) => slots.load(q),
        Expression::Negated(a) => format!("sub(R, {})", expression(a, slots)),
        Expression::Sum(a, b) => format!("addmod({}, {}, R)", expression(a, slots), expression(b, slots)),
        Expression::Product(a, b) => format!("mulmod({}, {}, R)", expression(a, slots), expression(b, slots)),
        Expression::Scaled(a, c) => format!("mulmod({}, {}, R)", expression(a, slots), fr(c)),
    }
}

/// Σ_j θ^j·v_j by Horner from the last value (`zkaccel::plonk::lookup::compress`).
pub fn compress(values: &[String], theta: &str) -> String {
    let mut it = values.iter().rev();
    let mut acc = it.next().expect("at least one value").clone();
    for v in it {
        acc = format!("addmod(mulmod({acc}, {theta}, R), {v}, R)");
    }
    acc
}
