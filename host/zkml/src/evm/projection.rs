//! The projection argument on-chain (`docs/plonk.md` §15): the contract computes the
//! challenge-dependent values itself — r_g = ρ^g over the global output index, Σ_a c_a(ζ)·a(ζ)
//! through v = rᵀW, and T = Σ r_g·b_g — from W, b and the cells of the verifying key.
//!
//! W does not fit in contract code (the MLP's 100 480 weights), so the key's projection data
//! live in **data contracts** (SSTORE2-style: runtime code = `0x00 ‖ data`, at most 24 575 data
//! bytes each, the leading STOP makes them uncallable). The verifier is constructed with their
//! addresses and, on every call, checks each one's `extcodehash` against a constant written into
//! the verifier at generation time (Keccak-256 of exactly the code it then reads with
//! `extcodecopy`), so the bytes it computes with are the key's. A data contract whose code
//! differs in one byte (or an address without code) makes the verifier revert with
//! [`super::contract::reject::DATA`]. The transcript absorbs the key's digest as before, which
//! binds W, b and the cells a second time.
//!
//! The data blob, in order:
//!
//! ```text
//! cells: for each projection (declaration order): its x cells, then its y cells; each 34 bytes:
//!        the memory address (u16, big-endian) of the column's a(ζ) in the contract, ω^row (32 bytes)
//! per projection: W row-major, m·k entries of `w_W` bytes each, big-endian, offset by 2^(8·w_W − 1)
//!        (so W_ji + 2^(8·w_W − 1) ∈ [0, 2^(8·w_W))), then b, m entries of `w_b` bytes likewise
//! ```
//!
//! With λ_c = ω^row/(ζ − ω^row)·a_col(ζ) per cell (one batch inversion) and
//! L_row(ζ) = λ-factor·Z_H(ζ)/n, the contract evaluates per projection
//! Σ_j r_j·(λ_(y_j) − Σ_i W_ji·λ_(x_i)) = Σ_cells c·L_row(ζ)·a_col(ζ) (the sum over x of
//! v_i·λ_(x_i) regrouped by output), and T = Σ_j r_j·b_j, with the offset removed once per row:
//! Σ_i (W_ji + o)·λ_i − o·Σ_i λ_i. Work: one mulmod and one addition per weight.
//! Convolutions by projection (§19) are not supported on-chain (refused).

use ark_ff::{BigInteger, Field, PrimeField};
use zkaccel::plonk::{ColumnKind, Query, VerifyingKey};
use zkaccel::Fr;

use super::layout::fr_word;
use crate::error::{Error, Result};
use crate::exit_code::ExitCode;

/// Data bytes per data contract (runtime code `0x00 ‖ data` ≤ the EIP-170 limit of 24 576).
pub const CHUNK: usize = 24_575;

/// Bytes per cell in the blob: u16 address of a(ζ) and ω^row.
pub const CELL_BYTES: usize = 34;

/// One projection's place in the blob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    /// Inputs k and outputs m.
    pub inputs: usize,
    pub outputs: usize,
    /// Index of its first x cell in the cell list (its y cells follow its x cells).
    pub first_cell: usize,
    /// Byte offset of W in the blob, and bytes per weight.
    pub weights_at: usize,
    pub weight_width: usize,
    /// Byte offset of b in the blob, and bytes per bias.
    pub bias_at: usize,
    pub bias_width: usize,
}

/// The projection data of a key: the blob, its sections, and its data contracts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectionData {
    pub blob: Vec<u8>,
    pub cells: usize,
    pub sections: Vec<Section>,
}

/// An entry as a signed integer, if it is one of 64 bits (`x` or `r − x` below 2^63).
fn small_int(x: &Fr) -> Option<i64> {
    let fits = |b: &<Fr as PrimeField>::BigInt| b.num_bits() <= 63;
    let v = x.into_bigint();
    if fits(&v) {
        return Some(v.as_ref()[0] as i64);
    }
    let n = (-*x).into_bigint();
    fits(&n).then(|| -(n.as_ref()[0] as i64))
}

/// The fewest of 1, 2, 4, 8 bytes that hold every entry as w + 2^(8·width − 1) ∈ [0, 2^(8·width)).
fn width_of(values: &[i64]) -> usize {
    let (lo, hi) = values.iter().fold((0i64, 0i64), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    [1usize, 2, 4, 8].into_iter().find(|&w| w == 8 || (lo >= -(1i64 << (8 * w - 1)) && hi < (1i64 << (8 * w - 1)))).expect("8 bytes hold every i64")
}

/// `v + 2^(8·width − 1)` as `width` big-endian bytes.
fn push_offset(out: &mut Vec<u8>, v: i64, width: usize) {
    let u = (v as i128 + (1i128 << (8 * width - 1))) as u128;
    out.extend_from_slice(&u.to_be_bytes()[16 - width..]);
}

impl ProjectionData {
    /// The blob of `vk`'s projections; `eval_address(query)` is where the contract keeps the
    /// query's evaluation. `None` without projections. Refused: convolution projections and
    /// weights that are not 64-bit integers (quantized models' never are).
    pub fn of(vk: &VerifyingKey, eval_address: impl Fn(&Query) -> Option<usize>) -> Result<Option<Self>> {
        let cs = vk.cs();
        if !cs.conv_projections.is_empty() {
            return Err(Error::new(
                ExitCode::BadInput,
                format!(
                    "the verifying key proves {} convolution(s) by projection (settings run_args.matmul_layout = \"projection\"): not supported on-chain; regenerate the settings with `gen-settings --matmul-layout mac`",
                    cs.conv_projections.len()
                ),
            ));
        }
        if cs.projections.is_empty() {
            return Ok(None);
        }
        let domain = vk.domain();
        let mut blob = vec![];
        let mut cells = 0;
        for p in &cs.projections {
            for c in p.inputs.iter().chain(&p.outputs) {
                let q = Query { column: c.column, rotation: 0 };
                let at = (c.column.kind == ColumnKind::Advice)
                    .then(|| eval_address(&q))
                    .flatten()
                    .ok_or_else(|| Error::artifact(format!("projection {:?}: the key does not open column {:?} at the current row", p.name, c.column)))?;
                let at = u16::try_from(at).map_err(|_| Error::artifact("an evaluation's address does not fit 16 bits"))?;
                blob.extend_from_slice(&at.to_be_bytes());
                blob.extend_from_slice(&fr_word(&domain.omega.pow([c.row as u64])));
                cells += 1;
            }
        }
        let mut sections = vec![];
        let mut first_cell = 0;
        for p in &cs.projections {
            let ints = |xs: &[Fr], what: &str| -> Result<Vec<i64>> {
                xs.iter()
                    .map(|x| {
                        small_int(x).ok_or_else(|| {
                            Error::new(ExitCode::BadInput, format!("projection {:?}: a {what} is not a 64-bit integer: not supported on-chain", p.name))
                        })
                    })
                    .collect()
            };
            let w = ints(&p.weights, "weight")?;
            let b = ints(&p.bias, "bias")?;
            let (ww, wb) = (width_of(&w), width_of(&b));
            let weights_at = blob.len();
            w.iter().for_each(|&v| push_offset(&mut blob, v, ww));
            let bias_at = blob.len();
            b.iter().for_each(|&v| push_offset(&mut blob, v, wb));
            sections.push(Section {
                name: p.name.clone(),
                inputs: p.inputs.len(),
                outputs: p.outputs.len(),
                first_cell,
                weights_at,
                weight_width: ww,
                bias_at,
                bias_width: wb,
            });
            first_cell += p.inputs.len() + p.outputs.len();
        }
        Ok(Some(Self { blob, cells, sections }))
    }

    /// The runtime code of each data contract: `0x00 ‖ chunk`.
    pub fn runtimes(&self) -> Vec<Vec<u8>> {
        self.blob.chunks(CHUNK).map(|c| [&[0u8][..], c].concat()).collect()
    }

    /// Keccak-256 of each data contract's runtime code (what `extcodehash` returns).
    pub fn code_hashes(&self) -> Vec<[u8; 32]> {
        self.runtimes().iter().map(|r| revm::primitives::keccak256(r).0).collect()
    }

    /// The number of weights.
    pub fn weights(&self) -> usize {
        self.sections.iter().map(|s| s.inputs * s.outputs).sum()
    }
}

/// Creation code of a data contract: copies `runtime` out of itself and returns it.
pub fn data_init_code(runtime: &[u8]) -> Vec<u8> {
    assert!(runtime.len() <= 0xffff, "a data contract's code fits PUSH2");
    let len = (runtime.len() as u16).to_be_bytes();
    // PUSH2 len, DUP1, PUSH1 12, PUSH1 0, CODECOPY, PUSH1 0, RETURN; then the runtime.
    let mut code = vec![0x61, len[0], len[1], 0x80, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3];
    code.extend_from_slice(runtime);
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_take_the_fewest_bytes_with_the_offset() {
        assert_eq!(small_int(&Fr::from(5u64)), Some(5));
        assert_eq!(small_int(&-Fr::from(128u64)), Some(-128));
        assert_eq!(small_int(&Fr::from(2u64).pow([200u64])), None);
        assert_eq!(width_of(&[-128, 127]), 1);
        assert_eq!(width_of(&[-129, 0]), 2);
        assert_eq!(width_of(&[0, 128]), 2);
        assert_eq!(width_of(&[1 << 40]), 8);
        let mut out = vec![];
        push_offset(&mut out, -128, 1);
        push_offset(&mut out, 127, 1);
        push_offset(&mut out, -1, 2);
        push_offset(&mut out, i64::MIN, 8);
        assert_eq!(out, vec![0, 255, 0x7f, 0xff, 0, 0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn the_data_contract_creation_code_returns_its_runtime() {
        let code = data_init_code(&[0, 1, 2]);
        assert_eq!(code.len(), 12 + 3);
        assert_eq!(&code[1..3], &[0, 3]);
        assert_eq!(code[5] as usize, 12, "the runtime starts after the 12-byte prefix");
    }
}
