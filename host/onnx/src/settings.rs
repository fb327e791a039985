//! `settings.json`: the circuit parameters, with ezkl's field names where the meaning is the
//! same (`run_args.input_scale`, `param_scale`, `lookup_range`, `logrows`, the three
//! visibilities, `num_rows`, `model_input_scales`, `model_output_scales`,
//! `model_instance_shapes`), plus zkaccel fields (`rescale`, `lookup_bits`, per-layer ranges).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::graph::{Graph, Op};
use crate::quant::{signed_bits, LayerStats, QuantRun, QuantizedModel, MAX_SCALE};
use crate::tensor::{numel, Tensor};

/// Who sees a tensor: ezkl's visibilities (serialised lowercase; ezkl's capitalised spellings
/// are accepted on input).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// A public input (instance column) of the proof.
    #[serde(alias = "Public")]
    Public,
    /// A private witness.
    #[serde(alias = "Private")]
    Private,
    /// Baked into the circuit as fixed columns (part of the verifying key).
    #[serde(alias = "Fixed")]
    Fixed,
}

impl std::str::FromStr for Visibility {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "public" => Ok(Self::Public),
            "private" => Ok(Self::Private),
            "fixed" => Ok(Self::Fixed),
            _ => Err(Error::Settings(format!("visibility {s:?} is not public, private or fixed"))),
        }
    }
}

/// The rescale rule after products. Only floor division is defined (see NOTES.md).
pub const RESCALE_FLOOR: &str = "floor";

/// ezkl's `run_args`: the knobs a user sets or calibration chooses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunArgs {
    /// Inputs are quantized as round(x·2^input_scale).
    pub input_scale: u32,
    /// Multiplicative constants (weights) are quantized as round(w·2^param_scale).
    pub param_scale: u32,
    /// Inclusive range every range-checked/looked-up value must lie in: the quantized inputs and
    /// every node output (rescaled quotients, ReLU inputs and outputs), with the safety margin,
    /// and the other values the gadgets look up ([`QuantizedModel::gadget_range`]: window
    /// spreads, divisors; [`QuantizedModel::table_range`]). The circuit uses `lookup_bits`, which
    /// must be the signed bits of this range ([`Settings::validate`] refuses a disagreement).
    pub lookup_range: (i64, i64),
    /// log2 of the circuit rows: an estimate here (at least what the rows and the table need);
    /// `compile-circuit` replaces it with its plan's k, raising or lowering a value set by hand.
    pub logrows: u32,
    /// Visibility of the model inputs.
    pub input_visibility: Visibility,
    /// Visibility of the model outputs.
    pub output_visibility: Visibility,
    /// Visibility of the weights and other constants.
    pub param_visibility: Visibility,
    /// Ranges seen are multiplied by this margin before becoming `lookup_range` (ezkl's
    /// `lookup_safety_margin`).
    #[serde(default = "default_margin")]
    pub lookup_safety_margin: u32,
    /// The rescale rule: always "floor".
    #[serde(default = "default_rescale")]
    pub rescale: String,
    /// How Gemm / MatMul with a constant operand are proven when the params are fixed:
    /// `mac` (a multiply-accumulate row per L products; the default) or `projection` (the
    /// projection argument: one rescale row per output, W and b in the verifying key, which the
    /// verifier multiplies by a random vector — O(weights) verifier work). Private and public
    /// params always use `mac`. Absent from files that use `mac`.
    #[serde(default, skip_serializing_if = "MatmulLayout::is_mac")]
    pub matmul_layout: MatmulLayout,
}

/// The layout of products with constant weights (`RunArgs::matmul_layout`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatmulLayout {
    #[default]
    Mac,
    Projection,
}

impl MatmulLayout {
    pub fn is_mac(&self) -> bool {
        *self == MatmulLayout::Mac
    }
}

fn default_margin() -> u32 {
    2
}
fn default_rescale() -> String {
    RESCALE_FLOOR.into()
}

impl Default for RunArgs {
    /// ezkl's defaults: scales 7, lookup range ±2^15, 17 rows bits, private input, public
    /// output, private params, margin 2.
    fn default() -> Self {
        Self {
            input_scale: 7,
            param_scale: 7,
            lookup_range: (-32768, 32768),
            logrows: 17,
            input_visibility: Visibility::Private,
            output_visibility: Visibility::Public,
            param_visibility: Visibility::Private,
            lookup_safety_margin: 2,
            rescale: RESCALE_FLOOR.into(),
            matmul_layout: MatmulLayout::Mac,
        }
    }
}

/// What calibration measured when it chose the scales.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalibrationReport {
    /// "resources" or "accuracy".
    pub target: String,
    /// Number of sample inputs.
    pub samples: usize,
    /// The required max |quantized − float| over all outputs and samples.
    pub tolerance: f64,
    /// The achieved max |quantized − float| (float = this crate's f64 evaluation).
    pub max_abs_error: f64,
    /// The largest rigorous error bound ([`QuantizedModel::error_bound`]) over the samples;
    /// infinite when the bound is unbounded (a divisor whose error bound reaches its value, a
    /// Log near 0), written as `null` and read back as infinite. Informational only.
    #[serde(with = "unbounded_as_null")]
    pub max_error_bound: f64,
    /// The bit budget for `lookup_bits`.
    pub max_lookup_bits: u32,
    /// Scale pairs evaluated.
    pub candidates: usize,
    /// Scale pairs that met tolerance and budget.
    pub feasible: usize,
}

/// A non-finite f64 as JSON `null` (JSON has no inf or NaN), read back as +inf: "unbounded".
mod unbounded_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else {
            s.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::INFINITY))
    }
}

/// A `settings.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// The user/calibration knobs.
    pub run_args: RunArgs,
    /// Estimated rows: one per multiply-accumulate plus one per element of every other
    /// non-layout node (a one-operation-per-row layout; the circuit builder recomputes).
    pub num_rows: u64,
    /// Scale exponent of each model input.
    pub model_input_scales: Vec<u32>,
    /// Scale exponent of each model output.
    pub model_output_scales: Vec<u32>,
    /// Shapes of the public tensors (the public ones among input and output, in that order).
    pub model_instance_shapes: Vec<Vec<usize>>,
    /// Signed bits covering `lookup_range` (the smallest b with max(|lo|, |hi|) < 2^(b−1)): the
    /// table size is 2^lookup_bits. The circuit reads this field, not `lookup_range`, and uses at
    /// least 2 bits (a range of [0, 0] gives 1).
    pub lookup_bits: u32,
    /// The largest rescale shift: remainders are range-checked in [0, 2^max_rescale_shift).
    pub max_rescale_shift: u32,
    /// Per-node ranges measured on the sample inputs (empty when none were given).
    #[serde(default)]
    pub layers: Vec<LayerStats>,
    /// Present when calibration chose the scales.
    #[serde(default)]
    pub calibration: Option<CalibrationReport>,
    /// Producer of the file.
    pub version: String,
}

fn ceil_log2(n: u64) -> u32 {
    if n <= 1 {
        0
    } else {
        64 - (n - 1).leading_zeros()
    }
}

/// The largest `logrows` a circuit may have (the prover's limit on k).
pub const MAX_LOGROWS: u32 = 26;

/// Rows reserved per circuit for blinding and padding in the logrows estimate.
pub const RESERVED_ROWS: u64 = 8;

impl Settings {
    /// Settings for `graph` with the given run args. With samples, the quantized model is run
    /// on each and `lookup_range`, `lookup_bits` and `layers` come from the ranges seen (times
    /// the safety margin); without, the given `lookup_range` is kept. `logrows` is raised to fit
    /// the rows and the lookup table when needed.
    pub fn generate(graph: &Graph, run_args: RunArgs, samples: &[Vec<Tensor<f64>>]) -> Result<Self> {
        Ok(Self::generate_with_runs(graph, run_args, samples)?.0)
    }

    /// [`Settings::generate`], also returning the quantized model and its run on each sample.
    pub(crate) fn generate_with_runs(
        graph: &Graph,
        run_args: RunArgs,
        samples: &[Vec<Tensor<f64>>],
    ) -> Result<(Self, QuantizedModel, Vec<QuantRun>)> {
        let mut s = Self::plan(graph, &run_args)?;
        let q = QuantizedModel::new(graph.clone(), run_args.input_scale, run_args.param_scale)?;
        s.run_args = run_args;
        let mut runs = Vec::with_capacity(samples.len());
        if !samples.is_empty() {
            let mut layers: Option<Vec<LayerStats>> = None;
            let mut max_in = 0u64;
            for sample in samples {
                let qi = q.quantize_inputs(sample)?;
                max_in = max_in.max(qi.iter().flat_map(|t| &t.data).map(|v| v.unsigned_abs()).max().unwrap_or(0));
                let run = q.run_quantized(&qi)?;
                match &mut layers {
                    None => layers = Some(run.stats.clone()),
                    Some(l) => l.iter_mut().zip(&run.stats).for_each(|(a, b)| a.merge(b)),
                }
                runs.push(run);
            }
            let layers = layers.unwrap_or_default();
            let max_abs = layers.iter().map(|l| l.max_abs_out).chain([max_in]).max().unwrap_or(0);
            // The values with the margin, and what the gadgets look up besides them (window
            // spreads and divisors, as seen: up to twice the largest |value|), and the
            // whole-range activation tables at the width that gives (which can widen it).
            let mut m = ((max_abs as u128) * s.run_args.lookup_safety_margin.max(1) as u128)
                .max(runs.iter().map(|r| q.gadget_range(r)).max().unwrap_or(0));
            for _ in 0..4 {
                let bits = signed_bits(m);
                if bits > MAX_LOGROWS {
                    break;
                }
                m = m.max(q.table_range(bits));
            }
            let m = i64::try_from(m).map_err(|_| Error::Settings("lookup range exceeds i64".into()))?;
            s.run_args.lookup_range = (-m, m);
            s.layers = layers;
        }
        s.finish()?;
        Ok((s, q, runs))
    }

    fn plan(graph: &Graph, run_args: &RunArgs) -> Result<Self> {
        let q = QuantizedModel::new(graph.clone(), run_args.input_scale, run_args.param_scale)?;
        let elementwise: u64 = graph
            .nodes
            .iter()
            .filter(|n| matches!(n.op, Op::Add | Op::Sub | Op::Relu))
            .map(|n| numel(&n.output_shape) as u64)
            .sum();
        let mut shapes = Vec::new();
        if run_args.input_visibility == Visibility::Public {
            shapes.extend(graph.inputs.iter().map(|i| i.shape.clone()));
        }
        if run_args.output_visibility == Visibility::Public {
            shapes.extend(graph.outputs.iter().map(|o| o.shape.clone()));
        }
        Ok(Self {
            num_rows: graph.mac_count() + elementwise,
            model_input_scales: vec![run_args.input_scale; graph.inputs.len()],
            model_output_scales: q.output_scales(),
            model_instance_shapes: shapes,
            lookup_bits: 0,
            max_rescale_shift: q.nodes.iter().map(|n| n.shift).max().unwrap_or(0),
            layers: Vec::new(),
            calibration: None,
            version: format!("zkaccel-onnx {}", env!("CARGO_PKG_VERSION")),
            run_args: run_args.clone(),
        })
    }

    fn finish(&mut self) -> Result<()> {
        let (lo, hi) = self.run_args.lookup_range;
        if lo > hi {
            return Err(Error::Settings(format!("lookup_range [{lo}, {hi}] is empty")));
        }
        self.lookup_bits = signed_bits(lo.unsigned_abs().max(hi.unsigned_abs()) as u128);
        let need = ceil_log2(self.num_rows + RESERVED_ROWS)
            .max(self.lookup_bits)
            .max(self.max_rescale_shift);
        self.run_args.logrows = self.run_args.logrows.max(need);
        if self.run_args.logrows > MAX_LOGROWS {
            return Err(Error::Settings(format!(
                "the circuit would need 2^{} rows (estimated rows {}, lookup_bits {} for lookup_range [{lo}, {hi}], rescale shift {}): \
                 more than 2^{MAX_LOGROWS}, the largest circuit zkaccel proves (smaller scales or inputs shrink the range)",
                self.run_args.logrows, self.num_rows, self.lookup_bits, self.max_rescale_shift
            )));
        }
        self.validate()
    }

    /// Checks internal consistency (scales in range, the rescale rule, a non-empty lookup range
    /// that `lookup_bits` is the signed bits of, logrows within the prover's limit).
    pub fn validate(&self) -> Result<()> {
        let a = &self.run_args;
        for (what, s) in [("input_scale", a.input_scale), ("param_scale", a.param_scale)] {
            if s > MAX_SCALE {
                return Err(Error::Settings(format!("{what} = {s} exceeds {MAX_SCALE}")));
            }
        }
        if a.rescale != RESCALE_FLOOR {
            return Err(Error::Settings(format!("rescale rule {:?} is not supported (only \"floor\")", a.rescale)));
        }
        if a.lookup_range.0 > a.lookup_range.1 {
            return Err(Error::Settings(format!("lookup_range {:?} is empty", a.lookup_range)));
        }
        // Both fields are written from one another; a hand edit of one would be ignored (the
        // circuit reads lookup_bits only).
        let (lo, hi) = a.lookup_range;
        let want = signed_bits(lo.unsigned_abs().max(hi.unsigned_abs()) as u128);
        if self.lookup_bits != want {
            return Err(Error::Settings(format!(
                "lookup_bits = {} disagrees with run_args.lookup_range [{lo}, {hi}], which needs {want} signed bits: the circuit uses \
                 lookup_bits only (a table of [-2^(b-1), 2^(b-1))); recalibrate (gen-settings -D, calibrate-settings) or edit both fields",
                self.lookup_bits
            )));
        }
        if a.logrows == 0 || a.logrows > MAX_LOGROWS {
            return Err(Error::Settings(format!("run_args.logrows = {} is outside 1..={MAX_LOGROWS} (the prover's largest circuit)", a.logrows)));
        }
        Ok(())
    }

    /// Parses settings JSON and validates it.
    pub fn from_json(text: &str) -> Result<Self> {
        let s: Self = serde_json::from_str(text).map_err(|e| Error::Settings(format!("invalid settings JSON: {e}")))?;
        s.validate()?;
        Ok(s)
    }

    /// Serialises to pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("settings serialise")
    }

    /// [`Settings::to_json`], checked to read back ([`Settings::from_json`]) before it is used:
    /// JSON has no inf or NaN, so a non-finite f64 (a tolerance, an error or a bound that
    /// overflowed) would be written as `null` and no verb could read the file again. Writers of
    /// settings files call this before touching the file, so a refusal leaves an old file as it was.
    pub fn to_checked_json(&self) -> Result<String> {
        let text = self.to_json();
        let refuse = |why: String| Error::Settings(format!("refusing to write settings that do not read back from their JSON form: {why}"));
        match serde_json::from_str::<Self>(&text) {
            Ok(back) => back.validate().map_err(|e| refuse(e.to_string()))?,
            Err(e) => {
                // The offending line names the field (a non-finite number shows as `null`).
                let line = text.lines().nth(e.line().saturating_sub(1)).unwrap_or("").trim();
                let hint = if line.contains("null") { " (a non-finite number, which JSON cannot hold)" } else { "" };
                return Err(refuse(format!("{e}: `{line}`{hint}")));
            }
        }
        Ok(text)
    }

    /// Reads a settings file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = crate::input::read_text_file(path)?;
        Self::from_json(&text).map_err(|e| Error::Settings(format!("{}: {e}", path.display())))
    }

    /// Writes a settings file (refused, the file untouched, unless it reads back:
    /// [`Settings::to_checked_json`]).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let text = self.to_checked_json()?;
        std::fs::write(path, text).map_err(|source| Error::Io { path: path.to_owned(), source })
    }

    /// The quantized model these settings describe.
    pub fn quantize(&self, graph: &Graph) -> Result<QuantizedModel> {
        QuantizedModel::new(graph.clone(), self.run_args.input_scale, self.run_args.param_scale)
    }
}
