//! Multiply-accumulate rows with fixed weight columns, and the proven fixed-point rescale.
//!
//! With `lanes` = L advice columns x_0 … x_{L−1}, L fixed weight columns w_0 … w_{L−1} and an
//! advice accumulator `acc`:
//!
//! * `mac`:       q_mac·(acc(ωX) − acc − Σ_i w_i·x_i) = 0   (L multiply-accumulates per row);
//! * `mac_start`: q_start·(acc − bias) = 0                   (a chain starts at the fixed bias);
//! * `rescale`:   q_out·(acc − 2^s·q − r) = 0, with the lookups
//!   `rescale_remainder`: q_out·r ∈ {0, …, 2^s − 1} and
//!   `relu`: (q_out·q, q_out·y) ∈ {(v, max(v, 0)) : −2^{b−1} ≤ v < 2^{b−1}}.
//!
//! The ReLU table range-checks q to b signed bits and the remainder table r to s bits, so
//! acc = 2^s·q + r has exactly one solution among integers of |acc| < 2^{b−1+s} (far below the
//! field size): q = ⌊acc / 2^s⌋ (floor, also for negative acc: −5 >> 2 = −2, r = 3), matching the
//! model importer (`host/onnx`). Without r's range check any r would fit some q.
//!
//! One output of W·x takes ⌈cols/L⌉ MAC rows and one rescale row; the weights are fixed columns
//! (committed once in the key), or advice columns ([`MacConfig::configure_with_weights`]) — then,
//! for private weights, [`MacConfig::pin_coefficients`] fixes every coefficient that is not a
//! model parameter ([`Pins`], docs/plonk.md §17). Inputs reach the x lanes by copy constraints:
//! the first use of an input defines its cell, every later use (other outputs, the next layer)
//! is copied from it.

use std::collections::HashMap;

use ark_ff::{BigInteger, Field, One, PrimeField, Zero};

use super::circuit::{Cell, Column, ColumnKind, ConstraintSystem, FixedAssignment, Witness};
use super::projection::{ConvProjection, Projection};
use crate::error::{Error, Result};
use crate::Fr;

/// The columns of the MAC/rescale layout.
#[derive(Clone, Debug)]
pub struct MacConfig {
    pub lanes: usize,
    /// The rescale shift s.
    pub shift: u32,
    /// The signed bit width b of rescaled values (the ReLU table has 2^b rows).
    pub bits: u32,
    pub x: Vec<Column>,
    pub w: Vec<Column>,
    pub acc: Column,
    pub q: Column,
    pub r: Column,
    pub y: Column,
    pub q_mac: Column,
    pub q_start: Column,
    pub bias: Column,
    pub q_out: Column,
    pub t_x: Column,
    pub t_y: Column,
    pub t_r: Column,
    /// With [`MacConfig::configure_limbs`]: the range checks of the rescale rows by limbs into
    /// one small table instead of the 2^b-row ReLU table and the 2^s-row remainder table (then
    /// t_x, t_y, t_r stay empty and unused).
    pub limbs: Option<Limbs>,
    /// With [`MacConfig::pin_coefficients`] (advice weight columns, i.e. private parameters): the
    /// pins that fix every coefficient that is not a model parameter.
    pub pins: Option<Pins>,
}

/// The pins of a MAC layout whose weight and bias columns are advice (docs/plonk.md §17). Per
/// lane i and for the bias, one fixed column c and the gate
///
///   `mac_pin_w{i}`: c_i·(w_i − c_i + K) = 0,   `mac_pin_bias`: c_b·(bias − c_b + K) = 0,
///
/// with K = [`pin_offset`] = 2^200: c = value + K where the coefficient of that row is
/// structural (fixed by the architecture: a parameter-free operator's coefficient, a lane the
/// row leaves unused, a bias that no model constant gives), so c ≠ 0 forces w = c − K = value;
/// c = 0 on a model parameter's cell and on rows where the column is not read (no `q_mac` /
/// `q_start`). The builder writes c = value + K only for |value| < 2^199 ([`pin_value`]), so
/// c ≠ 0 there. Every use of the same model parameter is copied from its first use
/// ([`Coef::Param`]), so shared weights (a convolution's kernel at every position, a Gemm's W
/// on every batch row, a broadcast bias) are one value each; the weight and bias columns get
/// equality only when some parameter is used more than once ([`MacBuilder::reuses_params`],
/// [`MacConfig::tie_params`]).
#[derive(Clone, Debug)]
pub struct Pins {
    /// c_i per lane.
    pub w: Vec<Column>,
    /// c_b.
    pub bias: Column,
}

/// The offset K of the pins: 2^200 (docs/plonk.md §17).
pub fn pin_offset() -> Fr {
    Fr::from(2u64).pow([200u64])
}

/// The pin c = value + K of a structural coefficient `value` (a field element read as a signed
/// integer): refused unless |value| < 2^199, so that c lies in (2^199, 3·2^199) and is never 0
/// (0 would leave the cell free, docs/plonk.md §17).
pub fn pin_value(value: Fr) -> Result<Fr> {
    let small = |v: Fr| v.into_bigint().num_bits() <= 199;
    if !(small(value) || small(-value)) {
        return Err(Error::Circuit(format!("a structural MAC coefficient {value} is not below 2^199 in magnitude: it cannot be pinned")));
    }
    Ok(value + pin_offset())
}

/// What one coefficient of a MAC product is, for a layout with [`Pins`] (ignored without).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Coef {
    /// Fixed by the architecture: pinned to the value laid out.
    Structural,
    /// A model parameter: free (private), but every coefficient with the same key holds the
    /// same cell value (copy constraints to the first). The key (tensor id, element) must
    /// determine the honest value: the builder refuses a key laid out with two values.
    Param(u32, u64),
}

/// The limb columns of a rescale row (`MacConfig::configure_limbs`): with h limb bits and the
/// table t = {0, …, 2^h − 1},
///
/// * r = r0 + 2^h·r1 with r0, r1 ∈ t (and 2^(2h−s)·r1 ∈ t when 2h > s): 0 ≤ r < 2^s;
/// * y = y0 + 2^h·y1, d = d0 + 2^h·d1 with every limb in t: 0 ≤ y, d < 2^(2h);
/// * d = y − q and y·d = 0: either d = 0 (q = y ≥ 0) or y = 0 (q = −d ≤ 0), so y = max(q, 0)
///   and |q| < 2^(2h).
///
/// 2h ≥ max(b − 1, s), so the honest values (q of b signed bits) fit; the proven bound 2^(2h)
/// (2h ≤ max(b − 1, s) + 1: wider than b bits when s ≥ b) replaces 2^(b−1) in the no-wrap
/// arguments (docs/plonk.md §16).
#[derive(Clone, Debug)]
pub struct Limbs {
    pub h: u32,
    pub d: Column,
    pub y0: Column,
    pub y1: Column,
    pub d0: Column,
    pub d1: Column,
    pub r0: Column,
    pub r1: Column,
    pub t: Column,
}

impl Limbs {
    /// The limb width for b signed bits and shift s: ⌈max(b − 1, s)/2⌉.
    pub fn width(bits: u32, shift: u32) -> u32 {
        (bits - 1).max(shift).div_ceil(2)
    }
}

/// A signed quantized value as a field element: negatives are `r − |v|`.
pub fn signed_to_fr(v: i64) -> Fr {
    if v < 0 {
        -Fr::from(v.unsigned_abs())
    } else {
        Fr::from(v as u64)
    }
}

impl MacConfig {
    /// Declares the columns, gates and lookups (weights and biases in fixed columns).
    pub fn configure(cs: &mut ConstraintSystem, lanes: usize, shift: u32, bits: u32) -> Self {
        Self::configure_with_weights(cs, lanes, shift, bits, ColumnKind::Fixed)
    }

    /// [`MacConfig::configure`] with the weight columns w_i and the bias column of the given kind:
    /// `Fixed` (in the key) or `Advice` (private per proof; the gates are the same expressions,
    /// of degree 3 instead of 2). Instance is not accepted: bind advice weights to public inputs
    /// with a gate of your own.
    pub fn configure_with_weights(cs: &mut ConstraintSystem, lanes: usize, shift: u32, bits: u32, weights: ColumnKind) -> Self {
        assert!(lanes >= 1 && (1..=30).contains(&shift) && (2..=30).contains(&bits));
        assert!(weights != ColumnKind::Instance, "weights are fixed or advice columns");
        let weight_column = |cs: &mut ConstraintSystem| match weights {
            ColumnKind::Advice => cs.advice_column(),
            _ => cs.fixed_column(),
        };
        let x: Vec<Column> = (0..lanes).map(|_| cs.advice_column()).collect();
        let w: Vec<Column> = (0..lanes).map(|_| weight_column(cs)).collect();
        let (acc, q, r, y) = (cs.advice_column(), cs.advice_column(), cs.advice_column(), cs.advice_column());
        let (q_mac, q_start) = (cs.fixed_column(), cs.fixed_column());
        let bias = weight_column(cs);
        let q_out = cs.fixed_column();
        let (t_x, t_y, t_r) = (cs.fixed_column(), cs.fixed_column(), cs.fixed_column());
        let dot = x.iter().zip(&w).map(|(x, w)| w.cur() * x.cur()).reduce(|a, b| a + b).expect("lanes ≥ 1");
        cs.create_gate("mac", vec![q_mac.cur() * (acc.next() - acc.cur() - dot)]);
        cs.create_gate("mac_start", vec![q_start.cur() * (acc.cur() - bias.cur())]);
        let two_s = Fr::from(1u64 << shift);
        cs.create_gate("rescale", vec![q_out.cur() * (acc.cur() - q.cur() * two_s - r.cur())]);
        cs.lookup("rescale_remainder", vec![q_out.cur() * r.cur()], vec![t_r]);
        cs.lookup("relu", vec![q_out.cur() * q.cur(), q_out.cur() * y.cur()], vec![t_x, t_y]);
        for c in x.iter().chain([&q, &y]) {
            cs.enable_equality(*c);
        }
        Self { lanes, shift, bits, x, w, acc, q, r, y, q_mac, q_start, bias, q_out, t_x, t_y, t_r, limbs: None, pins: None }
    }

    /// [`MacConfig::configure_with_weights`] whose rescale rows are range-checked by limbs
    /// ([`Limbs`]) into one table of 2^h rows, h = ⌈max(b − 1, s)/2⌉, so that the tables do not
    /// force the domain to 2^max(b, s) rows. The ReLU and remainder lookups are not declared (t_x,
    /// t_y, t_r stay empty: gadgets that look up in them cannot be used with this layout).
    pub fn configure_limbs(cs: &mut ConstraintSystem, lanes: usize, shift: u32, bits: u32, weights: ColumnKind) -> Self {
        assert!(lanes >= 1 && (1..=30).contains(&shift) && (2..=30).contains(&bits));
        assert!(weights != ColumnKind::Instance, "weights are fixed or advice columns");
        let weight_column = |cs: &mut ConstraintSystem| match weights {
            ColumnKind::Advice => cs.advice_column(),
            _ => cs.fixed_column(),
        };
        let x: Vec<Column> = (0..lanes).map(|_| cs.advice_column()).collect();
        let w: Vec<Column> = (0..lanes).map(|_| weight_column(cs)).collect();
        let (acc, q, r, y) = (cs.advice_column(), cs.advice_column(), cs.advice_column(), cs.advice_column());
        let (q_mac, q_start) = (cs.fixed_column(), cs.fixed_column());
        let bias = weight_column(cs);
        let q_out = cs.fixed_column();
        let (t_x, t_y, t_r) = (cs.fixed_column(), cs.fixed_column(), cs.fixed_column());
        let h = Limbs::width(bits, shift);
        let [d, y0, y1, d0, d1, r0, r1] = [(); 7].map(|_| cs.advice_column());
        let t = cs.fixed_column();
        let dot = x.iter().zip(&w).map(|(x, w)| w.cur() * x.cur()).reduce(|a, b| a + b).expect("lanes ≥ 1");
        cs.create_gate("mac", vec![q_mac.cur() * (acc.next() - acc.cur() - dot)]);
        cs.create_gate("mac_start", vec![q_start.cur() * (acc.cur() - bias.cur())]);
        let two_s = Fr::from(1u64 << shift);
        cs.create_gate("rescale", vec![q_out.cur() * (acc.cur() - q.cur() * two_s - r.cur())]);
        let two_h = Fr::from(1u64 << h);
        cs.create_gate(
            "rescale_limbs",
            vec![
                q_out.cur() * (r.cur() - r0.cur() - r1.cur() * two_h),
                q_out.cur() * (y.cur() - y0.cur() - y1.cur() * two_h),
                q_out.cur() * (d.cur() - d0.cur() - d1.cur() * two_h),
                q_out.cur() * (d.cur() - y.cur() + q.cur()),
                q_out.cur() * y.cur() * d.cur(),
            ],
        );
        for (name, c) in [("limb_r0", r0), ("limb_r1", r1), ("limb_y0", y0), ("limb_y1", y1), ("limb_d0", d0), ("limb_d1", d1)] {
            cs.lookup(name, vec![q_out.cur() * c.cur()], vec![t]);
        }
        if 2 * h > shift {
            // r1 < 2^(s−h): 2^(2h−s)·r1 < 2^h.
            cs.lookup("limb_r1_top", vec![q_out.cur() * r1.cur() * Fr::from(1u64 << (2 * h - shift))], vec![t]);
        }
        for c in x.iter().chain([&q, &y]) {
            cs.enable_equality(*c);
        }
        let limbs = Limbs { h, d, y0, y1, d0, d1, r0, r1, t };
        Self { lanes, shift, bits, x, w, acc, q, r, y, q_mac, q_start, bias, q_out, t_x, t_y, t_r, limbs: Some(limbs), pins: None }
    }

    /// Declares the [`Pins`] of a layout with advice weight and bias columns (private
    /// parameters): L + 1 fixed columns and the gates `mac_pin_w{i}` and `mac_pin_bias`. Without
    /// it every coefficient of an advice layout is a free prover choice — not only the model's
    /// weights but the coefficients of parameter-free operators, every bias and the unused lanes
    /// (docs/plonk.md §17). The copies between uses of one parameter need
    /// [`MacConfig::tie_params`] too, when [`MacBuilder::reuses_params`].
    pub fn pin_coefficients(&mut self, cs: &mut ConstraintSystem) {
        assert!(self.pins.is_none(), "pinned twice");
        assert!(self.w.iter().chain([&self.bias]).all(|c| c.kind == ColumnKind::Advice), "only advice weight columns need pins");
        let pin = |cs: &mut ConstraintSystem, name: String, w: Column| {
            let c = cs.fixed_column();
            cs.create_gate(name, vec![c.cur() * (w.cur() - c.cur() + super::circuit::Expression::Constant(pin_offset()))]);
            c
        };
        let w = self.w.clone().into_iter().enumerate().map(|(i, c)| pin(cs, format!("mac_pin_w{i}"), c)).collect();
        let bias = pin(cs, "mac_pin_bias".into(), self.bias);
        self.pins = Some(Pins { w, bias });
    }

    /// Equality on the weight and bias columns, for the copies between the uses of one model
    /// parameter: needed (and declared, after the layout) only when the layout uses some
    /// parameter more than once ([`MacBuilder::reuses_params`]).
    pub fn tie_params(&self, cs: &mut ConstraintSystem) {
        for c in self.w.iter().chain([&self.bias]) {
            cs.enable_equality(*c);
        }
    }

    /// log2 of the rows the layout's tables need: max(b, s), or h with limbs.
    pub fn table_bits(&self) -> u32 {
        match &self.limbs {
            Some(l) => l.h,
            None => self.bits.max(self.shift),
        }
    }
}

/// A value of the circuit: its integer value and, once placed, its cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operand {
    pub value: i64,
    pub cell: Option<Cell>,
}

impl Operand {
    /// A private input not yet placed (its first use defines its cell).
    pub fn input(value: i64) -> Self {
        Self { value, cell: None }
    }
}

/// Lays out matrix-vector products with rescale and ReLU row by row.
pub struct MacBuilder {
    pub cfg: MacConfig,
    pub k: u32,
    /// When set, rescaled values outside the ReLU table are not an error: the layout (fixed
    /// columns, copies) is what is wanted, e.g. for key generation from placeholder values.
    pub layout_only: bool,
    n: usize,
    row: usize,
    fixed: Vec<Vec<Fr>>,
    advice: Vec<Vec<Fr>>,
    copies: Vec<(Cell, Cell)>,
    /// Products laid out by [`MacBuilder::project_matvec`], to be declared in the constraint
    /// system ([`MacBuilder::take_projections`]).
    projections: Vec<Projection>,
    /// The convolutions declared by [`MacBuilder::project_conv`].
    conv_projections: Vec<ConvProjection>,
    /// With [`Pins`]: the first cell and value of each model parameter ([`Coef::Param`]).
    params: HashMap<(u32, u64), (Cell, i64)>,
    /// Whether some model parameter was laid out more than once (copies between w/bias cells).
    params_reused: bool,
}

/// relu on a field element holding a small signed integer (for tests that edit witnesses).
pub fn relu_of(v: Fr) -> Fr {
    use ark_ff::{BigInteger, PrimeField};
    // Negative values are r − |v|, whose top bit is set for |v| ≪ r.
    if v.into_bigint().get_bit(252) {
        Fr::zero()
    } else {
        v
    }
}

/// ⌊acc / 2^s⌋ and the remainder in [0, 2^s) (arithmetic shift: floor for negative values).
pub fn floor_rescale(acc: i64, shift: u32) -> (i64, i64) {
    let q = acc >> shift;
    (q, acc - (q << shift))
}

impl MacBuilder {
    /// An empty layout on 2^k rows; fills the ReLU and remainder tables (an error when they
    /// exceed the rows).
    pub fn new(cs: &ConstraintSystem, cfg: MacConfig, k: u32) -> Result<Self> {
        let n = 1usize << k;
        let mut fixed = vec![vec![Fr::zero(); n]; cs.num_fixed];
        if let Some(l) = &cfg.limbs {
            if (1usize << l.h) > n {
                return Err(Error::Circuit(format!("the limb table (2^{}) exceeds 2^{k} rows", l.h)));
            }
            for (i, t) in fixed[l.t.index].iter_mut().take(1usize << l.h).enumerate() {
                *t = Fr::from(i as u64);
            }
        } else {
            if (1usize << cfg.bits) > n || (1usize << cfg.shift) > n {
                return Err(Error::Circuit(format!(
                    "the ReLU table (2^{}) or the remainder table (2^{}) exceeds 2^{k} rows",
                    cfg.bits, cfg.shift
                )));
            }
            let half = 1i64 << (cfg.bits - 1);
            for (i, v) in (-half..half).enumerate() {
                fixed[cfg.t_x.index][i] = signed_to_fr(v);
                fixed[cfg.t_y.index][i] = signed_to_fr(v.max(0));
            }
            for (i, t) in fixed[cfg.t_r.index].iter_mut().take(1usize << cfg.shift).enumerate() {
                *t = Fr::from(i as u64);
            }
        }
        Ok(Self { cfg, k, n, layout_only: false, row: 0, fixed, advice: vec![vec![Fr::zero(); n]; cs.num_advice], copies: vec![], projections: vec![], conv_projections: vec![], params: HashMap::new(), params_reused: false })
    }

    /// Writes `value` into a fixed or advice cell of any column of the constraint system (for
    /// columns declared beside the MAC layout, e.g. public-input or constant columns).
    pub fn assign(&mut self, column: Column, row: usize, value: Fr) -> Result<()> {
        if row >= self.n {
            return Err(Error::Circuit(format!("row {row} is beyond the circuit's {} rows", self.n)));
        }
        let col = match column.kind {
            ColumnKind::Fixed => self.fixed.get_mut(column.index),
            ColumnKind::Advice => self.advice.get_mut(column.index),
            ColumnKind::Instance => None,
        };
        let col = col.ok_or_else(|| Error::Circuit(format!("{column:?} is not a fixed or advice column of this circuit")))?;
        col[row] = value;
        Ok(())
    }

    /// Adds a copy constraint between two cells (their columns need equality enabled).
    pub fn copy(&mut self, a: Cell, b: Cell) {
        self.copies.push((a, b));
    }

    /// The number of rows, 2^k.
    pub fn n(&self) -> usize {
        self.n
    }

    fn set(&mut self, column: Column, row: usize, value: Fr) {
        match column.kind {
            ColumnKind::Advice => self.advice[column.index][row] = value,
            _ => self.fixed[column.index][row] = value,
        }
    }

    /// Whether some model parameter was laid out more than once: then the copies between its
    /// uses need [`MacConfig::tie_params`] (equality on the weight and bias columns).
    pub fn reuses_params(&self) -> bool {
        self.params_reused
    }

    /// Pins the coefficient at `row` of weight lane `lane` (`None`: the bias) to the structural
    /// `value`: its pin column gets c = value + K ([`pin_value`]; refused unless |value| < 2^199).
    pub fn pin_structural(&mut self, lane: Option<usize>, row: usize, value: Fr) -> Result<()> {
        let pins = self.cfg.pins.as_ref().ok_or_else(|| Error::Circuit("pin_structural: the layout has no pins".into()))?;
        let c = match lane {
            Some(i) => *pins.w.get(i).ok_or_else(|| Error::Circuit(format!("pin_structural: no lane {i}")))?,
            None => pins.bias,
        };
        if row >= self.n {
            return Err(Error::Circuit(format!("row {row} is beyond the circuit's {} rows", self.n)));
        }
        self.fixed[c.index][row] = pin_value(value)?;
        Ok(())
    }

    /// Pins (structural) or ties (parameter) the coefficient `value` at (`column`, `row`) of
    /// weight lane `lane` (`None`: the bias).
    fn coefficient(&mut self, lane: Option<usize>, column: Column, row: usize, value: i64, kind: Coef) -> Result<()> {
        match kind {
            Coef::Structural => self.pin_structural(lane, row, signed_to_fr(value))?,
            Coef::Param(t, e) => {
                let cell = Cell { column, row };
                match self.params.get(&(t, e)) {
                    Some(&(first, v)) if v == value => {
                        self.params_reused = true;
                        self.copies.push((first, cell))
                    }
                    Some(&(_, v)) => {
                        return Err(Error::Circuit(format!("matvec: parameter ({t}, {e}) laid out as {v} and as {value}")));
                    }
                    None => {
                        self.params.insert((t, e), (cell, value));
                    }
                }
            }
        }
        Ok(())
    }

    /// Writes a rescale row: q_out, acc, q, r, y = relu(q), and with limbs d = y − q and the
    /// limbs of r, y, d.
    fn rescale_row(&mut self, row: usize, acc: i64, q: i64, r: i64) {
        let cfg = &self.cfg;
        let (q_out, acc_c, q_c, r_c, y_c) = (cfg.q_out.index, cfg.acc.index, cfg.q.index, cfg.r.index, cfg.y.index);
        let y = q.max(0);
        self.fixed[q_out][row] = Fr::one();
        self.advice[acc_c][row] = signed_to_fr(acc);
        self.advice[q_c][row] = signed_to_fr(q);
        self.advice[r_c][row] = signed_to_fr(r);
        self.advice[y_c][row] = signed_to_fr(y);
        if let Some(l) = self.cfg.limbs.clone() {
            let d = y - q;
            let mask = (1i64 << l.h) - 1;
            for (v, lo, hi) in [(r, l.r0, l.r1), (y, l.y0, l.y1), (d, l.d0, l.d1)] {
                // Out-of-range values (layout-only placeholders) get limbs that fail the lookups.
                self.advice[lo.index][row] = signed_to_fr(v & mask);
                self.advice[hi.index][row] = signed_to_fr(v >> l.h);
            }
            self.advice[l.d.index][row] = signed_to_fr(d);
        }
    }

    /// Rows used so far.
    pub fn rows_used(&self) -> usize {
        self.row
    }

    /// Rows one output of a product over `cols` inputs takes.
    pub fn rows_per_output(lanes: usize, cols: usize) -> usize {
        cols.div_ceil(lanes) + 1
    }

    /// y = relu?(⌊(W·x + bias) / 2^s⌋) with the rescaled values range-checked to b signed bits.
    /// Returns the outputs (the ReLU column's cells, or q's without ReLU).
    pub fn matvec(&mut self, weights: &[Vec<i64>], bias: &[i64], inputs: &mut [Operand], relu: bool) -> Result<Vec<Operand>> {
        let (q, y) = self.matvec_both(weights, bias, inputs)?;
        Ok(if relu { y } else { q })
    }

    /// [`MacBuilder::matvec`] returning both the rescaled outputs q (no ReLU) and y = relu(q),
    /// each with its cell: a later ReLU of the product reads y, other uses read q.
    /// With [`Pins`] every coefficient is [`Coef::Structural`] (pinned): for products whose
    /// coefficients are all fixed by the architecture; model parameters go through
    /// [`MacBuilder::matvec_params`].
    pub fn matvec_both(&mut self, weights: &[Vec<i64>], bias: &[i64], inputs: &mut [Operand]) -> Result<(Vec<Operand>, Vec<Operand>)> {
        self.matvec_params(weights, bias, inputs, None)
    }

    /// [`MacBuilder::matvec_both`] with the kind of each coefficient (`kinds` = (per weight, per
    /// bias), in the shapes of `weights` and `bias`; `None`: all structural). Only a layout with
    /// [`Pins`] reads the kinds: a structural coefficient is pinned to its value, a parameter's
    /// cell is copied to the first cell of its key; a lane a row leaves unused is pinned to 0.
    #[allow(clippy::type_complexity)]
    pub fn matvec_params(
        &mut self,
        weights: &[Vec<i64>],
        bias: &[i64],
        inputs: &mut [Operand],
        kinds: Option<(&[Vec<Coef>], &[Coef])>,
    ) -> Result<(Vec<Operand>, Vec<Operand>)> {
        let cfg = self.cfg.clone();
        let cols = inputs.len();
        if weights.len() != bias.len() || weights.iter().any(|r| r.len() != cols) || cols == 0 {
            return Err(Error::Circuit("matvec: weights, bias and inputs disagree in shape".into()));
        }
        if let Some((kw, kb)) = kinds {
            if kw.len() != weights.len() || kb.len() != bias.len() || kw.iter().any(|r| r.len() != cols) {
                return Err(Error::Circuit("matvec: the coefficient kinds disagree in shape with the weights".into()));
            }
        }
        let need = self.row + weights.len() * Self::rows_per_output(cfg.lanes, cols);
        if need > self.n {
            return Err(Error::Circuit(format!("matvec needs {need} rows, the circuit has {}", self.n)));
        }
        let half = 1i64 << (cfg.bits - 1);
        let (mut out_q, mut out_y) = (vec![], vec![]);
        for (o, (wrow, b)) in weights.iter().zip(bias).enumerate() {
            let start = self.row;
            self.fixed[cfg.q_start.index][start] = Fr::one();
            self.set(cfg.bias, start, signed_to_fr(*b));
            if cfg.pins.is_some() {
                self.coefficient(None, cfg.bias, start, *b, kinds.map_or(Coef::Structural, |(_, kb)| kb[o]))?;
            }
            let mut acc = *b;
            for (c, chunk) in (0..cols).collect::<Vec<_>>().chunks(cfg.lanes).enumerate() {
                let row = start + c;
                self.fixed[cfg.q_mac.index][row] = Fr::one();
                self.advice[cfg.acc.index][row] = signed_to_fr(acc);
                if cfg.pins.is_some() {
                    // Lanes the row leaves unused: w = 0, pinned (their x cells are then free).
                    for lane in chunk.len()..cfg.lanes {
                        self.coefficient(Some(lane), cfg.w[lane], row, 0, Coef::Structural)?;
                    }
                }
                for (lane, &j) in chunk.iter().enumerate() {
                    let cell = Cell { column: cfg.x[lane], row };
                    self.advice[cfg.x[lane].index][row] = signed_to_fr(inputs[j].value);
                    self.set(cfg.w[lane], row, signed_to_fr(wrow[j]));
                    if cfg.pins.is_some() {
                        self.coefficient(Some(lane), cfg.w[lane], row, wrow[j], kinds.map_or(Coef::Structural, |(kw, _)| kw[o][j]))?;
                    }
                    match inputs[j].cell {
                        Some(c0) => self.copies.push((c0, cell)),
                        None => inputs[j].cell = Some(cell),
                    }
                    acc = wrow[j]
                        .checked_mul(inputs[j].value)
                        .and_then(|p| acc.checked_add(p))
                        .ok_or_else(|| Error::Witness("matvec: the accumulator overflows i64".into()))?;
                }
            }
            let row = start + cols.div_ceil(cfg.lanes);
            let (q, r) = floor_rescale(acc, cfg.shift);
            if !self.layout_only && !(-half..half).contains(&q) {
                return Err(Error::Witness(format!("rescaled value {q} (acc {acc}) outside {} signed bits", cfg.bits)));
            }
            let y = q.max(0);
            self.rescale_row(row, acc, q, r);
            out_y.push(Operand { value: y, cell: Some(Cell { column: cfg.y, row }) });
            out_q.push(Operand { value: q, cell: Some(Cell { column: cfg.q, row }) });
            self.row = row + 1;
        }
        Ok((out_q, out_y))
    }

    /// y = relu?(⌊(W·x + bias) / 2^s⌋) by the projection argument (`plonk::projection`): one
    /// rescale row per output and no MAC rows. The accumulator cell of each rescale row is the
    /// product's y_j, tied to W·x + b only by the projection declared for it (the row before is
    /// never a MAC row: every operation ends with a rescale row, whose q_mac is 0); its rescale
    /// gate and lookups range-check it as for [`MacBuilder::matvec_both`]. Every input must have
    /// a cell in an advice column (it is read where it is, without a copy). `W` and `bias` go
    /// into the declaration, hence the verifying key. Returns (q, y = relu(q)) per output.
    pub fn project_matvec(&mut self, weights: &[Vec<i64>], bias: &[i64], inputs: &[Operand]) -> Result<(Vec<Operand>, Vec<Operand>)> {
        let cfg = self.cfg.clone();
        let cols = inputs.len();
        if weights.len() != bias.len() || weights.iter().any(|r| r.len() != cols) || cols == 0 || bias.is_empty() {
            return Err(Error::Circuit("project_matvec: weights, bias and inputs disagree in shape".into()));
        }
        let x: Vec<Cell> = inputs
            .iter()
            .map(|o| match o.cell {
                Some(c) if c.column.kind == ColumnKind::Advice => Ok(c),
                _ => Err(Error::Circuit("project_matvec: every input needs a cell in an advice column".into())),
            })
            .collect::<Result<_>>()?;
        if self.row + weights.len() > self.n {
            return Err(Error::Circuit(format!("project_matvec needs {} rows, the circuit has {}", self.row + weights.len(), self.n)));
        }
        let half = 1i64 << (cfg.bits - 1);
        let (mut out_q, mut out_y, mut y_cells) = (vec![], vec![], vec![]);
        for (wrow, b) in weights.iter().zip(bias) {
            let mut acc = *b;
            for (w, x) in wrow.iter().zip(inputs) {
                acc = w
                    .checked_mul(x.value)
                    .and_then(|p| acc.checked_add(p))
                    .ok_or_else(|| Error::Witness("project_matvec: the accumulator overflows i64".into()))?;
            }
            let row = self.row;
            let (q, r) = floor_rescale(acc, cfg.shift);
            if !self.layout_only && !(-half..half).contains(&q) {
                return Err(Error::Witness(format!("rescaled value {q} (acc {acc}) outside {} signed bits", cfg.bits)));
            }
            let y = q.max(0);
            self.rescale_row(row, acc, q, r);
            y_cells.push(Cell { column: cfg.acc, row });
            out_y.push(Operand { value: y, cell: Some(Cell { column: cfg.y, row }) });
            out_q.push(Operand { value: q, cell: Some(Cell { column: cfg.q, row }) });
            self.row = row + 1;
        }
        self.projections.push(Projection {
            name: format!("projection_{}", self.projections.len()),
            inputs: x,
            outputs: y_cells,
            weights: weights.iter().flatten().map(|w| signed_to_fr(*w)).collect(),
            bias: bias.iter().map(|b| signed_to_fr(*b)).collect(),
        });
        Ok((out_q, out_y))
    }

    /// A convolution y = relu?(⌊(T_W·x + b) / 2^s⌋) by the projection argument
    /// (`plonk::projection::conv`): one rescale row per output (output channel major, as
    /// `geometry.outputs`), no MAC rows, no im2col and no copies: the inputs (`[in_channels,
    /// in_dims…]`, each in an advice cell) are read where they are. `geometry` gives the
    /// channels, extents, strides, dilations and padding (its cells, weights and bias are
    /// replaced); `weights` is W `[out_channels, in_channels / group, kernel…]`, `bias` one per
    /// output channel. Returns (q, y = relu(q)) per output.
    pub fn project_conv(&mut self, geometry: &ConvProjection, weights: &[i64], bias: &[i64], inputs: &[Operand]) -> Result<(Vec<Operand>, Vec<Operand>)> {
        let cfg = self.cfg.clone();
        let x: Vec<Cell> = inputs
            .iter()
            .map(|o| match o.cell {
                Some(c) if c.column.kind == ColumnKind::Advice => Ok(c),
                _ => Err(Error::Circuit("project_conv: every input needs a cell in an advice column".into())),
            })
            .collect::<Result<_>>()?;
        let n_out = geometry.out_channels * geometry.out_spatial();
        let decl = ConvProjection {
            name: format!("conv_projection_{}", self.conv_projections.len()),
            inputs: x,
            outputs: (0..n_out).map(|j| Cell { column: cfg.acc, row: self.row + j }).collect(),
            weights: weights.iter().map(|w| signed_to_fr(*w)).collect(),
            bias: bias.iter().map(|b| signed_to_fr(*b)).collect(),
            ..geometry.clone()
        };
        decl.validate(self.advice.len())?;
        if self.row + n_out > self.n {
            return Err(Error::Circuit(format!("project_conv needs {} rows, the circuit has {}", self.row + n_out, self.n)));
        }
        let (ks, is) = (decl.kernel_size(), decl.in_spatial());
        let (cg, mg) = (decl.in_channels / decl.group, decl.out_channels / decl.group);
        let taps = decl.taps();
        let half = 1i64 << (cfg.bits - 1);
        let (mut out_q, mut out_y) = (Vec::with_capacity(n_out), Vec::with_capacity(n_out));
        for o in 0..decl.out_channels {
            let g = o / mg;
            for window in &taps {
                let mut acc = bias[o];
                for c in 0..cg {
                    for &(q, t) in window {
                        acc = weights[(o * cg + c) * ks + t]
                            .checked_mul(inputs[(g * cg + c) * is + q].value)
                            .and_then(|p| acc.checked_add(p))
                            .ok_or_else(|| Error::Witness("project_conv: the accumulator overflows i64".into()))?;
                    }
                }
                let row = self.row;
                let (q, r) = floor_rescale(acc, cfg.shift);
                if !self.layout_only && !(-half..half).contains(&q) {
                    return Err(Error::Witness(format!("rescaled value {q} (acc {acc}) outside {} signed bits", cfg.bits)));
                }
                self.rescale_row(row, acc, q, r);
                out_y.push(Operand { value: q.max(0), cell: Some(Cell { column: cfg.y, row }) });
                out_q.push(Operand { value: q, cell: Some(Cell { column: cfg.q, row }) });
                self.row = row + 1;
            }
        }
        self.conv_projections.push(decl);
        Ok((out_q, out_y))
    }

    /// The convolutions laid out by [`MacBuilder::project_conv`] so far, in order; declare them
    /// with `cs.conv_projections.extend(…)` before key generation.
    pub fn take_conv_projections(&mut self) -> Vec<ConvProjection> {
        std::mem::take(&mut self.conv_projections)
    }

    /// The products laid out by [`MacBuilder::project_matvec`] so far, in order; declare them
    /// with `cs.projections.extend(…)` before key generation.
    pub fn take_projections(&mut self) -> Vec<Projection> {
        std::mem::take(&mut self.projections)
    }

    /// Range-checks a value to b signed bits with one stand-alone rescale row: q is a copy of
    /// the value (range-checked by the ReLU table), r = 0, acc = 2^s·q (the rescale gate holds;
    /// acc is not tied to a MAC chain because the row before every row the builder starts has
    /// q_mac = 0), y = relu(q). Returns (q, y) as operands. The value must have a cell.
    pub fn range_check(&mut self, v: Operand) -> Result<(Operand, Operand)> {
        let cfg = self.cfg.clone();
        let cell = v.cell.ok_or_else(|| Error::Circuit("range_check: the value has no cell".into()))?;
        if self.row >= self.n {
            return Err(Error::Circuit(format!("range_check needs row {}, the circuit has {}", self.row, self.n)));
        }
        let half = 1i64 << (cfg.bits - 1);
        if !self.layout_only && !(-half..half).contains(&v.value) {
            return Err(Error::Witness(format!("value {} outside {} signed bits", v.value, cfg.bits)));
        }
        let row = self.row;
        let acc = v.value.checked_mul(1i64 << cfg.shift).ok_or_else(|| Error::Witness("range_check: 2^s·v overflows i64".into()))?;
        let y = v.value.max(0);
        self.rescale_row(row, acc, v.value, 0);
        let q_cell = Cell { column: cfg.q, row };
        self.copies.push((cell, q_cell));
        self.row = row + 1;
        Ok((Operand { value: v.value, cell: Some(q_cell) }, Operand { value: y, cell: Some(Cell { column: cfg.y, row }) }))
    }

    /// The fixed assignment (weights, selectors, tables, copies) and the witness.
    pub fn finish(self) -> (FixedAssignment, Witness) {
        (FixedAssignment { k: self.k, fixed: self.fixed, copies: self.copies }, Witness { advice: self.advice })
    }
}
