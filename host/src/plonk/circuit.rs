//! Column and gate declarations: the one place where a circuit's constraints are stated.
//!
//! A circuit has three kinds of columns, each a vector of n = 2^k values (one per row):
//! * **fixed** columns (selectors, constants, later fixed weight columns) — part of the key;
//! * **advice** columns (the private witness) — committed by the prover, blinded;
//! * **instance** columns (public inputs) — known to the verifier, which evaluates them itself.
//!
//! A **gate** is a list of polynomial identities over *queries* — a column at a row rotation
//! (`a.cur()`, `a.next()`, `a.rot(-1)`) — that must vanish on every row (rotations wrap around
//! the domain). The prover's quotient and the verifier's check both evaluate the declared
//! expressions generically, so new gates (custom gates, later lookups) need no change to the
//! prover's rounds. Columns with equality enabled take part in the copy-constraint (permutation)
//! argument.

use std::collections::BTreeSet;
use std::ops::{Add, Mul, Neg, Sub};

use ark_ff::Zero;

use crate::error::{Error, Result};
use crate::Fr;

/// The kind of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ColumnKind {
    Fixed,
    Advice,
    Instance,
}

/// A column of the circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Column {
    pub kind: ColumnKind,
    pub index: usize,
}

impl Column {
    /// This column at the current row.
    pub fn cur(self) -> Expression {
        self.rot(0)
    }
    /// This column at the next row.
    pub fn next(self) -> Expression {
        self.rot(1)
    }
    /// This column at row + `rotation`.
    pub fn rot(self, rotation: i32) -> Expression {
        Expression::Query(Query { column: self, rotation })
    }
}

/// A column at a rotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Query {
    pub column: Column,
    pub rotation: i32,
}

/// A polynomial expression over queries.
#[derive(Clone, Debug, PartialEq)]
pub enum Expression {
    Constant(Fr),
    Query(Query),
    Negated(Box<Expression>),
    Sum(Box<Expression>, Box<Expression>),
    Product(Box<Expression>, Box<Expression>),
    Scaled(Box<Expression>, Fr),
}

impl Expression {
    /// The degree in the column polynomials (a query has degree 1).
    pub fn degree(&self) -> usize {
        match self {
            Expression::Constant(_) => 0,
            Expression::Query(_) => 1,
            Expression::Negated(e) | Expression::Scaled(e, _) => e.degree(),
            Expression::Sum(a, b) => a.degree().max(b.degree()),
            Expression::Product(a, b) => a.degree() + b.degree(),
        }
    }

    /// Evaluates the expression, reading each query through `query`.
    pub fn evaluate(&self, query: &impl Fn(Query) -> Fr) -> Fr {
        match self {
            Expression::Constant(c) => *c,
            Expression::Query(q) => query(*q),
            Expression::Negated(e) => -e.evaluate(query),
            Expression::Sum(a, b) => a.evaluate(query) + b.evaluate(query),
            Expression::Product(a, b) => a.evaluate(query) * b.evaluate(query),
            Expression::Scaled(e, c) => e.evaluate(query) * c,
        }
    }

    /// Evaluates the expression at `len` points at once (the prover's quotient works on chunks of
    /// the extended coset): `leaf(q, out)` writes the query's values at those points into `out`.
    /// Point by point the result equals [`Self::evaluate`].
    pub(crate) fn evaluate_many(&self, len: usize, leaf: &impl Fn(Query, &mut [Fr])) -> Vec<Fr> {
        match self {
            Expression::Constant(c) => vec![*c; len],
            Expression::Query(q) => {
                let mut out = vec![<Fr as ark_ff::Zero>::zero(); len];
                leaf(*q, &mut out);
                out
            }
            Expression::Negated(e) => {
                let mut v = e.evaluate_many(len, leaf);
                v.iter_mut().for_each(|x| *x = -*x);
                v
            }
            Expression::Sum(a, b) => {
                let mut v = a.evaluate_many(len, leaf);
                match &**b {
                    Expression::Constant(c) => v.iter_mut().for_each(|x| *x += c),
                    _ => v.iter_mut().zip(b.evaluate_many(len, leaf)).for_each(|(x, y)| *x += y),
                }
                v
            }
            Expression::Product(a, b) => {
                let mut v = a.evaluate_many(len, leaf);
                match &**b {
                    Expression::Constant(c) => v.iter_mut().for_each(|x| *x *= c),
                    _ => v.iter_mut().zip(b.evaluate_many(len, leaf)).for_each(|(x, y)| *x *= y),
                }
                v
            }
            Expression::Scaled(e, c) => {
                let mut v = e.evaluate_many(len, leaf);
                v.iter_mut().for_each(|x| *x *= c);
                v
            }
        }
    }

    /// Calls `f` on every query of the expression.
    pub fn for_each_query(&self, f: &mut impl FnMut(Query)) {
        match self {
            Expression::Constant(_) => {}
            Expression::Query(q) => f(*q),
            Expression::Negated(e) | Expression::Scaled(e, _) => e.for_each_query(f),
            Expression::Sum(a, b) | Expression::Product(a, b) => {
                a.for_each_query(f);
                b.for_each_query(f);
            }
        }
    }

    /// The depth of the expression tree.
    pub fn depth(&self) -> usize {
        match self {
            Expression::Constant(_) | Expression::Query(_) => 1,
            Expression::Negated(e) | Expression::Scaled(e, _) => 1 + e.depth(),
            Expression::Sum(a, b) | Expression::Product(a, b) => 1 + a.depth().max(b.depth()),
        }
    }
}

impl From<Fr> for Expression {
    fn from(c: Fr) -> Self {
        Expression::Constant(c)
    }
}

impl Add for Expression {
    type Output = Expression;
    fn add(self, rhs: Expression) -> Expression {
        Expression::Sum(Box::new(self), Box::new(rhs))
    }
}

impl Sub for Expression {
    type Output = Expression;
    fn sub(self, rhs: Expression) -> Expression {
        Expression::Sum(Box::new(self), Box::new(-rhs))
    }
}

impl Mul for Expression {
    type Output = Expression;
    fn mul(self, rhs: Expression) -> Expression {
        Expression::Product(Box::new(self), Box::new(rhs))
    }
}

impl Mul<Fr> for Expression {
    type Output = Expression;
    fn mul(self, rhs: Fr) -> Expression {
        Expression::Scaled(Box::new(self), rhs)
    }
}

impl Neg for Expression {
    type Output = Expression;
    fn neg(self) -> Expression {
        Expression::Negated(Box::new(self))
    }
}

/// A named set of identities that hold on every row.
#[derive(Clone, Debug, PartialEq)]
pub struct Gate {
    pub name: String,
    pub constraints: Vec<Expression>,
}

/// The largest |rotation| a query may use.
pub const MAX_ROTATION: i32 = 64;
/// The deepest expression accepted (bounds recursion when decoding keys).
pub const MAX_EXPRESSION_DEPTH: usize = 64;

/// All declarations of a circuit: columns, gates, and the columns with equality enabled.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConstraintSystem {
    pub num_fixed: usize,
    pub num_advice: usize,
    pub num_instance: usize,
    pub gates: Vec<Gate>,
    /// Columns in the permutation argument (advice or fixed), in declaration order.
    pub permutation: Vec<Column>,
    /// Lookups into fixed tables (`plonk::lookup`), in declaration order.
    pub lookups: Vec<super::lookup::Lookup>,
    /// Matrix–vector products y = W·x + b with public W, b (`plonk::projection`), in
    /// declaration order (which fixes each output's power of the challenge ρ).
    pub projections: Vec<super::projection::Projection>,
    /// Convolutions y = T_W·x + b with public W, b (`plonk::projection::conv`), after the
    /// matrix products on the global output index, in declaration order.
    pub conv_projections: Vec<super::projection::ConvProjection>,
}

/// The queries a circuit makes, sorted and de-duplicated, by column kind. The order fixes the
/// order of evaluations in a proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Queries {
    pub advice: Vec<Query>,
    pub fixed: Vec<Query>,
    pub instance: Vec<Query>,
}

impl ConstraintSystem {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn fixed_column(&mut self) -> Column {
        self.num_fixed += 1;
        Column { kind: ColumnKind::Fixed, index: self.num_fixed - 1 }
    }

    pub fn advice_column(&mut self) -> Column {
        self.num_advice += 1;
        Column { kind: ColumnKind::Advice, index: self.num_advice - 1 }
    }

    pub fn instance_column(&mut self) -> Column {
        self.num_instance += 1;
        Column { kind: ColumnKind::Instance, index: self.num_instance - 1 }
    }

    /// Lets copy constraints refer to `column` (advice or fixed).
    pub fn enable_equality(&mut self, column: Column) {
        if !self.permutation.contains(&column) {
            self.permutation.push(column);
        }
    }

    /// Declares a gate.
    pub fn create_gate(&mut self, name: impl Into<String>, constraints: Vec<Expression>) {
        self.gates.push(Gate { name: name.into(), constraints });
    }

    /// Declares a lookup: on every row, the tuple of `inputs` must be a row of the fixed `table`
    /// columns (as many as inputs). Unused rows must evaluate to a table row too (multiply the
    /// inputs by a selector and put the all-zero tuple in the table).
    pub fn lookup(&mut self, name: impl Into<String>, inputs: Vec<Expression>, table: Vec<Column>) {
        self.lookups.push(super::lookup::Lookup { name: name.into(), inputs, table });
    }

    /// Declares a product y = W·x + b with public `weights` (row-major, outputs × inputs) and
    /// `bias` over advice cells (`plonk::projection`).
    pub fn project(&mut self, name: impl Into<String>, inputs: Vec<Cell>, outputs: Vec<Cell>, weights: Vec<Fr>, bias: Vec<Fr>) {
        self.projections.push(super::projection::Projection { name: name.into(), inputs, outputs, weights: weights.into(), bias });
    }

    /// Declares a convolution y = T_W·x + b over advice cells with public kernel and bias
    /// (`plonk::projection::conv`).
    pub fn project_conv(&mut self, conv: super::projection::ConvProjection) {
        self.conv_projections.push(conv);
    }

    /// The highest degree of any lookup constraint (0 without lookups).
    pub fn lookup_degree(&self) -> usize {
        self.lookups.iter().map(|l| l.degree()).max().unwrap_or(0)
    }

    /// Checks that every declaration is well formed.
    pub fn validate(&self) -> Result<()> {
        let in_range = |c: &Column| match c.kind {
            ColumnKind::Fixed => c.index < self.num_fixed,
            ColumnKind::Advice => c.index < self.num_advice,
            ColumnKind::Instance => c.index < self.num_instance,
        };
        for c in &self.permutation {
            if !in_range(c) {
                return Err(Error::Circuit(format!("permutation column {c:?} is not declared")));
            }
            if c.kind == ColumnKind::Instance {
                return Err(Error::Circuit("instance columns cannot take part in copy constraints".into()));
            }
        }
        let distinct: BTreeSet<_> = self.permutation.iter().collect();
        if distinct.len() != self.permutation.len() {
            return Err(Error::Circuit("a column is listed twice in the permutation".into()));
        }
        for lk in &self.lookups {
            if lk.inputs.is_empty() || lk.inputs.len() != lk.table.len() {
                return Err(Error::Circuit(format!(
                    "lookup {:?}: {} inputs for {} table columns (at least one each, as many inputs as columns)",
                    lk.name,
                    lk.inputs.len(),
                    lk.table.len()
                )));
            }
            if let Some(c) = lk.table.iter().find(|c| c.kind != ColumnKind::Fixed || !in_range(c)) {
                return Err(Error::Circuit(format!("lookup {:?}: table column {c:?} is not a declared fixed column", lk.name)));
            }
            for e in &lk.inputs {
                if e.depth() > MAX_EXPRESSION_DEPTH {
                    return Err(Error::Circuit(format!("lookup {:?}: expression deeper than {MAX_EXPRESSION_DEPTH}", lk.name)));
                }
                let mut bad = None;
                e.for_each_query(&mut |q| {
                    if !in_range(&q.column) || q.rotation.unsigned_abs() > MAX_ROTATION as u32 {
                        bad = Some(q);
                    }
                });
                if let Some(q) = bad {
                    return Err(Error::Circuit(format!("lookup {:?}: invalid query {q:?}", lk.name)));
                }
            }
        }
        for p in &self.projections {
            p.validate(self.num_advice)?;
        }
        for p in &self.conv_projections {
            p.validate(self.num_advice)?;
        }
        for g in &self.gates {
            for e in &g.constraints {
                if e.depth() > MAX_EXPRESSION_DEPTH {
                    return Err(Error::Circuit(format!("gate {:?}: expression deeper than {MAX_EXPRESSION_DEPTH}", g.name)));
                }
                let mut bad = None;
                e.for_each_query(&mut |q| {
                    if !in_range(&q.column) || q.rotation.unsigned_abs() > MAX_ROTATION as u32 {
                        bad = Some(q);
                    }
                });
                if let Some(q) = bad {
                    return Err(Error::Circuit(format!("gate {:?}: invalid query {q:?}", g.name)));
                }
            }
        }
        Ok(())
    }

    /// The queries made by the gates and the lookup inputs, plus the current-row query of every
    /// permutation column and lookup table column.
    pub fn queries(&self) -> Queries {
        let mut set = BTreeSet::new();
        for g in &self.gates {
            for e in &g.constraints {
                e.for_each_query(&mut |q| {
                    set.insert(q);
                });
            }
        }
        for c in &self.permutation {
            set.insert(Query { column: *c, rotation: 0 });
        }
        for lk in &self.lookups {
            for e in &lk.inputs {
                e.for_each_query(&mut |q| {
                    set.insert(q);
                });
            }
            for c in &lk.table {
                set.insert(Query { column: *c, rotation: 0 });
            }
        }
        for c in super::projection::columns_with(&self.projections, &self.conv_projections) {
            set.insert(Query { column: c, rotation: 0 });
        }
        let of = |kind| set.iter().filter(|q| q.column.kind == kind).copied().collect::<Vec<_>>();
        Queries { advice: of(ColumnKind::Advice), fixed: of(ColumnKind::Fixed), instance: of(ColumnKind::Instance) }
    }

    /// The highest degree of any gate identity (at least 1). The permutation argument's degree is
    /// decided by [`crate::plonk::Shape`], which splits the permutation columns into chunks.
    pub fn gate_degree(&self) -> usize {
        self.gates.iter().flat_map(|g| &g.constraints).map(|e| e.degree()).max().unwrap_or(0).max(1)
    }
}

/// A cell: a column at a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cell {
    pub column: Column,
    pub row: usize,
}

/// The circuit's structure known at key generation: fixed column values and copy constraints.
#[derive(Clone, Debug, PartialEq)]
pub struct FixedAssignment {
    /// log2 of the number of rows.
    pub k: u32,
    /// One vector per fixed column, each at most n long (shorter ones are zero-padded).
    pub fixed: Vec<Vec<Fr>>,
    /// Pairs of cells that must hold equal values (columns must have equality enabled).
    pub copies: Vec<(Cell, Cell)>,
}

/// The prover's private values: one vector per advice column, each at most n long.
#[derive(Clone, Debug, PartialEq)]
pub struct Witness {
    pub advice: Vec<Vec<Fr>>,
}

/// Pads each column to n rows, checking counts and lengths.
pub(crate) fn pad_columns(what: &str, cols: &[Vec<Fr>], count: usize, n: usize) -> Result<Vec<Vec<Fr>>> {
    if cols.len() != count {
        return Err(Error::Witness(format!("{what}: {} columns given, the circuit has {count}", cols.len())));
    }
    cols.iter()
        .enumerate()
        .map(|(i, c)| {
            if c.len() > n {
                return Err(Error::Witness(format!("{what} column {i}: {} values for {n} rows", c.len())));
            }
            let mut v = c.clone();
            v.resize(n, Fr::zero());
            Ok(v)
        })
        .collect()
}
