//! Development aid: checks a witness row by row (gates, lookups, projections, copies) and names what fails (the prover itself only
//! learns that the quotient is not a polynomial).

use super::circuit::{pad_columns, ColumnKind, ConstraintSystem, FixedAssignment, Query, Witness};
use crate::error::{Error, Result};
use crate::Fr;
use ark_ff::Zero;

/// One failed check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    Gate { gate: String, constraint: usize, row: usize },
    Copy { a: super::Cell, b: super::Cell },
    /// A row whose lookup input tuple is not in the table.
    Lookup { lookup: String, row: usize },
    /// An output of a projection with y_j ≠ Σ_i W_ji·x_i + b_j (in the field).
    Projection { projection: String, output: usize },
}

/// Evaluates every gate on every row and every copy constraint. Returns the failures (at most
/// `limit`), or an error if the assignment has the wrong shape.
pub fn check_witness(
    cs: &ConstraintSystem,
    circuit: &FixedAssignment,
    witness: &Witness,
    instances: &[Vec<Fr>],
    limit: usize,
) -> Result<Vec<Failure>> {
    let n = 1usize << circuit.k;
    let fixed = pad_columns("fixed", &circuit.fixed, cs.num_fixed, n)?;
    let advice = pad_columns("advice", &witness.advice, cs.num_advice, n)?;
    let instance = pad_columns("instance", instances, cs.num_instance, n)?;
    let value = |kind: ColumnKind, index: usize, row: usize| -> Fr {
        match kind {
            ColumnKind::Fixed => fixed[index][row],
            ColumnKind::Advice => advice[index][row],
            ColumnKind::Instance => instance[index][row],
        }
    };
    let mut out = vec![];
    for gate in &cs.gates {
        for (ci, e) in gate.constraints.iter().enumerate() {
            for row in 0..n {
                let q = |q: Query| {
                    let r = (row as i64 + q.rotation as i64).rem_euclid(n as i64) as usize;
                    value(q.column.kind, q.column.index, r)
                };
                if !e.evaluate(&q).is_zero() {
                    out.push(Failure::Gate { gate: gate.name.clone(), constraint: ci, row });
                    if out.len() >= limit {
                        return Ok(out);
                    }
                }
            }
        }
    }
    for lk in &cs.lookups {
        let reader = super::lookup::prover::column_reader(&advice, &fixed, &instance);
        let inputs: Vec<Vec<Fr>> = lk.inputs.iter().map(|e| super::lookup::prover::expression_on_rows(e, &reader, n)).collect();
        let table: Vec<&[Fr]> = lk.table.iter().map(|c| reader(*c)).collect();
        let r = crate::backend::host_lookup_multiplicities(&table, &inputs.iter().map(|v| v.as_slice()).collect::<Vec<_>>());
        for row in r.missing {
            out.push(Failure::Lookup { lookup: lk.name.clone(), row });
            if out.len() >= limit {
                return Ok(out);
            }
        }
    }
    for p in &cs.projections {
        let cell = |c: &super::Cell| -> Result<Fr> {
            if c.row >= n {
                return Err(Error::Circuit(format!("projection {:?}: cell {c:?} outside the rows", p.name)));
            }
            Ok(value(c.column.kind, c.column.index, c.row))
        };
        let x: Vec<Fr> = p.inputs.iter().map(cell).collect::<Result<_>>()?;
        for (j, y) in p.outputs.iter().enumerate() {
            let w = &p.weights[j * x.len()..(j + 1) * x.len()];
            let expected: Fr = w.iter().zip(&x).map(|(w, x)| *w * x).sum::<Fr>() + p.bias[j];
            if cell(y)? != expected {
                out.push(Failure::Projection { projection: p.name.clone(), output: j });
                if out.len() >= limit {
                    return Ok(out);
                }
            }
        }
    }
    for p in &cs.conv_projections {
        let cell = |c: &super::Cell| -> Result<Fr> {
            if c.row >= n {
                return Err(Error::Circuit(format!("projection {:?}: cell {c:?} outside the rows", p.name)));
            }
            Ok(value(c.column.kind, c.column.index, c.row))
        };
        let x: Vec<Fr> = p.inputs.iter().map(cell).collect::<Result<_>>()?;
        for (j, (y, expected)) in p.outputs.iter().zip(p.apply(&x)).enumerate() {
            if cell(y)? != expected {
                out.push(Failure::Projection { projection: p.name.clone(), output: j });
                if out.len() >= limit {
                    return Ok(out);
                }
            }
        }
    }
    for (a, b) in &circuit.copies {
        if a.row >= n || b.row >= n {
            return Err(Error::Circuit("copy constraint outside the rows".into()));
        }
        if value(a.column.kind, a.column.index, a.row) != value(b.column.kind, b.column.index, b.row) {
            out.push(Failure::Copy { a: *a, b: *b });
            if out.len() >= limit {
                break;
            }
        }
    }
    Ok(out)
}
