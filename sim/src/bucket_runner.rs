//! Drives a Verilator model of the MSM bucket unit: streams the addition requests of each window
//! group (`zkaccel::card_schedule::msm_requests`), reads the buckets back, reduces them on the host
//! and counts cycles, additions issued, conflicts and input stalls.
//!
//! Two kinds of model share this runner:
//! * the scheduler alone (`BucketScheduler`, adder ports on the outside) with a **software adder**
//!   of a given latency in the loop: the schedule is the RTL's, the sums come from arkworks; this
//!   is what the occupancy bench runs at 2^16 points and more (fast builds, fast cycles);
//! * the whole unit (`BucketUnit`: scheduler + the RTL G1 adder); the tests now run the RTL adder
//!   inside the card top instead (`driver/tests/sim_card_msm.rs`).
//!
//! The runner picks the mode from the model's ports (`add_valid` present = adder outside).
//! [`BucketRunner::msm_reduced`] runs the MSM with the bucket reduction on the card (the
//! scheduler's `cfg_reduce`: two points per chain come back, the host combines them).

use crate::model::{Library, Model, Port};
use crate::soft_adder::{AdderPorts, SoftAdder};
use crate::SimError;
use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AdditiveGroup, AffineRepr};
use rand::Rng;
use std::sync::Arc;
use zkaccel::card_schedule::msm_reduce::{combine, plan_reduced, ChainSums, ReduceGroup, CHAIN_LOG_DEPTH};
use zkaccel::card_schedule::msm_requests::{plan, reduce_buckets, Request};
use zkaccel_hdl::field::to_wire;
use zkaccel_interface::wire::bucket_from_wire;

pub use crate::traffic::Traffic;

/// Counters of one window group.
#[derive(Clone, Copy, Debug, Default)]
pub struct GroupStats {
    /// Addition requests streamed (nonzero digits of finite points).
    pub requests: u64,
    /// Cycles from the first request offered until the buckets start to come out (includes the
    /// drain of the last additions).
    pub accumulate_cycles: u64,
    /// Cycles of the read-out (first to last bucket or chain sum).
    pub readout_cycles: u64,
    /// Cycles of the on-card reduction (the scheduler's `stat_reduce`; 0 without it): from the
    /// first running-sum selection until the last sum is written back. Not in `accumulate_cycles`.
    pub reduce_cycles: u64,
    /// Bucket additions issued to the adder.
    pub issued: u64,
    /// Requests sent to the conflict queue (one request may be deferred several times).
    pub deferred: u64,
    /// Cycles in which a valid request was not accepted.
    pub stalled: u64,
}

impl GroupStats {
    /// Additions issued per accumulation cycle.
    pub fn occupancy(&self) -> f64 {
        self.issued as f64 / self.accumulate_cycles.max(1) as f64
    }
}

/// Statistics of one MSM.
#[derive(Clone, Debug, Default)]
pub struct MsmStats {
    /// Window size used.
    pub c: usize,
    /// Per window group.
    pub groups: Vec<GroupStats>,
}

impl MsmStats {
    /// Sum over the groups.
    pub fn total(&self) -> GroupStats {
        let mut t = GroupStats::default();
        for g in &self.groups {
            t.requests += g.requests;
            t.accumulate_cycles += g.accumulate_cycles;
            t.readout_cycles += g.readout_cycles;
            t.reduce_cycles += g.reduce_cycles;
            t.issued += g.issued;
            t.deferred += g.deferred;
            t.stalled += g.stalled;
        }
        t
    }
}

struct Ports {
    reset: Port,
    cfg_c: Port,
    cfg_windows: Port,
    busy: Port,
    error: Port,
    s_x: Port,
    s_y: Port,
    s_inf: Port,
    s_neg: Port,
    s_mag: Port,
    s_window: Port,
    s_valid: Port,
    s_ready: Port,
    s_last: Port,
    m_data: Port,
    m_valid: Port,
    m_ready: Port,
    m_last: Port,
    stat_issued: Port,
    stat_deferred: Port,
    stat_stalled: Port,
    /// The on-card reduction's ports (a scheduler built before it has none).
    reduce: Option<(Port, Port, Port)>,
}

/// A Verilator bucket unit (or scheduler + software adder) with its testbench.
pub struct BucketRunner {
    model: Model,
    ports: Ports,
    log_depth: usize,
    adder: Option<SoftAdder>,
    traffic: Traffic,
    rng: Box<dyn rand::RngCore + Send>,
    /// Cycle budget per request before a run is declared hung.
    pub cycles_per_request_limit: u64,
}

impl BucketRunner {
    /// An instance of `lib` with `2^log_depth` bucket entries, reset and cleared. For a scheduler
    /// model (adder ports outside) `soft_latency` is the latency of the software adder put in the
    /// loop (use the RTL adder's); it is ignored for a whole unit.
    pub fn new(
        lib: &Arc<Library>,
        log_depth: usize,
        soft_latency: usize,
        traffic: Traffic,
        rng: impl rand::RngCore + Send + 'static,
    ) -> Result<Self, SimError> {
        let model = lib.instantiate();
        let p = |n: &str| model.port(n);
        let adder = AdderPorts::find(&model)?.map(|ports| SoftAdder::new(ports, soft_latency));
        let ports = Ports {
            reset: p("reset")?,
            cfg_c: p("cfg_c")?,
            cfg_windows: p("cfg_windows")?,
            busy: p("busy")?,
            error: p("error")?,
            s_x: p("s_x")?,
            s_y: p("s_y")?,
            s_inf: p("s_inf")?,
            s_neg: p("s_neg")?,
            s_mag: p("s_mag")?,
            s_window: p("s_window")?,
            s_valid: p("s_valid")?,
            s_ready: p("s_ready")?,
            s_last: p("s_last")?,
            m_data: p("m_data")?,
            m_valid: p("m_valid")?,
            m_ready: p("m_ready")?,
            m_last: p("m_last")?,
            stat_issued: p("stat_issued")?,
            stat_deferred: p("stat_deferred")?,
            stat_stalled: p("stat_stalled")?,
            reduce: match (p("cfg_reduce"), p("cfg_seg_log"), p("stat_reduce")) {
                (Ok(a), Ok(b), Ok(c)) => Some((a, b, c)),
                _ => None,
            },
        };
        let mut r = Self { model, ports, log_depth, adder, traffic, rng: Box::new(rng), cycles_per_request_limit: 2_000 };
        r.reset()?;
        Ok(r)
    }

    /// The underlying model (e.g. to start a VCD).
    pub fn model_mut(&mut self) -> &mut Model {
        &mut self.model
    }

    /// Changes the stream behaviour for later runs.
    pub fn set_traffic(&mut self, traffic: Traffic) {
        self.traffic = traffic;
    }

    /// Resets the unit and waits for the bucket memory to be cleared; returns the cycles spent.
    pub fn reset(&mut self) -> Result<u64, SimError> {
        if let Some(a) = &mut self.adder {
            a.clear();
        }
        self.idle_inputs();
        self.model.set_bool(self.ports.reset, true);
        self.cycle();
        self.model.set_bool(self.ports.reset, false);
        let start = self.model.cycles();
        let limit = (1u64 << self.log_depth) + 100;
        self.model.eval();
        while self.model.get_bool(self.ports.busy) {
            if self.model.cycles() - start > limit {
                return Err(SimError::Tool(format!("bucket memory clear did not finish in {limit} cycles")));
            }
            self.cycle();
        }
        Ok(self.model.cycles() - start)
    }

    fn idle_inputs(&mut self) {
        let p = &self.ports;
        self.model.set_bool(p.s_valid, false);
        self.model.set_bool(p.s_last, false);
        self.model.set_bool(p.m_ready, false);
        if let Some(a) = &self.adder {
            a.idle(&mut self.model);
        }
    }

    /// Drives the software adder's result port for the current cycle: an addition the scheduler
    /// issued in cycle t is answered in cycle t + latency.
    fn begin_cycle(&mut self) {
        if let Some(a) = &mut self.adder {
            a.answer(&mut self.model);
        }
    }

    /// Captures an addition issued this cycle (software adder) and steps the clock. The caller has
    /// set this cycle's inputs and evaluated the model.
    fn end_cycle(&mut self) {
        if let Some(a) = &mut self.adder {
            a.capture(&self.model);
        }
        self.model.tick();
    }

    /// One cycle with the current inputs.
    fn cycle(&mut self) {
        self.begin_cycle();
        self.model.eval();
        self.end_cycle();
    }

    fn stat(&self, port: Port) -> u64 {
        self.model.get_u64(port)
    }

    /// Accumulates one window group (`windows` windows of `2^{c−1}` buckets) from `requests` and
    /// returns its buckets (`[window][|d| − 1]`) and counters.
    pub fn run_group(&mut self, requests: &[Request], c: usize, windows: usize) -> Result<(Vec<Vec<G1Projective>>, GroupStats), SimError> {
        let (words, stats, _) = self.stream_group(requests, c, windows, None, &[])?;
        let mut buckets = Vec::with_capacity(windows);
        for w in 0..windows {
            let mut row = Vec::with_capacity(1 << (c - 1));
            for b in 0..1usize << (c - 1) {
                let word = &words[(w << (c - 1)) + b];
                row.push(bucket_from_wire(word).map_err(|e| SimError::Tool(format!("window {w} bucket {b}: {e}")))?);
            }
            buckets.push(row);
        }
        Ok((buckets, stats))
    }

    /// Accumulates one window group from `requests` and reduces it on the card in chains of
    /// `2^seg_log` buckets; returns the chain sums `S_q, T_q` and the counters.
    pub fn run_group_reduced(&mut self, requests: &[Request], c: usize, windows: usize, seg_log: usize) -> Result<(ChainSums, GroupStats), SimError> {
        let (sums, stats, _) = self.run_group_reduced_marked(requests, c, windows, seg_log, &[])?;
        Ok((sums, stats))
    }

    /// [`Self::run_group_reduced`], also returning for each request index in `marks` (ascending)
    /// the cycle, counted from the group's start, in which the unit accepted that request (the
    /// card's progress through the digit stream, for the bench's host/card overlap timeline).
    pub fn run_group_reduced_marked(
        &mut self,
        requests: &[Request],
        c: usize,
        windows: usize,
        seg_log: usize,
        marks: &[usize],
    ) -> Result<(ChainSums, GroupStats, Vec<u64>), SimError> {
        let (words, stats, marked) = self.stream_group(requests, c, windows, Some(seg_log), marks)?;
        let mut sums = ChainSums::default();
        for (k, word) in words.iter().enumerate() {
            let p = bucket_from_wire(word).map_err(|e| SimError::Tool(format!("chain {} {}: {e}", k / 2, ["S", "T"][k % 2])))?;
            if k % 2 == 0 {
                sums.s.push(p);
            } else {
                sums.t.push(p);
            }
        }
        Ok((sums, stats, marked))
    }

    /// Streams one group and collects the card's words (buckets, or with `reduce = Some(seg_log)`
    /// the chain sums).
    fn stream_group(
        &mut self,
        requests: &[Request],
        c: usize,
        windows: usize,
        reduce: Option<usize>,
        marks: &[usize],
    ) -> Result<(Vec<Vec<u8>>, GroupStats, Vec<u64>), SimError> {
        if marks.windows(2).any(|m| m[0] >= m[1]) || marks.last().is_some_and(|&m| m >= requests.len().max(1)) {
            return Err(SimError::Tool("request marks must ascend and lie within the group".into()));
        }
        let mut marked = Vec::with_capacity(marks.len());
        let traffic = self.traffic;
        self.model.set_u64(self.ports.cfg_c, c as u64);
        self.model.set_u64(self.ports.cfg_windows, windows as u64);
        match (self.ports.reduce, reduce) {
            (Some((on, seg, _)), r) => {
                self.model.set_bool(on, r.is_some());
                self.model.set_u64(seg, r.unwrap_or(0) as u64);
            }
            (None, Some(_)) => return Err(SimError::Tool("this bucket unit has no on-card reduction".into())),
            (None, None) => {}
        }
        let reduce_before = self.ports.reduce.map_or(0, |(_, _, st)| self.stat(st));
        self.model.eval();
        if self.model.get_bool(self.ports.busy) {
            return Err(SimError::Tool("bucket unit busy at the start of a group".into()));
        }
        let before = (self.stat(self.ports.stat_issued), self.stat(self.ports.stat_deferred), self.stat(self.ports.stat_stalled));
        let start = self.model.cycles();
        let limit = self.cycles_per_request_limit * (requests.len() as u64 + 1) + 10_000 + 4 * (windows << c) as u64;
        // A group without requests still needs one beat to carry `s_last`: a zero digit.
        let dummy = Request { point: G1Affine::identity(), neg: false, mag: 0, window: 0 };
        let dummies = [dummy];
        let beats: &[Request] = if requests.is_empty() { &dummies } else { requests };
        let n_entries = match reduce {
            None => windows << (c - 1),
            Some(g) => 2 * ((windows << (c - 1)) >> g),
        };
        let limit = limit + reduce.map_or(0, |_| 4 * (n_entries as u64 + 256) * (1 << c) as u64);
        let mut words: Vec<Vec<u8>> = Vec::with_capacity(n_entries);
        let mut next = 0usize;
        let mut offered = false;
        let mut first_out = None;
        loop {
            if self.model.cycles() - start > limit {
                return Err(SimError::Tool(format!(
                    "bucket unit hung: {next}/{} requests accepted, {}/{n_entries} buckets read after {limit} cycles",
                    beats.len(),
                    words.len()
                )));
            }
            self.begin_cycle();
            let p = &self.ports;
            if next < beats.len() && (offered || !self.rng.gen_bool(traffic.bubble)) {
                let r = &beats[next];
                let inf = r.point.is_zero();
                self.model.set_bool(p.s_valid, true);
                self.model.set_bytes(p.s_x, &to_wire(&r.point.x));
                self.model.set_bytes(p.s_y, &to_wire(&r.point.y));
                self.model.set_bool(p.s_inf, inf);
                self.model.set_bool(p.s_neg, r.neg);
                self.model.set_u64(p.s_mag, r.mag as u64);
                self.model.set_u64(p.s_window, r.window as u64);
                self.model.set_bool(p.s_last, next + 1 == beats.len());
                offered = true;
            } else {
                self.model.set_bool(p.s_valid, false);
                self.model.set_bool(p.s_last, false);
            }
            let ready_out = !self.rng.gen_bool(traffic.stall);
            self.model.set_bool(p.m_ready, ready_out);
            self.model.eval();
            let accepted = offered && self.model.get_bool(p.s_ready);
            let out = self.model.get_bool(p.m_valid) && ready_out;
            let mut last = false;
            if self.model.get_bool(p.m_valid) && first_out.is_none() {
                first_out = Some(self.model.cycles());
            }
            if out {
                words.push(self.model.get_bytes(p.m_data));
                last = self.model.get_bool(p.m_last);
            }
            self.end_cycle();
            if accepted {
                if marks.get(marked.len()) == Some(&next) {
                    marked.push(self.model.cycles() - start);
                }
                next += 1;
                offered = false;
            }
            if last {
                break;
            }
        }
        self.idle_inputs();
        self.model.eval();
        if self.model.get_bool(self.ports.error) {
            return Err(SimError::Tool("bucket unit raised its error flag".into()));
        }
        if words.len() != n_entries {
            return Err(SimError::Tool(format!("m_last after {} words, expected {n_entries}", words.len())));
        }
        // Let the unit return to Accumulate.
        let mut guard = 0;
        while self.model.get_bool(self.ports.busy) {
            self.cycle();
            self.model.eval();
            guard += 1;
            if guard > 100 {
                return Err(SimError::Tool("bucket unit stays busy after the read-out".into()));
            }
        }
        let end = self.model.cycles();
        let first_out = first_out.unwrap_or(end);
        let reduce_cycles = self.ports.reduce.map_or(0, |(_, _, st)| self.stat(st)) - reduce_before;
        let stats = GroupStats {
            requests: requests.len() as u64,
            accumulate_cycles: first_out - start - reduce_cycles,
            readout_cycles: end - first_out,
            reduce_cycles,
            issued: self.stat(self.ports.stat_issued) - before.0,
            deferred: self.stat(self.ports.stat_deferred) - before.1,
            stalled: self.stat(self.ports.stat_stalled) - before.2,
        };
        Ok((words, stats, marked))
    }

    /// The requests of a reduced group: one per nonzero digit of a finite point, point-major.
    pub fn reduced_requests(points: &[G1Affine], group: &ReduceGroup) -> Vec<Request> {
        let mut out = Vec::new();
        for (i, p) in points.iter().enumerate() {
            if p.is_zero() {
                continue;
            }
            for w in 0..group.windows {
                let d = group.digits[i * group.windows + w];
                if d != 0 {
                    out.push(Request { point: *p, neg: d < 0, mag: d.unsigned_abs() as u16, window: w as u8 });
                }
            }
        }
        out
    }

    /// `Σ sᵢ·Pᵢ` with the bucket reduction on the card: `plan_reduced` (host), accumulation and
    /// chain reduction per group (card), `combine` (host).
    pub fn msm_reduced(&mut self, points: &[G1Affine], scalars: &[Fr], c: usize) -> Result<(G1Projective, MsmStats), SimError> {
        let mut stats = MsmStats { c, groups: Vec::new() };
        let groups = plan_reduced(scalars, c, self.log_depth, CHAIN_LOG_DEPTH);
        let mut sums = Vec::with_capacity(groups.len());
        for g in &groups {
            let (s, st) = self.run_group_reduced(&Self::reduced_requests(points, g), c, g.windows, g.seg_log)?;
            sums.push(s);
            stats.groups.push(st);
        }
        Ok((combine(&groups, &sums, c), stats))
    }

    /// `Σ sᵢ·Pᵢ` on the unit with window size `c`: host slicing and grouping, the card's bucket
    /// accumulation, host reduction (running sums) and combination.
    pub fn msm(&mut self, points: &[G1Affine], scalars: &[Fr], c: usize) -> Result<(G1Projective, MsmStats), SimError> {
        let mut stats = MsmStats { c, groups: Vec::new() };
        let mut all = Vec::new();
        for group in plan(points, scalars, c, self.log_depth) {
            let (raw, g) = self.run_group(&group.requests, c, group.windows)?;
            all.extend(group.fold(raw, c));
            stats.groups.push(g);
        }
        let sum = if all.is_empty() { G1Projective::ZERO } else { reduce_buckets(&all, c) };
        Ok((sum, stats))
    }
}
