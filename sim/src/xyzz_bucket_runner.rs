//! Drives a Verilator model of the XYZZ bucket scheduler (`msm_bucket_xyzz::scheduler`) with a
//! software XYZZ adder in the loop (`soft_xyzz_adder`): the adder's own bit-exact model
//! (`g1_add_xyzz::model::eval`) answering each operation `latency` cycles after it was issued,
//! with the `exc` flag — so every word the scheduler sends and gets back is what the RTL adder
//! would compute, and the schedule is the RTL's. The same runner drives the whole unit in RTL (`msm_bucket_xyzz::unit`, the adder
//! inside: no adder port, no software adder). Streams a group's requests (with optional bubbles and back-pressure), collects
//! the words read out (buckets, or chain sums with the on-card reduction) and the counters.

use crate::model::{Library, Model, Port};
use crate::SimError;
use ark_bn254::{Fq, G1Affine};
use ark_ec::AffineRepr;
use rand::Rng;
use std::collections::HashMap;
use std::sync::Arc;
use zkaccel::card_schedule::msm_requests::Request;
use zkaccel_hdl::field::{from_wire, to_wire};
use crate::soft_xyzz_adder::{SoftXyzzAdder, XyzzAdderPorts};
use zkaccel_hdl::g1_add_xyzz::model::Xyzz;
use zkaccel_hdl::msm_bucket_xyzz::model::Offsets;

const PORTS: &[&str] = &[
    "reset",
    "cfg_c",
    "cfg_windows",
    "cfg_reduce",
    "cfg_seg_log",
    "busy",
    "error",
    "flagged",
    "stat_flagged",
    "stat_reduce",
    "stat_issued",
    "stat_deferred",
    "stat_stalled",
    "s_x",
    "s_y",
    "s_inf",
    "s_neg",
    "s_mag",
    "s_window",
    "s_valid",
    "s_ready",
    "s_last",
    "m_data",
    "m_valid",
    "m_ready",
    "m_last",
    "cfg_off_bx",
    "cfg_off_by",
    "cfg_off_sx",
    "cfg_off_sy",
    "cfg_off_tx",
    "cfg_off_ty",
];

/// A cycle budget for one group before a run is declared hung: a few cycles per beat, the
/// reduction's schedule (`4·G·max(Q, L + 2)`) and the read-out, with room.
fn cycle_limit(beats: usize, c: usize, windows: usize, reduce: Option<usize>, n_words: usize, latency: u64) -> u64 {
    let reduction = reduce.map_or(0, |g| {
        let chains = ((windows << (c - 1)) >> g) as u64;
        4 * (1u64 << g) * chains.max(latency + 2)
    });
    4 * beats as u64 + 2 * reduction + 16 * (n_words as u64 + 1) + 4 * latency + 100_000
}

/// Counters of one group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct XyzzGroupStats {
    /// Requests streamed.
    pub requests: u64,
    /// Cycles from the group's start until the first word comes out, less the reduction's.
    pub accumulate_cycles: u64,
    /// The reduction's cycles (`stat_reduce`; 0 without it).
    pub reduce_cycles: u64,
    /// Cycles from the first word out to the last.
    pub readout_cycles: u64,
    /// Operations issued to the adder (accumulation and reduction passes).
    pub issued: u64,
    /// Requests sent to the conflict queue.
    pub deferred: u64,
    /// Cycles in which a valid request was not accepted.
    pub stalled: u64,
    /// Operations flagged (`stat_flagged`).
    pub flagged: u64,
}

/// The scheduler model, its software adder and the testbench state.
pub struct XyzzBucketRunner {
    m: Model,
    p: HashMap<&'static str, Port>,
    latency: u64,
    log_depth: usize,
    /// The adder is outside the model (a scheduler): the software adder that answers it.
    adder: Option<SoftXyzzAdder>,
    rng: Box<dyn rand::RngCore + Send>,
}

fn fq(bytes: &[u8]) -> Fq {
    from_wire(bytes).unwrap_or_else(|e| panic!("non-canonical element from the scheduler: {e}"))
}

/// A 1 024-bit word `X ‖ Y ‖ ZZ ‖ ZZZ` (wire format) as coordinates.
pub fn word(bytes: &[u8]) -> Xyzz {
    assert_eq!(bytes.len(), 128, "a 1 024-bit word");
    [0, 1, 2, 3].map(|k| fq(&bytes[32 * k..32 * k + 32]))
}

impl XyzzBucketRunner {
    /// An instance of `lib`, not yet reset: an `XyzzBucketScheduler` of `2^log_depth` bucket
    /// entries built for an adder of `latency` cycles (the software adder answers its adder port),
    /// or an `XyzzBucketUnit` (the RTL adder inside; no adder port, `latency` unused).
    pub fn new(lib: &Arc<Library>, log_depth: usize, latency: usize, rng: impl rand::RngCore + Send + 'static) -> Result<Self, SimError> {
        let m = lib.instantiate();
        let adder = XyzzAdderPorts::find_prefixed(&m, "")?.map(|ports| SoftXyzzAdder::new(ports, latency));
        let mut p = HashMap::new();
        for &n in PORTS {
            p.insert(n, m.port(n)?);
        }
        Ok(Self { m, p, latency: latency as u64, log_depth, adder, rng: Box::new(rng) })
    }

    /// The model (for ports and counters).
    pub fn model(&self) -> &Model {
        &self.m
    }

    /// A port by name.
    pub fn port(&self, name: &str) -> Port {
        self.p[name]
    }

    fn set_point(&mut self, x: &str, y: &str, a: &G1Affine) {
        self.m.set_bytes(self.p[x], &to_wire(&a.x));
        self.m.set_bytes(self.p[y], &to_wire(&a.y));
    }

    /// Changes the running sums' offsets `R_s`, `R_t` for the next groups, without a reset (the
    /// scheduler reads them only in round 0 of a reduction; `R_b` stays what the last reset set).
    pub fn set_running_offsets(&mut self, s: &G1Affine, t: &G1Affine) {
        self.set_point("cfg_off_sx", "cfg_off_sy", s);
        self.set_point("cfg_off_tx", "cfg_off_ty", t);
    }

    /// Sets the offsets and resets; the clear writes `R_b` into every bucket. Returns its cycles.
    pub fn reset(&mut self, off: &Offsets) -> Result<u64, SimError> {
        self.set_point("cfg_off_bx", "cfg_off_by", &off.bucket);
        self.set_point("cfg_off_sx", "cfg_off_sy", &off.s);
        self.set_point("cfg_off_tx", "cfg_off_ty", &off.t);
        if let Some(a) = &mut self.adder {
            a.clear();
        }
        for n in ["s_valid", "s_last", "m_ready"] {
            self.m.set_bool(self.p[n], false);
        }
        self.m.set_bool(self.p["reset"], true);
        self.cycle();
        self.m.set_bool(self.p["reset"], false);
        self.m.eval();
        let start = self.m.cycles();
        while self.m.get_bool(self.p["busy"]) {
            if self.m.cycles() - start > (1 << self.log_depth) + 100 {
                return Err(SimError::Tool("bucket memory clear did not finish".into()));
            }
            self.cycle();
            self.m.eval();
        }
        Ok(self.m.cycles() - start)
    }

    /// Drives the adder's result port for this cycle (software adder only).
    fn answer(&mut self) {
        if let Some(a) = &mut self.adder {
            a.answer(&mut self.m);
        }
    }

    /// Takes the operation issued this cycle (after eval) into the software adder and steps the clock.
    fn capture_and_tick(&mut self) {
        if let Some(a) = &mut self.adder {
            a.capture(&self.m);
        }
        self.m.tick();
    }

    fn cycle(&mut self) {
        self.answer();
        self.m.eval();
        self.capture_and_tick();
    }

    /// Streams one group's requests (`bubble`: probability that a cycle offers nothing; `stall`:
    /// that the read-out is not taken) and returns the words read out and the counters. `reduce`:
    /// `Some(seg_log)` reduces on the card (chain sums `S_0, T_0, S_1, …` out).
    pub fn run(
        &mut self,
        reqs: &[Request],
        c: usize,
        windows: usize,
        reduce: Option<usize>,
        bubble: f64,
        stall: f64,
    ) -> Result<(Vec<Xyzz>, XyzzGroupStats), SimError> {
        self.m.set_u64(self.p["cfg_c"], c as u64);
        self.m.set_u64(self.p["cfg_windows"], windows as u64);
        self.m.set_bool(self.p["cfg_reduce"], reduce.is_some());
        self.m.set_u64(self.p["cfg_seg_log"], reduce.unwrap_or(0) as u64);
        let dummy = [Request { point: G1Affine::zero(), neg: false, mag: 0, window: 0 }];
        let beats = if reqs.is_empty() { &dummy[..] } else { reqs };
        let n_words = match reduce {
            None => windows << (c - 1),
            Some(g) => 2 * ((windows << (c - 1)) >> g),
        };
        let stat = |m: &Model, n: &str, p: &HashMap<&'static str, Port>| m.get_u64(p[n]);
        let before = ["stat_issued", "stat_deferred", "stat_stalled", "stat_flagged", "stat_reduce"].map(|n| stat(&self.m, n, &self.p));
        let mut words = Vec::with_capacity(n_words);
        let (mut next, mut offered) = (0usize, false);
        let start = self.m.cycles();
        let limit = cycle_limit(beats.len(), c, windows, reduce, n_words, self.latency);
        let mut first_out = None;
        loop {
            if self.m.cycles() - start > limit {
                return Err(SimError::Tool(format!("scheduler hung: {next}/{} requests, {}/{n_words} words", beats.len(), words.len())));
            }
            self.answer();
            if next < beats.len() && (offered || !self.rng.gen_bool(bubble)) {
                let r = beats[next];
                self.m.set_bool(self.p["s_valid"], true);
                self.set_point("s_x", "s_y", &if r.point.is_zero() { G1Affine::generator() } else { r.point });
                self.m.set_bool(self.p["s_inf"], r.point.is_zero());
                self.m.set_bool(self.p["s_neg"], r.neg);
                self.m.set_u64(self.p["s_mag"], r.mag as u64);
                self.m.set_u64(self.p["s_window"], r.window as u64);
                self.m.set_bool(self.p["s_last"], next + 1 == beats.len());
                offered = true;
            } else {
                self.m.set_bool(self.p["s_valid"], false);
                self.m.set_bool(self.p["s_last"], false);
            }
            let ready = stall == 0.0 || !self.rng.gen_bool(stall);
            self.m.set_bool(self.p["m_ready"], ready);
            self.m.eval();
            let accepted = offered && self.m.get_bool(self.p["s_ready"]);
            let mut last = false;
            if self.m.get_bool(self.p["m_valid"]) && first_out.is_none() {
                first_out = Some(self.m.cycles());
            }
            if ready && self.m.get_bool(self.p["m_valid"]) {
                words.push(word(&self.m.get_bytes(self.p["m_data"])));
                last = self.m.get_bool(self.p["m_last"]);
            }
            self.capture_and_tick();
            if accepted {
                next += 1;
                offered = false;
            }
            if last {
                break;
            }
        }
        self.m.set_bool(self.p["s_valid"], false);
        self.m.set_bool(self.p["m_ready"], false);
        self.m.eval();
        if self.m.get_bool(self.p["error"]) {
            return Err(SimError::Tool("the unit raised its error flag".into()));
        }
        if words.len() != n_words {
            return Err(SimError::Tool(format!("m_last after {} words, expected {n_words}", words.len())));
        }
        let mut guard = 0;
        while self.m.get_bool(self.p["busy"]) {
            self.cycle();
            self.m.eval();
            guard += 1;
            if guard > 200 {
                return Err(SimError::Tool("busy after the read-out".into()));
            }
        }
        let end = self.m.cycles();
        let first_out = first_out.unwrap_or(end);
        let after = ["stat_issued", "stat_deferred", "stat_stalled", "stat_flagged", "stat_reduce"].map(|n| stat(&self.m, n, &self.p));
        let reduce_cycles = after[4] - before[4];
        Ok((
            words,
            XyzzGroupStats {
                requests: reqs.len() as u64,
                accumulate_cycles: first_out - start - reduce_cycles,
                reduce_cycles,
                readout_cycles: end - first_out,
                issued: after[0] - before[0],
                deferred: after[1] - before[1],
                stalled: after[2] - before[2],
                flagged: after[3] - before[3],
            },
        ))
    }
}

/// Counters of a lockstep run of several units ([`run_lockstep`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LockstepStats {
    /// Beats per unit (every unit's stream has this many; zero digits included).
    pub beats: u64,
    /// Cycles from the start until the last beat was taken by every unit.
    pub feed_cycles: u64,
    /// Cycles in which beats remained but some unit was not ready.
    pub held: u64,
    /// Per unit: cycles from the start until its first word came out (its accumulation, drain and
    /// reduction).
    pub first_out: Vec<u64>,
    /// Per unit: its counters.
    pub units: Vec<XyzzGroupStats>,
}

/// Runs several units in lockstep the way the multi-unit front-end feeds them
/// (`hdl/src/card/msm_front_dual.rs`, generalised): beat `k` of every unit's stream is offered to
/// all of them in the same cycle and taken only in a cycle where every unit is ready (each unit's
/// valid gated with the others' ready), so one unit's conflict retries hold the others; zero digits
/// take their beat like any other. After its last beat each unit drains, reduces and reads out on
/// its own (read-out always ready). What it leaves out, so its cycles are a lower bound for a real
/// front-end: the card-memory reads (one 64-byte table entry per beat — 16 GB/s at 250 MHz, 22.4 GB/s
/// at 350 MHz; the two-unit card's 128-entry point FIFO sustains one read per cycle on the HBM
/// model, a DDR4 card needs the table striped over at least two channels) and the digit stream's
/// packing (a unit triple straddles the 16-digit beats unless entries are padded to four slots).
pub fn run_lockstep(
    units: &mut [XyzzBucketRunner],
    streams: &[Vec<Request>],
    c: usize,
    windows: usize,
    reduce: Option<usize>,
) -> Result<(Vec<Vec<Xyzz>>, LockstepStats), SimError> {
    assert_eq!(units.len(), streams.len());
    let beats = streams[0].len();
    assert!(beats > 0 && streams.iter().all(|s| s.len() == beats), "every unit gets the same number of beats");
    let n_words = match reduce {
        None => windows << (c - 1),
        Some(g) => 2 * ((windows << (c - 1)) >> g),
    };
    let names = ["stat_issued", "stat_deferred", "stat_stalled", "stat_flagged", "stat_reduce"];
    let mut before = Vec::new();
    for u in units.iter_mut() {
        u.m.set_u64(u.p["cfg_c"], c as u64);
        u.m.set_u64(u.p["cfg_windows"], windows as u64);
        u.m.set_bool(u.p["cfg_reduce"], reduce.is_some());
        u.m.set_u64(u.p["cfg_seg_log"], reduce.unwrap_or(0) as u64);
        u.m.set_bool(u.p["m_ready"], true);
        before.push(names.map(|n| u.m.get_u64(u.p[n])));
    }
    let start = units[0].m.cycles();
    let mut words: Vec<Vec<Xyzz>> = (0..units.len()).map(|_| Vec::with_capacity(n_words)).collect();
    let mut done = vec![false; units.len()];
    let mut first_out: Vec<Option<u64>> = vec![None; units.len()];
    let (mut next, mut held, mut feed_cycles) = (0usize, 0u64, 0u64);
    let limit = cycle_limit(beats, c, windows, reduce, n_words, units[0].latency);
    while done.iter().any(|d| !d) {
        let now = units[0].m.cycles() - start;
        if now > limit {
            return Err(SimError::Tool(format!("lockstep run hung: {next}/{beats} beats")));
        }
        // Readiness does not depend on s_valid: evaluate with nothing offered first.
        for u in units.iter_mut() {
            u.answer();
            u.m.set_bool(u.p["s_valid"], false);
            u.m.eval();
        }
        let all_ready = next < beats && units.iter().all(|u| u.m.get_bool(u.p["s_ready"]));
        if next < beats && !all_ready {
            held += 1;
        }
        for (k, u) in units.iter_mut().enumerate() {
            if all_ready {
                let r = streams[k][next];
                u.m.set_bool(u.p["s_valid"], true);
                u.set_point("s_x", "s_y", &if r.point.is_zero() { G1Affine::generator() } else { r.point });
                u.m.set_bool(u.p["s_inf"], r.point.is_zero());
                u.m.set_bool(u.p["s_neg"], r.neg);
                u.m.set_u64(u.p["s_mag"], r.mag as u64);
                u.m.set_u64(u.p["s_window"], r.window as u64);
                u.m.set_bool(u.p["s_last"], next + 1 == beats);
            } else {
                u.m.set_bool(u.p["s_last"], false);
            }
            u.m.eval();
            if all_ready && !u.m.get_bool(u.p["s_ready"]) {
                return Err(SimError::Tool("a unit withdrew s_ready after seeing s_valid".into()));
            }
            if u.m.get_bool(u.p["m_valid"]) && !done[k] {
                first_out[k].get_or_insert(now);
                words[k].push(word(&u.m.get_bytes(u.p["m_data"])));
                done[k] = u.m.get_bool(u.p["m_last"]);
            }
            u.capture_and_tick();
        }
        if all_ready {
            next += 1;
            if next == beats {
                feed_cycles = now + 1;
            }
        }
    }
    let mut stats = LockstepStats { beats: beats as u64, feed_cycles, held, ..Default::default() };
    for (k, u) in units.iter_mut().enumerate() {
        u.m.set_bool(u.p["s_valid"], false);
        u.m.eval();
        if u.m.get_bool(u.p["error"]) {
            return Err(SimError::Tool(format!("unit {k} raised its error flag")));
        }
        if words[k].len() != n_words {
            return Err(SimError::Tool(format!("unit {k}: {} words, expected {n_words}", words[k].len())));
        }
        let after = names.map(|n| u.m.get_u64(u.p[n]));
        let reduce_cycles = after[4] - before[k][4];
        let fo = first_out[k].unwrap_or(0);
        stats.first_out.push(fo);
        stats.units.push(XyzzGroupStats {
            requests: streams[k].iter().filter(|r| r.mag != 0 && !r.point.is_zero()).count() as u64,
            accumulate_cycles: fo - reduce_cycles,
            reduce_cycles,
            readout_cycles: n_words as u64,
            issued: after[0] - before[k][0],
            deferred: after[1] - before[k][1],
            stalled: after[2] - before[k][2],
            flagged: after[3] - before[k][3],
        });
    }
    // Let every unit return to Accumulate.
    for u in units.iter_mut() {
        u.m.set_bool(u.p["m_ready"], false);
        let mut guard = 0;
        u.m.eval();
        while u.m.get_bool(u.p["busy"]) {
            u.cycle();
            u.m.eval();
            guard += 1;
            if guard > 200 {
                return Err(SimError::Tool("busy after the read-out".into()));
            }
        }
    }
    Ok((words, stats))
}
