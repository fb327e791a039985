//! Scale calibration, as ezkl's `calibrate-settings`: try candidate (input_scale, param_scale)
//! pairs on sample inputs, keep those whose quantized outputs stay within a tolerance of the
//! float outputs and whose value ranges fit a bit budget, and pick the cheapest (target
//! "resources") or the most accurate (target "accuracy").

use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::quant::MAX_SCALE;
use crate::settings::{CalibrationReport, RunArgs, Settings};
use crate::tensor::Tensor;

/// What to optimise among the feasible scale pairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalibrationTarget {
    /// Fewest lookup bits, then fewest logrows, then smallest scales, then smallest error.
    Resources,
    /// Smallest error, then fewest lookup bits.
    Accuracy,
}

/// Calibration knobs.
#[derive(Clone, Debug)]
pub struct CalibrationConfig {
    /// Candidate scale exponents; every (input, param) pair from this list is tried.
    pub scales: Vec<u32>,
    /// Required max |quantized − float| over every output element of every sample.
    pub tolerance: f64,
    /// Largest acceptable `lookup_bits` (values, with the safety margin, must fit).
    pub max_lookup_bits: u32,
    /// Resources or accuracy.
    pub target: CalibrationTarget,
}

impl Default for CalibrationConfig {
    fn default() -> Self {
        Self { scales: (1..=16).collect(), tolerance: 1e-2, max_lookup_bits: 24, target: CalibrationTarget::Resources }
    }
}

struct Candidate {
    settings: Settings,
    err: f64,
}

/// Chooses scales for `graph` from `samples` (each a full set of model inputs). `base` supplies
/// the visibilities and the safety margin; its scales, lookup range and logrows are replaced
/// (logrows by the smallest that fits the row estimate and the lookup table).
pub fn calibrate(graph: &Graph, samples: &[Vec<Tensor<f64>>], base: &RunArgs, cfg: &CalibrationConfig) -> Result<Settings> {
    if samples.is_empty() {
        return Err(Error::Calibration("no sample inputs".into()));
    }
    if cfg.scales.is_empty() {
        return Err(Error::Calibration("no candidate scales".into()));
    }
    // Each scale at most once, each within range: at most (MAX_SCALE + 1)² pairs however long
    // the list given.
    if let Some(&s) = cfg.scales.iter().find(|&&s| s > MAX_SCALE) {
        return Err(Error::Calibration(format!("candidate scale {s} exceeds {MAX_SCALE} (scales are exponents: 2^scale)")));
    }
    let mut scales = cfg.scales.clone();
    scales.sort_unstable();
    scales.dedup();
    // Finite: the tolerance is written to settings.json, where JSON has no inf or NaN (they would
    // be written as null, which no verb reads back).
    if !cfg.tolerance.is_finite() || cfg.tolerance < 0.0 {
        return Err(Error::Calibration(format!("tolerance {} is not a finite non-negative number", cfg.tolerance)));
    }
    let floats: Vec<Vec<Tensor<f64>>> = samples.iter().map(|s| graph.eval_f64(s)).collect::<Result<_>>()?;
    let mut tried = 0;
    // Only the best candidate so far is kept (each holds per-node statistics: keeping every
    // feasible one made memory grow as pairs × nodes).
    let mut n_feasible = 0;
    let mut best: Option<Candidate> = None;
    let mut best_err = f64::INFINITY;
    let key = |c: &Candidate| {
        let r = &c.settings.run_args;
        (c.settings.lookup_bits, r.logrows, r.input_scale + r.param_scale)
    };
    let better = |a: &Candidate, b: &Candidate| match cfg.target {
        CalibrationTarget::Resources => key(a).cmp(&key(b)).then(a.err.total_cmp(&b.err)),
        CalibrationTarget::Accuracy => a.err.total_cmp(&b.err).then(key(a).cmp(&key(b))),
    } == std::cmp::Ordering::Less;
    // Why pairs were skipped before their error was measured: the first reason, and how many.
    let mut skipped: Option<(u32, u32, String)> = None;
    let mut n_skipped = 0usize;
    for &is in &scales {
        for &ps in &scales {
            tried += 1;
            let args = RunArgs { input_scale: is, param_scale: ps, logrows: 1, ..base.clone() };
            // Overflow, out-of-range scales, or a plan the circuit builder refuses make a
            // candidate infeasible, not the calibration fail.
            let generated = Settings::generate_with_runs(graph, args, samples).and_then(|(settings, q, runs)| match q.shift_above_param_scale() {
                Some(n) => Err(Error::Calibration(format!(
                    "node {:?} would rescale by 2^{} above the parameter scale, which the circuit does not support",
                    graph.nodes[n.index].name, n.shift
                ))),
                None => Ok((settings, runs)),
            });
            let (settings, runs) = match generated {
                Ok(g) => g,
                Err(e) => {
                    n_skipped += 1;
                    skipped.get_or_insert((is, ps, e.to_string()));
                    continue;
                }
            };
            let mut err = 0.0f64;
            for (run, float) in runs.iter().zip(&floats) {
                for (qo, fo) in run.dequantized_outputs().iter().zip(float) {
                    for (a, b) in qo.data.iter().zip(&fo.data) {
                        err = err.max((a - b).abs());
                    }
                }
            }
            best_err = best_err.min(err);
            if err <= cfg.tolerance && settings.lookup_bits <= cfg.max_lookup_bits {
                n_feasible += 1;
                let c = Candidate { settings, err };
                // The first of equal candidates wins (as min_by over them in order did).
                if best.as_ref().is_none_or(|b| better(&c, b)) {
                    best = Some(c);
                }
            }
        }
    }
    let Some(best) = best else {
        let why = match &skipped {
            Some((is, ps, e)) if n_skipped == tried => format!("; none could be evaluated, the first (scales ({is}, {ps})): {e}"),
            Some((is, ps, e)) => format!(" (best error seen: {best_err}); {n_skipped} could not be evaluated, the first (scales ({is}, {ps})): {e}"),
            None => format!(" (best error seen: {best_err})"),
        };
        return Err(Error::Calibration(format!(
            "none of {tried} scale pairs meets tolerance {} within {} lookup bits{why}",
            cfg.tolerance, cfg.max_lookup_bits
        )));
    };
    let mut settings = best.settings;
    let q = settings.quantize(graph)?;
    let mut bound = 0.0f64;
    for sample in samples {
        for t in q.error_bound(sample)? {
            bound = t.data.iter().fold(bound, |m, &v| m.max(v));
        }
    }
    // An infinite bound (a divisor whose bound reaches its value) is written as null: unbounded.
    settings.calibration = Some(CalibrationReport {
        target: match cfg.target {
            CalibrationTarget::Resources => "resources".into(),
            CalibrationTarget::Accuracy => "accuracy".into(),
        },
        samples: samples.len(),
        tolerance: cfg.tolerance,
        max_abs_error: best.err,
        max_error_bound: bound,
        max_lookup_bits: cfg.max_lookup_bits,
        candidates: tried,
        feasible: n_feasible,
    });
    Ok(settings)
}
