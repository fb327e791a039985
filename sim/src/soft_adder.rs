//! The G1 adder's cycle-exact software model, for models whose adder port is outside the RTL
//! (`BucketScheduler`, `CardCore`): an addition issued in cycle t (`add_valid` with the first
//! summand `X ‖ Y ‖ Z`, the second — affine `(x2, y2)`, or projective `(X2 : Y2 : Z2)` when the
//! port has `add_z2` —, `neg2`, the tag) is answered in cycle t + `latency` on the `sum_*` port
//! with the arkworks sum and the same tag — exactly when the RTL adder (`G1AddMixedXcup`,
//! `g1_add_mixed::config::LATENCY`, complete formulas) would answer, with the same point (in the
//! representation `bucket_to_wire` chooses). The schedule of the surrounding RTL does not depend
//! on the sums, so cycle counts equal the full-RTL model's.

use crate::model::{Model, Port};
use crate::SimError;
use ark_bn254::{FqConfig, G1Affine, G1Projective};
use std::collections::VecDeque;
use zkaccel_interface::wire::{bucket_from_wire, bucket_to_wire, from_wire};

/// The adder port of a model (scheduler side).
pub struct AdderPorts {
    valid: Port,
    x1: Port,
    y1: Port,
    z1: Port,
    x2: Port,
    y2: Port,
    z2: Option<Port>,
    neg2: Port,
    tag: Port,
    sum_valid: Port,
    sum_x3: Port,
    sum_y3: Port,
    sum_z3: Port,
    sum_tag: Port,
}

impl AdderPorts {
    /// The model's adder port, or `None` when it has none (its adder is RTL).
    pub fn find(model: &Model) -> Result<Option<Self>, SimError> {
        Self::find_prefixed(model, "")
    }

    /// The adder port whose names start with `prefix` (`""`: `add_valid`, …; `"u1_"`: the
    /// two-unit card's second port, `u1_add_valid`, …), or `None` when the model has none.
    pub fn find_prefixed(model: &Model, prefix: &str) -> Result<Option<Self>, SimError> {
        if model.port(&format!("{prefix}add_valid")).is_err() {
            return Ok(None);
        }
        let p = |n: &str| model.port(&format!("{prefix}{n}"));
        Ok(Some(Self {
            valid: p("add_valid")?,
            x1: p("add_x1")?,
            y1: p("add_y1")?,
            z1: p("add_z1")?,
            x2: p("add_x2")?,
            y2: p("add_y2")?,
            z2: p("add_z2").ok(),
            neg2: p("add_neg2")?,
            tag: p("add_tag")?,
            sum_valid: p("sum_valid")?,
            sum_x3: p("sum_x3")?,
            sum_y3: p("sum_y3")?,
            sum_z3: p("sum_z3")?,
            sum_tag: p("sum_tag")?,
        }))
    }
}

/// The software adder in the loop.
pub struct SoftAdder {
    ports: AdderPorts,
    latency: u64,
    pending: VecDeque<(u64, [u8; 96], u64)>,
}

impl SoftAdder {
    /// An adder of `latency` cycles on `ports`.
    pub fn new(ports: AdderPorts, latency: usize) -> Self {
        Self { ports, latency: latency as u64, pending: VecDeque::new() }
    }

    /// Drops every addition in flight (reset).
    pub fn clear(&mut self) {
        self.pending.clear();
    }

    /// Drives the result port for cycle `now` (before the model is evaluated).
    pub fn answer(&mut self, model: &mut Model) {
        let a = &self.ports;
        match self.pending.front() {
            Some(&(due, sum, tag)) if due == model.cycles() => {
                model.set_bool(a.sum_valid, true);
                model.set_bytes(a.sum_x3, &sum[..32]);
                model.set_bytes(a.sum_y3, &sum[32..64]);
                model.set_bytes(a.sum_z3, &sum[64..]);
                model.set_u64(a.sum_tag, tag);
                self.pending.pop_front();
            }
            _ => model.set_bool(a.sum_valid, false),
        }
    }

    /// Takes the addition issued in this cycle, if any (after the model was evaluated, before the
    /// clock edge).
    pub fn capture(&mut self, model: &Model) {
        let a = &self.ports;
        if !model.get_bool(a.valid) {
            return;
        }
        let mut bucket = Vec::with_capacity(96);
        for port in [a.x1, a.y1, a.z1] {
            bucket.extend(model.get_bytes(port));
        }
        let point: G1Projective = match a.z2 {
            Some(z2) => {
                let mut second = Vec::with_capacity(96);
                for port in [a.x2, a.y2, z2] {
                    second.extend(model.get_bytes(port));
                }
                bucket_from_wire(&second).unwrap_or_else(|e| panic!("second summand sent to the adder: {e}"))
            }
            None => {
                let x = from_wire::<FqConfig>(&model.get_bytes(a.x2)).expect("adder x2 is canonical");
                let y = from_wire::<FqConfig>(&model.get_bytes(a.y2)).expect("adder y2 is canonical");
                G1Affine::new_unchecked(x, y).into()
            }
        };
        let b = bucket_from_wire(&bucket).unwrap_or_else(|e| panic!("bucket sent to the adder: {e}"));
        let sum = if model.get_bool(a.neg2) { b - point } else { b + point };
        let tag = model.get_u64(a.tag);
        self.pending.push_back((model.cycles() + self.latency, bucket_to_wire(&sum), tag));
    }

    /// Forces the result port idle (between runs).
    pub fn idle(&self, model: &mut Model) {
        model.set_bool(self.ports.sum_valid, false);
    }
}
