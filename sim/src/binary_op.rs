//! A testbench for two-operand arithmetic blocks (docs/interfaces.md §3): it streams operand
//! pairs with random input bubbles, honours `in_ready` where the block has one, and records every
//! result with the cycle it was issued and the cycle it came out, so that tests check values,
//! order, latency and initiation interval together.

use crate::model::{Model, Port};
use crate::SimError;
use num_bigint::BigUint;
use rand::{Rng, RngCore};
use std::collections::VecDeque;

/// The ports of a two-operand block.
#[derive(Clone, Copy, Debug)]
pub struct BinaryOpPorts {
    /// Synchronous reset, if any.
    pub reset: Option<Port>,
    /// First operand.
    pub a: Port,
    /// Second operand.
    pub b: Port,
    /// Operands offered.
    pub in_valid: Port,
    /// Operands accepted this cycle (iterative blocks); absent means always ready.
    pub in_ready: Option<Port>,
    /// Result.
    pub out: Port,
    /// Result valid.
    pub out_valid: Port,
}

impl BinaryOpPorts {
    /// The standard port names: `reset`, `a`, `b`, `in_valid`, `in_ready`, `out`, `out_valid`.
    pub fn standard(model: &Model) -> Result<Self, SimError> {
        Ok(Self {
            reset: model.port("reset").ok(),
            a: model.port("a")?,
            b: model.port("b")?,
            in_valid: model.port("in_valid")?,
            in_ready: model.port("in_ready").ok(),
            out: model.port("out")?,
            out_valid: model.port("out_valid")?,
        })
    }
}

/// One result as the block produced it.
#[derive(Clone, Debug)]
pub struct OpResult {
    /// Index of the operand pair.
    pub index: usize,
    /// Cycle (rising edge) that sampled the operands.
    pub issued: u64,
    /// Cycle in which the result was visible at the output.
    pub visible: u64,
    /// The result.
    pub value: BigUint,
}

impl OpResult {
    /// Register stages between operands and result (the block's `LATENCY`).
    pub fn latency(&self) -> u64 {
        self.visible - self.issued
    }
}

/// Runs `pairs` through the block. With probability `bubble` a cycle offers no operands.
/// Fails if a result appears with no operation in flight or if results are missing after
/// `drain_cycles` idle cycles.
pub fn run_binary_op(
    model: &mut Model,
    ports: &BinaryOpPorts,
    pairs: &[(BigUint, BigUint)],
    bubble: f64,
    drain_cycles: u64,
    rng: &mut impl RngCore,
) -> Result<Vec<OpResult>, String> {
    if let Some(r) = ports.reset {
        model.set_bool(r, true);
        model.tick();
        model.set_bool(r, false);
    }
    let mut results = Vec::with_capacity(pairs.len());
    let mut in_flight: VecDeque<(usize, u64)> = VecDeque::new();
    let mut next = 0usize;
    let mut idle = 0u64;
    while results.len() < pairs.len() {
        // Drive this cycle's inputs.
        let offer = next < pairs.len() && !rng.gen_bool(bubble);
        if offer {
            model.set_big(ports.a, &pairs[next].0);
            model.set_big(ports.b, &pairs[next].1);
        }
        model.set_bool(ports.in_valid, offer);
        model.eval();
        let accepted = offer && ports.in_ready.is_none_or(|r| model.get_bool(r));
        let cycle = model.cycles();
        model.tick();
        if accepted {
            in_flight.push_back((next, cycle));
            next += 1;
        }
        // Outputs of the cycle after the edge.
        if model.get_bool(ports.out_valid) {
            let (index, issued) = in_flight
                .pop_front()
                .ok_or_else(|| format!("out_valid in cycle {} with no operation in flight", model.cycles()))?;
            results.push(OpResult { index, issued, visible: model.cycles(), value: model.get_big(ports.out) });
            idle = 0;
        } else if next == pairs.len() {
            idle += 1;
            if idle > drain_cycles {
                return Err(format!(
                    "{} results missing after {drain_cycles} idle cycles",
                    pairs.len() - results.len()
                ));
            }
        }
    }
    model.set_bool(ports.in_valid, false);
    Ok(results)
}

/// Runs `pairs` back to back (operands always offered) and returns the cycles between
/// consecutive accepted pairs: the block's initiation interval.
pub fn measure_initiation_interval(
    model: &mut Model,
    ports: &BinaryOpPorts,
    pairs: &[(BigUint, BigUint)],
    latency_bound: u64,
) -> Result<Vec<u64>, String> {
    let mut never = rand::rngs::mock::StepRng::new(u64::MAX, 0); // gen_bool(0.0) never draws true
    let results = run_binary_op(model, ports, pairs, 0.0, latency_bound, &mut never)?;
    Ok(results.windows(2).map(|w| w[1].issued - w[0].issued).collect())
}

/// A reference model of a two-operand block: its name and the function on integers.
pub type Reference<'a> = (&'a str, &'a dyn Fn(&BigUint, &BigUint) -> BigUint);

/// Everything the Verilator test of a two-operand arithmetic block states.
pub struct BlockCheck<'a> {
    /// Test (and Verilator model) name.
    pub test: &'a str,
    /// The block's Verilog.
    pub verilog: String,
    /// Operand pairs to run.
    pub pairs: Vec<(BigUint, BigUint)>,
    /// Probability of an input bubble per cycle.
    pub bubble: f64,
    /// The block's stated latency.
    pub latency: u64,
    /// The block's stated initiation interval.
    pub initiation_interval: u64,
    /// How many back-to-back pairs to measure the initiation interval on.
    pub ii_samples: usize,
    /// Reference models; the RTL must equal every one of them.
    pub references: Vec<Reference<'a>>,
    /// Extra diagnostics printed on a mismatch (e.g. a step-by-step software model).
    pub explain: Option<&'a dyn Fn(&BigUint, &BigUint) -> String>,
}

/// Builds the block in Verilator, runs every pair with random bubbles, and asserts each result
/// against every reference model, each latency, and the initiation interval back to back. On the
/// first mismatch it replays the failing operands into a VCD and panics with the operands, the
/// RTL value, every reference value and the VCD path. Honours `ZKACCEL_VCD=1`.
pub fn check_binary_block(c: BlockCheck<'_>, rng: &mut impl RngCore) {
    let test = c.test;
    let lib = crate::Build::new(test, c.verilog.as_str()).build().unwrap_or_else(|e| panic!("{test}: {e}"));
    let mut m = lib.instantiate();
    m.trace_if_requested(test).unwrap_or_else(|e| panic!("{test}: {e}"));
    let ports = BinaryOpPorts::standard(&m).unwrap_or_else(|e| panic!("{test}: {e}"));
    let drain = 2 * c.latency + 16;
    let results = run_binary_op(&mut m, &ports, &c.pairs, c.bubble, drain, rng).unwrap_or_else(|e| panic!("{test}: {e}"));
    assert_eq!(results.len(), c.pairs.len(), "{test}: result count");
    for r in &results {
        let (a, b) = &c.pairs[r.index];
        let refs: Vec<(&str, BigUint)> = c.references.iter().map(|(name, f)| (*name, f(a, b))).collect();
        if refs.iter().any(|(_, v)| *v != r.value) || r.latency() != c.latency {
            let vcd = crate::failure::replay_binary_op_with_vcd(&c.verilog, test, &[(a.clone(), b.clone())]);
            let mut msg = format!(
                "{test} #{}: a={a:#x} b={b:#x}\n  RTL   {:#x} (latency {}, stated {})\n",
                r.index,
                r.value,
                r.latency(),
                c.latency
            );
            for (name, v) in &refs {
                msg.push_str(&format!("  {name:<5} {v:#x}\n"));
            }
            if let Some(explain) = c.explain {
                msg.push_str(&explain(a, b));
            }
            panic!("{msg}  VCD {vcd:?}");
        }
    }
    let n = c.ii_samples.min(c.pairs.len());
    let ii = measure_initiation_interval(&mut m, &ports, &c.pairs[..n], drain).unwrap_or_else(|e| panic!("{test}: {e}"));
    assert!(
        ii.iter().all(|&x| x == c.initiation_interval),
        "{test}: stated II {}, measured intervals {ii:?}",
        c.initiation_interval
    );
}
