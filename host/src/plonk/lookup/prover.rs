//! The prover's lookup stages: the multiplicities (round 1, after the advice columns) and the
//! running sums (round 2, after θ and β_L). Counting and the batch inversion go through the
//! `Backend` (`lookup_multiplicities`, `batch_invert`).

use ark_ff::Zero;
use rand::{CryptoRng, RngCore};

use super::{compress, Lookup, M_BLINDING, PHI_BLINDING};
use crate::error::{Error, Result};
use crate::plonk::circuit::{Column, ColumnKind, Expression};
use crate::plonk::round::{commit_blinded, Committed, Ctx};
use crate::Fr;

/// The values of each lookup's input expressions and table columns on H.
pub(crate) struct LookupValues {
    /// Per lookup, per tuple entry: the input expression on every row.
    pub inputs: Vec<Vec<Vec<Fr>>>,
    /// Per lookup, per tuple entry: the table column.
    pub tables: Vec<Vec<Vec<Fr>>>,
    /// Per lookup: m on H.
    pub m: Vec<Vec<Fr>>,
}

/// An expression's value on every row of H (rotations wrap around).
pub(crate) fn expression_on_rows<'a>(e: &Expression, column: &impl Fn(Column) -> &'a [Fr], n: usize) -> Vec<Fr> {
    (0..n)
        .map(|i| {
            e.evaluate(&|q| {
                let r = (i as i64 + q.rotation as i64).rem_euclid(n as i64) as usize;
                column(q.column)[r]
            })
        })
        .collect()
}

/// Counts the multiplicities. With `check_witness`, an input tuple outside the table is an error
/// naming the lookup and the row; without it (tests of the verifier) such rows are left out of
/// the count and the proof will not verify.
pub(crate) fn multiplicities<'a>(
    ctx: &Ctx<'_>,
    lookups: &[Lookup],
    column: &impl Fn(Column) -> &'a [Fr],
    check_witness: bool,
) -> Result<LookupValues> {
    let n = ctx.shape.n;
    let mut out = LookupValues { inputs: vec![], tables: vec![], m: vec![] };
    for lk in lookups {
        let inputs: Vec<Vec<Fr>> = lk.inputs.iter().map(|e| expression_on_rows(e, column, n)).collect();
        let tables: Vec<Vec<Fr>> = lk.table.iter().map(|c| column(*c).to_vec()).collect();
        let r = ctx.backend.lookup_multiplicities(
            &tables.iter().map(|v| v.as_slice()).collect::<Vec<_>>(),
            &inputs.iter().map(|v| v.as_slice()).collect::<Vec<_>>(),
        )?;
        if check_witness {
            if let Some(&row) = r.missing.first() {
                return Err(Error::Witness(format!(
                    "lookup {:?}: the input at row {row} is not in the table ({} rows miss it)",
                    lk.name,
                    r.missing.len()
                )));
            }
        }
        out.inputs.push(inputs);
        out.tables.push(tables);
        out.m.push(r.counts);
    }
    Ok(out)
}

/// Round 1 (after the advice columns): the blinded multiplicity columns, one MSM call.
pub(crate) fn commit_multiplicities(ctx: &Ctx<'_>, values: &LookupValues, rng: &mut (impl RngCore + CryptoRng)) -> Result<Vec<Committed>> {
    if values.m.is_empty() {
        return Ok(vec![]);
    }
    let refs: Vec<&[Fr]> = values.m.iter().map(|v| v.as_slice()).collect();
    commit_blinded(ctx, &refs, &vec![M_BLINDING; refs.len()], rng)
}

/// The running sums φ on H: φ(ω^0) = 0, φ(ω^{i+1}) = φ(ω^i) + 1/(β_L + f_i) − m_i/(β_L + t_i).
/// One batch inversion (on the backend) for all lookups.
pub(crate) fn running_sums(ctx: &Ctx<'_>, values: &LookupValues, theta: Fr, beta: Fr) -> Result<Vec<Vec<Fr>>> {
    let n = ctx.shape.n;
    if values.m.is_empty() {
        return Ok(vec![]);
    }
    let mut den: Vec<Fr> = Vec::with_capacity(2 * n * values.m.len());
    for (inputs, tables) in values.inputs.iter().zip(&values.tables) {
        den.extend((0..n).map(|i| beta + compress(inputs.iter().map(|c| c[i]), theta)));
        den.extend((0..n).map(|i| beta + compress(tables.iter().map(|c| c[i]), theta)));
    }
    if den.iter().any(|d| d.is_zero()) {
        // Probability ~ rows/|Fr| over the choice of β_L.
        return Err(Error::Witness("a lookup denominator is zero for this β_L".into()));
    }
    ctx.backend.batch_invert(&mut den)?;
    Ok(values
        .m
        .iter()
        .enumerate()
        .map(|(l, m)| {
            let (inv_f, inv_t) = den[2 * n * l..2 * n * (l + 1)].split_at(n);
            let mut phi = Vec::with_capacity(n);
            let mut acc = Fr::zero();
            for i in 0..n {
                phi.push(acc);
                acc += inv_f[i] - m[i] * inv_t[i];
            }
            phi
        })
        .collect())
}

/// Round 2: the blinded running sums (given on H), one MSM call.
pub(crate) fn commit_running_sums(ctx: &Ctx<'_>, phi: &[Vec<Fr>], rng: &mut (impl RngCore + CryptoRng)) -> Result<Vec<Committed>> {
    if phi.is_empty() {
        return Ok(vec![]);
    }
    let refs: Vec<&[Fr]> = phi.iter().map(|v| v.as_slice()).collect();
    commit_blinded(ctx, &refs, &vec![PHI_BLINDING; refs.len()], rng)
}

/// The column a lookup input or table reads, from the padded witness, fixed and instance values.
pub(crate) fn column_reader<'a>(advice: &'a [Vec<Fr>], fixed: &'a [Vec<Fr>], instance: &'a [Vec<Fr>]) -> impl Fn(Column) -> &'a [Fr] {
    move |c: Column| match c.kind {
        ColumnKind::Advice => advice[c.index].as_slice(),
        ColumnKind::Fixed => fixed[c.index].as_slice(),
        ColumnKind::Instance => instance[c.index].as_slice(),
    }
}

/// The committed lookup polynomials and challenges the quotient round needs.
pub(crate) struct LookupPolys<'a> {
    pub m: &'a [Committed],
    pub phi: &'a [Committed],
    pub theta: Fr,
    pub beta: Fr,
}
