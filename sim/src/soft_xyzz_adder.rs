//! The XYZZ G1 adder's cycle-exact software model, for models whose XYZZ adder port is outside
//! the RTL (the three-unit card `CardCoreTriple`): an operation issued in cycle t (`add_valid`
//! with `add_mode`, the first operand `X ‖ Y ‖ ZZ ‖ ZZZ`, the scale factors `ZZu`, `ZZZu`, the
//! affine second operand and `neg2`, the tag) is answered in cycle t + `latency` on the `sum_*`
//! port with the adder's own bit-exact model (`g1_add_xyzz::model::eval`: the same coordinates
//! and the same `exc` flag as `G1AddXyzzXcup`, `g1_add_xyzz::config::LATENCY`) and the same tag.
//! The schedule of the surrounding RTL does not depend on the values, so cycle counts equal the
//! full-RTL model's.

use crate::model::{Model, Port};
use crate::SimError;
use ark_bn254::Fq;
use std::collections::VecDeque;
use zkaccel_hdl::field::{from_wire, to_wire};
use zkaccel_hdl::g1_add_xyzz::model::{eval, Mode, Xyzz, XyzzInput};

/// Names of an XYZZ adder port (scheduler side), without the prefix.
const OUT: [&str; 12] = ["add_valid", "add_mode", "add_x1", "add_y1", "add_zz1", "add_zzz1", "add_zzu", "add_zzzu", "add_x2", "add_y2", "add_neg2", "add_tag"];
const IN: [&str; 7] = ["sum_valid", "sum_x3", "sum_y3", "sum_zz3", "sum_zzz3", "sum_exc", "sum_tag"];

/// The XYZZ adder port of a model.
pub struct XyzzAdderPorts {
    out: [Port; 12],
    inp: [Port; 7],
}

impl XyzzAdderPorts {
    /// The XYZZ adder port whose names start with `prefix` (`"u0_"`: `u0_add_valid`, …), or `None`
    /// when the model has no `{prefix}add_zz1` (no XYZZ port under that prefix).
    pub fn find_prefixed(model: &Model, prefix: &str) -> Result<Option<Self>, SimError> {
        if model.port(&format!("{prefix}add_zz1")).is_err() {
            return Ok(None);
        }
        let p = |n: &str| model.port(&format!("{prefix}{n}"));
        let mut out = Vec::with_capacity(OUT.len());
        for n in OUT {
            out.push(p(n)?);
        }
        let mut inp = Vec::with_capacity(IN.len());
        for n in IN {
            inp.push(p(n)?);
        }
        Ok(Some(Self { out: out.try_into().expect("12 ports"), inp: inp.try_into().expect("7 ports") }))
    }
}

fn fq(model: &Model, port: Port, what: &str) -> Fq {
    from_wire(&model.get_bytes(port)).unwrap_or_else(|e| panic!("non-canonical {what} sent to the XYZZ adder: {e}"))
}

/// The software XYZZ adder in the loop.
pub struct SoftXyzzAdder {
    ports: XyzzAdderPorts,
    latency: u64,
    pending: VecDeque<(u64, Xyzz, bool, u64)>,
}

impl SoftXyzzAdder {
    /// An adder of `latency` cycles on `ports`.
    pub fn new(ports: XyzzAdderPorts, latency: usize) -> Self {
        Self { ports, latency: latency as u64, pending: VecDeque::new() }
    }

    /// Drops every operation in flight (reset).
    pub fn clear(&mut self) {
        self.pending.clear();
    }

    /// Drives the result port for the model's current cycle (before the model is evaluated).
    pub fn answer(&mut self, model: &mut Model) {
        let [valid, x3, y3, zz3, zzz3, exc, tag] = self.ports.inp;
        match self.pending.front() {
            Some(&(due, out, flagged, t)) if due == model.cycles() => {
                for (port, v) in [x3, y3, zz3, zzz3].into_iter().zip(out) {
                    model.set_bytes(port, &to_wire(&v));
                }
                model.set_bool(exc, flagged);
                model.set_u64(tag, t);
                model.set_bool(valid, true);
                self.pending.pop_front();
            }
            _ => model.set_bool(valid, false),
        }
    }

    /// Takes the operation issued in this cycle, if any (after the model was evaluated, before
    /// the clock edge).
    pub fn capture(&mut self, model: &Model) {
        let [valid, mode, x1, y1, zz1, zzz1, zzu, zzzu, x2, y2, neg2, tag] = self.ports.out;
        if !model.get_bool(valid) {
            return;
        }
        let mode = match model.get_u64(mode) {
            0 => Mode::Add,
            2 => Mode::Scale,
            m => panic!("a unit issued XYZZ mode {m} (its schedulers issue 0 and 2 only)"),
        };
        let inp = XyzzInput {
            mode,
            p: [fq(model, x1, "X1"), fq(model, y1, "Y1"), fq(model, zz1, "ZZ1"), fq(model, zzz1, "ZZZ1")],
            zzu: fq(model, zzu, "ZZu"),
            zzzu: fq(model, zzzu, "ZZZu"),
            x2: fq(model, x2, "x2"),
            y2: fq(model, y2, "y2"),
            inf2: false,
            neg2: model.get_bool(neg2),
        };
        let out = eval(&inp);
        self.pending.push_back((model.cycles() + self.latency, out.p, out.exc, model.get_u64(tag)));
    }
}
