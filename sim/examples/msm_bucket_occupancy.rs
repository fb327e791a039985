//! Occupancy bench of the bucket unit's scheduler and card + host projection (not part of the
//! test suite): a whole MSM of `2^log_n` random points and scalars, digits written by the host
//! straight into the card's wire words (`zkaccel::card_schedule::msm_digit_stream`, chunks of
//! `2^log_chunk` points, checked bit for bit against `msm_reduce::plan_reduced`), accumulated
//! **and reduced** by the scheduler RTL in Verilator (`cfg_reduce`: running sums per chain in the
//! chain RAMs, two points per chain out) with a software adder of the RTL G1 adder's latency in the
//! loop (the schedule does not depend on the sums, and the RTL adder at this size would take hours
//! to simulate), decoded and combined by the host group by group and checked against arkworks (the
//! host's decode of the answer words — every word checked on the curve, `msm_reduce::decode_answers`,
//! what `DeviceMsm` runs on every answer — is timed with the combination). The reduction's
//! cycles are the RTL's (`stat_reduce`), checked equal to the schedule model's
//! (`reduce_model::ReducePlan`).
//!
//! Prints the accumulation's occupancy and card + host against the CPU kernel measured on this
//! machine (`zkaccel::cpu::msm`, 2 threads, best of 3), the card at assumed 150 / 250 / 350 MHz,
//! PCIe at an assumed 12 GB/s each way, twice: the **serial** sum (host preparation, PCIe, card,
//! combination one after the other) and the **overlapped** timeline computed from the measured
//! per-chunk host times and the RTL's per-chunk cycles: the host writes each group in stream order
//! on both threads (`DigitStreams::write_group`: blocks of points handed out one after the other,
//! the scalars converted on the way through group 0; chunk `k` is written when every block up to
//! its end is), group by group in the card's order, chunk `k` crosses PCIe once written and after
//! chunk `k − 1`,
//! the card starts chunk `k` at `max(card end of chunk k − 1, chunk k on the card)` and takes the
//! cycles the RTL took between the acceptance of the last requests of chunks `k − 1` and `k`;
//! after a group's last chunk the card drains, reduces and sends its chain sums (RTL cycles, 3
//! beats per point); the host decodes and combines group `g`'s windows once its sums are back and the host is
//! free (overlapping the card's work on group `g + 1`), and Horner follows the last group. Also
//! prints, without simulation, each candidate `c`'s additions and the schedule model's reduction
//! cycles (a lower bound of the card's cycles at one addition per cycle).
//!
//! With `--precomputed`, the same for the **precomputed-windows layout**
//! (`zkaccel::card_schedule::msm_precomputed`: the bases' window shifts `2^{c·j}·P_i` resident on
//! the card, point-major; every MSM is one window of `2^{c−1}` buckets over `n·W` table entries,
//! reduced once on the card, combined once on the host): the table's one-time setup on the host
//! (per base set, not per proof) timed separately, the `n × W` digit matrix written chunk by
//! chunk (timed, checked against the reference signed digits), the one-window stream accumulated
//! and reduced by the scheduler RTL, the combination timed and the MSM checked against arkworks,
//! and the same serial / overlapped timeline (one group). The card-memory reads (one point per
//! digit) are not part of the scheduler RTL; the driver's fast-card test measures them.
//!
//! With `--units 2`, the same MSM on the **two-unit card** (`zkaccel_hdl::card::dual`, fast
//! variant: every block in RTL — front-end, both schedulers with `2^16` bucket entries each, card
//! memory port — and two software adders of the RTL adder's latency; the NTT and lookup kernels
//! left out or minimal, as they take no part): bases loaded through the card, the host's digit
//! streams for two units (`DigitStreams::new_units`: groups of twice the windows, an even count)
//! written chunk by chunk (timed), each group streamed to the card in the simulation with the cycle
//! at which each chunk's last beat was accepted, reduced on the card (both units), its words put
//! back into window order, combined by the host and checked against arkworks; the same serial /
//! overlapped timeline with the card's cycles (`CmdCycles`) per group.
//!
//! With `--precomputed --units 2 [--entry-windows k]`, the precomputed layout on the two-unit
//! card: a table of `⌈W/k⌉` entries `2^{k·c·t}·P_i` per base (`k = 2` by default: one digit of
//! each entry to each unit, one card-memory read per digit pair; `k = 4`: two windows per unit)
//! computed on the host (timed, one-time) and loaded through the card, the `n × E·k` digit matrix
//! written chunk by chunk (timed, checked against the reference signed digits; at `c = 16` the
//! digits `+2^15` the format cannot carry listed and added on the host), one command of `n·E`
//! entries and `k` windows through the whole fast card (front-end with its point FIFO and card
//! memory of 64 cycles, both schedulers, their reductions), the listed digits summed on the host
//! (timed; in the timeline after the digits, while the card works), the `k` windows combined on
//! the host (with the decode of the answer, timed, after the card), the MSM checked against
//! arkworks, and the same timeline.
//!
//! With `--precomputed --units 3 [--entry-windows k]`, the precomputed layout on the **three-unit
//! card** (`zkaccel_hdl::card::triple`, fast variant: three XYZZ bucket units of `2^16` entries with
//! the XYZZ adder's bit-exact model on each port): a table of `k = 3` (default) or 6 windows per
//! entry, digits in padded triples (four slots each), the offsets loaded once per card session
//! (`LOAD_OFFSETS`, with the units' clear; its cycles printed, not counted) and fresh `R_s`, `R_t`
//! per MSM (`LOAD_RUNNING_OFFSETS`, counted as the card's), one reduced group, the answer (XYZZ
//! words) decoded and combined with the offsets' share taken out (`msm_xyzz`, timed; the correction
//! itself timed while the card works), the MSM checked against arkworks, the reduction's cycles
//! against the XYZZ model's, no flag raised, and the same timeline.
//!
//! ```text
//! cargo run --release -p zkaccel-sim --example msm_bucket_occupancy -- [log_n=16] [c=13] [log_chunk=12] [--precomputed] [--units 2|3] [--entry-windows k]
//! ```

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::UniformRand;
use ark_ff::{Field, PrimeField};
use rand::Rng;
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use zkaccel::card_schedule::msm_digit_stream::{DigitStreams, Limbs, MAX_STREAM_C, WRITE_BLOCK};
use zkaccel::card_schedule::msm_precomputed::{self, entries_per_base, precomputed_windows, slots_per_base, wide_digits_sum, window_table, MAX_PRECOMPUTED_C};
use zkaccel::card_schedule::msm_reduce::{
    combine, decode_answers, group_window_sums, horner, plan_reduced, signed_digits_into, unit_answers_in_window_order, ChainSums, ReduceGroup,
    CHAIN_LOG_DEPTH as HOST_CHAIN_LOG_DEPTH,
};
use zkaccel::card_schedule::msm_requests::{windows, Request};
use zkaccel::card_schedule::msm_xyzz;
use zkaccel_hdl::card::config::CardConfig;
use zkaccel_hdl::g1_add_mixed::config::LATENCY as ADDER_LATENCY;
use zkaccel_hdl::g1_add_xyzz::config::LATENCY as XYZZ_ADDER_LATENCY;
use zkaccel_hdl::msm_bucket_xyzz::model::{reduce_cycles as xyzz_reduce_cycles, Shape as XyzzShape};
use zkaccel_hdl::msm_bucket::config::MAX_LOG_DEPTH;
use zkaccel_hdl::msm_bucket::reduce_model::{ReducePlan, CHAIN_LOG_DEPTH, PROJECTIVE_ADDER_LATENCY};
use zkaccel_hdl::msm_bucket::scheduler::BucketScheduler;
use zkaccel_hdl::verilog::generate;
use zkaccel_interface::regs::{msm_reduce_points, msm_seg_log, Kernel, MsmOp, Reg, DIGIT_NEG};
use zkaccel_interface::wire::{base_to_wire, bucket_to_wire, to_wire};
use zkaccel_sim::bucket_runner::GroupStats;
use zkaccel_sim::bucket_runner::{BucketRunner, Traffic};
use zkaccel_sim::card_runner::{build_card, CardRunner, CardVariant, MemModel};
use zkaccel_sim::Build;
use zkaccel_testkit::seed::TestRng;

/// Per chunk, the RTL's cycles between the acceptance of the last requests of the previous chunk
/// and of this one: `ends[k]` is the request count after chunk `k`, `marked[i]` the cycle at which
/// request `marks[i]` (the last of a chunk, `marks` sorted and deduplicated) was accepted.
fn cycles_between_marks(ends: &[usize], marks: &[usize], marked: &[u64]) -> Vec<u64> {
    let at = |e: usize| if e == 0 { 0 } else { marked[marks.binary_search(&(e - 1)).unwrap()] };
    let mut prev = 0u64;
    ends.iter()
        .map(|&e| {
            let now = at(e);
            let d = now - prev;
            prev = now;
            d
        })
        .collect()
}

/// Assumed PCIe bandwidth for the projection (GB/s, each direction).
const PCIE_GB_S: f64 = 12.0;
/// Assumed card clocks (MHz).
const CLOCKS: [f64; 3] = [150.0, 250.0, 350.0];
/// Threads of the CPU kernel and of the host's share.
const THREADS: usize = 2;

/// PCIe milliseconds for `bytes`.
fn pcie_ms(bytes: u64) -> f64 {
    bytes as f64 / (PCIE_GB_S * 1e9) * 1e3
}

/// The host's preparation, measured: the preparation pass, then every chunk of every group in the
/// card's order (end times from the start, ms).
#[derive(Clone, Debug)]
struct HostPrep {
    /// Of `plan_ms`, the plans that passed over every scalar (scanning and converting them): 0
    /// when the first scalars settle every window, as they do for random scalars.
    full_pass_ms: f64,
    prepare_ms: f64,
    plan_ms: Vec<f64>,
    chunk_end_ms: Vec<Vec<f64>>,
    /// Host work after the last chunk that does not wait for the card (the precomputed layout's
    /// digits `+2^15` at `c = 16`): it runs while the card works.
    after_digits_ms: f64,
}

impl HostPrep {
    fn total_ms(&self) -> f64 {
        self.chunk_end_ms.last().and_then(|g| g.last()).copied().unwrap_or(self.prepare_ms)
    }
}

/// The card's share of one group, from the RTL: cycles per chunk of points (between the acceptance
/// of the last requests of consecutive chunks), then drain + reduction + read-out; bytes each way.
#[derive(Clone, Debug)]
struct CardGroup {
    chunk_cycles: Vec<u64>,
    tail_cycles: u64,
    chunk_bytes: Vec<u64>,
    bytes_from: u64,
}

/// Card + host time (ms) at `mhz`: (serial sum, overlapped timeline).
fn timeline(mhz: f64, host: &HostPrep, card: &[CardGroup], combine_ms: &[f64], horner_ms: f64) -> (f64, f64) {
    let cyc = |c: u64| c as f64 / mhz / 1e3;
    let card_ms: f64 = card.iter().map(|g| cyc(g.chunk_cycles.iter().sum::<u64>() + g.tail_cycles)).sum();
    let bytes: u64 = card.iter().map(|g| g.chunk_bytes.iter().sum::<u64>() + g.bytes_from).sum();
    let serial = host.total_ms() + host.after_digits_ms + pcie_ms(bytes) + card_ms + combine_ms.iter().sum::<f64>() + horner_ms;
    let (mut link_to, mut card_t, mut host_free) = (0.0f64, 0.0f64, host.total_ms() + host.after_digits_ms);
    for (g, cg) in card.iter().enumerate() {
        for (k, (&cycles, &b)) in cg.chunk_cycles.iter().zip(&cg.chunk_bytes).enumerate() {
            link_to = link_to.max(host.chunk_end_ms[g][k]) + pcie_ms(b);
            card_t = card_t.max(link_to) + cyc(cycles);
        }
        card_t += cyc(cg.tail_cycles);
        let back = card_t + pcie_ms(cg.bytes_from);
        host_free = host_free.max(back) + combine_ms[g];
    }
    (serial, host_free + horner_ms)
}

/// The answer words of one group as the card sends them (`S_0, T_0, S_1, …`; one word per bucket
/// when the chains are single buckets, `S = T`), for timing the driver's decode on them.
fn answer_bytes(sums: &ChainSums, reduced: bool) -> Vec<u8> {
    let words: Vec<G1Projective> = if reduced { sums.s.iter().zip(&sums.t).flat_map(|(s, t)| [*s, *t]).collect() } else { sums.s.clone() };
    words.iter().flat_map(bucket_to_wire).collect()
}

/// The host's handling of a card's answer, as `DeviceMsm::run_group` does it: every word decoded
/// with canonical coordinates (`msm_reduce::decode_answers`; the MSM's result is checked on the
/// curve once), a two-unit card's words put back into window order, as chain sums.
fn unit_sums(pool: &rayon::ThreadPool, out: &[u8], units: usize, windows: usize, reduced: bool) -> ChainSums {
    let words = pool.install(|| decode_answers(out)).expect("the card's answer words decode");
    ChainSums::from_answer(unit_answers_in_window_order(words, units, windows), reduced)
}

/// The ratio table of one MSM: per assumed clock, the card's time, the host's, the serial sum and
/// the overlapped timeline against the CPU kernel; `columns` / `values` name the card and layout.
struct RatioRows<'a> {
    columns: &'a [&'a str],
    values: &'a [String],
    host_label: &'a str,
    host_ms: f64,
    card_cycles: u64,
    cpu_ms: f64,
    log_n: usize,
}

impl RatioRows<'_> {
    fn print(&self, host: &HostPrep, card: &[CardGroup], combine_ms: &[f64], horner_ms: f64) {
        let (cols, vals) = (self.columns.join(" | "), self.values.join(" | "));
        println!(
            "| n | {cols} | clock (assumed) | card ms | host ms ({}) | serial card + host ms | overlapped card + host ms | CPU kernel ms | ratio serial | **ratio overlapped** |",
            self.host_label
        );
        println!("|---|{}---|---|---|---|---|---|---|---|", "---|".repeat(self.columns.len()));
        for mhz in CLOCKS {
            let (serial, overlapped) = timeline(mhz, host, card, combine_ms, horner_ms);
            println!(
                "| 2^{} | {vals} | {mhz:.0} MHz | {:.2} | {:.2} | {serial:.2} | {overlapped:.2} | {:.1} | {:.1}× | **{:.1}×** |",
                self.log_n,
                self.card_cycles as f64 / mhz / 1e3,
                self.host_ms,
                self.cpu_ms,
                self.cpu_ms / serial,
                self.cpu_ms / overlapped,
            );
        }
    }
}

/// The host's preparation into preallocated wire-word buffers for a card of `units` MSM units,
/// timed; the run with the smallest total of 3. Each group is planned (the scan of the first
/// scalars settles the windows of random scalars; a pass over all of them, converting them, only
/// when one stays open), then written in stream order on all threads
/// (`DigitStreams::write_group`, the scalars converted on the way while group 0 is written), every
/// block of points timed as it finishes: chunk `k` of the card's stream is ready when every block
/// up to its end is.
fn prepare_host(
    pool: &rayon::ThreadPool,
    scalars: &[Fr],
    limbs: &mut [Limbs],
    c: usize,
    units: usize,
    chunk: usize,
) -> (DigitStreams, Vec<Vec<u16>>, HostPrep) {
    let n = scalars.len();
    assert!(chunk % WRITE_BLOCK == 0 || chunk >= n, "chunks of {chunk} points: a multiple of the writer's {WRITE_BLOCK}-point blocks");
    let mut ds = DigitStreams::new_units(n, c, MAX_LOG_DEPTH, HOST_CHAIN_LOG_DEPTH, units);
    let mut streams: Vec<Vec<u16>> = (0..ds.groups.len()).map(|g| vec![0u16; ds.stream_words(g)]).collect();
    let blocks = n.div_ceil(WRITE_BLOCK);
    let block_end_ns: Vec<AtomicU64> = (0..blocks).map(|_| AtomicU64::new(0)).collect();
    let mut best: Option<HostPrep> = None;
    for _ in 0..3 {
        let run = pool.install(|| {
            let t = Instant::now();
            let ms = |t: &Instant| t.elapsed().as_secs_f64() * 1e3;
            ds = DigitStreams::new_units(n, c, MAX_LOG_DEPTH, HOST_CHAIN_LOG_DEPTH, units);
            let mut plan_ms = Vec::with_capacity(streams.len());
            let mut chunk_end_ms = Vec::with_capacity(streams.len());
            let mut converted = 0;
            let mut full_pass_ms = 0.0;
            for (g, stream) in streams.iter_mut().enumerate() {
                let before = ms(&t);
                let was = converted;
                converted = ds.plan_group(g, scalars, limbs, converted);
                plan_ms.push(ms(&t) - before);
                if converted > was {
                    full_pass_ms += ms(&t) - before;
                }
                ds.write_group(scalars, limbs, converted, g, stream, &|b| {
                    block_end_ns[b].store(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
                });
                converted = n;
                let mut ends = Vec::with_capacity(n.div_ceil(chunk));
                let mut ready = 0u64;
                for a in (0..n).step_by(chunk) {
                    let b = (a + chunk).min(n);
                    for blk in a / WRITE_BLOCK..b.div_ceil(WRITE_BLOCK) {
                        ready = ready.max(block_end_ns[blk].load(Ordering::Relaxed));
                    }
                    ends.push(ready as f64 / 1e6);
                }
                chunk_end_ms.push(ends);
            }
            HostPrep { full_pass_ms, prepare_ms: plan_ms[0], plan_ms, chunk_end_ms, after_digits_ms: 0.0 }
        });
        if best.as_ref().is_none_or(|b| run.total_ms() < b.total_ms()) {
            best = Some(run);
        }
    }
    (ds, streams, best.unwrap())
}

/// One MSM of the bench and what every layout's run shares: the pool the host work runs in, the
/// inputs, arkworks' answer, the CPU kernel's time, `log2 n` and the host's chunk of points.
#[derive(Clone, Copy)]
struct Msm<'a> {
    pool: &'a rayon::ThreadPool,
    points: &'a [G1Affine],
    scalars: &'a [Fr],
    want: G1Affine,
    cpu_ms: f64,
    log_n: usize,
    chunk: usize,
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let precomputed = args.iter().any(|a| a == "--precomputed");
    args.retain(|a| a != "--precomputed");
    let units: usize = match args.iter().position(|a| a == "--units") {
        Some(i) => {
            let u = args.get(i + 1).and_then(|u| u.parse().ok()).filter(|&u| (1..=3).contains(&u)).expect("--units 1, 2 or 3");
            args.drain(i..i + 2);
            u
        }
        None => 1,
    };
    let entry_windows: usize = match args.iter().position(|a| a == "--entry-windows") {
        Some(i) => {
            let k = args.get(i + 1).and_then(|k| k.parse().ok()).filter(|&k| [2, 3, 4, 6].contains(&k)).expect("--entry-windows 2 or 4 (two units), 3 or 6 (three)");
            args.drain(i..i + 2);
            k
        }
        None => units,
    };
    assert!(units != 3 || precomputed, "--units 3: the three-unit card runs the precomputed layout (--precomputed)");
    let log_n: usize = args.first().map(|s| s.parse().expect("log_n")).unwrap_or(16);
    let cs: Vec<usize> = args.get(1).map(|s| s.split(',').map(|c| c.parse().expect("c")).collect()).unwrap_or_else(|| vec![13]);
    let log_chunk: usize = args.get(2).map(|s| s.parse().expect("log_chunk")).unwrap_or(12).min(log_n);
    let n = 1usize << log_n;
    let chunk = 1usize << log_chunk;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(THREADS).build().expect("thread pool");
    let mut rng = TestRng::for_test("msm_bucket_occupancy");

    // Distinct points cheaply: a random walk P_{i+1} = P_i + Q, normalized in one batch.
    let q = G1Projective::rand(&mut rng);
    let mut acc = G1Projective::rand(&mut rng);
    let walk: Vec<G1Projective> = (0..n)
        .map(|_| {
            acc += q;
            acc
        })
        .collect();
    let points: Vec<G1Affine> = G1Projective::normalize_batch(&walk);
    let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let want = G1Projective::msm(&points, &scalars).unwrap().into_affine();
    // The CPU kernel (zkaccel::cpu::msm) on this machine, best of 3, THREADS threads.
    let mut cpu_ms = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        let got = pool.install(|| zkaccel::cpu::msm::msm(&points, &scalars).unwrap());
        cpu_ms = cpu_ms.min(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(got.into_affine(), want);
    }
    println!("n = 2^{log_n}; CPU kernel zkaccel::cpu::msm on this machine ({THREADS} threads): {cpu_ms:.1} ms (best of 3)");
    assert_eq!(ADDER_LATENCY, PROJECTIVE_ADDER_LATENCY, "the RTL adder's latency and the model's");
    assert_eq!(CHAIN_LOG_DEPTH, HOST_CHAIN_LOG_DEPTH, "the host and the card model disagree on the chain RAM depth");
    let msm = Msm { pool: &pool, points: &points, scalars: &scalars, want, cpu_ms, log_n, chunk };
    if units == 3 {
        for c in cs {
            run_triple_precomputed(&msm, c, entry_windows, &mut rng);
        }
        return;
    }
    if units == 2 && precomputed {
        for c in cs {
            run_dual_precomputed(&msm, c, entry_windows);
        }
        return;
    }
    if units == 2 {
        let mut card = UnitsCard::new(&points, 2);
        for c in cs {
            run_dual(&msm, &mut card, c);
        }
        return;
    }
    if precomputed {
        let lib = Build::new("msm_bucket_scheduler_d16", generate(&mut BucketScheduler::new(MAX_LOG_DEPTH, ADDER_LATENCY))).build().expect("verilator build");
        let mut runner = BucketRunner::new(&lib, MAX_LOG_DEPTH, ADDER_LATENCY, Traffic::SMOOTH, TestRng::from_seed(rng.r#gen())).unwrap();
        runner.reset().unwrap();
        for c in cs {
            run_precomputed(&msm, &mut runner, c);
        }
        return;
    }
    let mut limbs: Vec<Limbs> = vec![[0u64; 4]; n];

    // The choice of c without simulation: additions (nonzero digits) and the model's reduction
    // and read-out cycles; at one addition per cycle the card needs at least their sum.
    println!();
    println!("Choice of c (no simulation: nonzero digits from the host's streams, reduction and read-out from the schedule model; the card's accumulation takes at least one cycle per addition):");
    println!();
    println!("| c | groups | additions | reduce cycles | read-out cycles | lower bound cycles | ms at 250 MHz |");
    println!("|---|---|---|---|---|---|---|");
    for c in (MAX_STREAM_C.min(log_n).saturating_sub(4).max(2)..=MAX_STREAM_C.min(log_n)).filter(|&c| c - 1 <= MAX_LOG_DEPTH) {
        let ds = pool.install(|| DigitStreams::prepare(&scalars, &mut limbs, c, MAX_LOG_DEPTH, HOST_CHAIN_LOG_DEPTH));
        let (mut adds, mut red, mut out) = (0u64, 0u64, 0u64);
        for (g, sg) in ds.groups.iter().enumerate() {
            let mut words = vec![0u16; ds.stream_words(g)];
            pool.install(|| ds.write_chunk(&limbs, g, 0..n, &mut words));
            adds += words.iter().filter(|&&w| w & !DIGIT_NEG != 0).count() as u64;
            let plan = ReducePlan::new(sg.windows, c, ADDER_LATENCY);
            red += plan.reduce_cycles();
            out += plan.readout_cycles();
        }
        let lb = adds + red + out;
        println!("| {c} | {} | {adds} | {red} | {out} | {lb} | {:.2} |", ds.groups.len(), lb as f64 / 250e3);
    }

    let lib = Build::new("msm_bucket_scheduler_d16", generate(&mut BucketScheduler::new(MAX_LOG_DEPTH, ADDER_LATENCY))).build().expect("verilator build");
    let mut runner = BucketRunner::new(&lib, MAX_LOG_DEPTH, ADDER_LATENCY, Traffic::SMOOTH, TestRng::from_seed(rng.r#gen())).unwrap();
    let clear = runner.reset().unwrap();
    println!();
    println!(
        "scheduler with 2^{MAX_LOG_DEPTH} bucket entries, software adder of the RTL adder's latency {ADDER_LATENCY}; clear after reset {clear} cycles; chunks of 2^{log_chunk} points"
    );
    for c in cs {
        assert!((2..=MAX_STREAM_C).contains(&c), "c = {c}: the digit format carries c ≤ {MAX_STREAM_C}");
        let t_sim = Instant::now();
        // The earlier path (all digits into i32 vectors), for comparison, best of 3; its groups
        // drive the simulation and are the reference for the wire words.
        let mut plan_ms = f64::INFINITY;
        let mut groups: Vec<ReduceGroup> = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            groups = pool.install(|| plan_reduced(&scalars, c, MAX_LOG_DEPTH, HOST_CHAIN_LOG_DEPTH));
            plan_ms = plan_ms.min(t.elapsed().as_secs_f64() * 1e3);
        }
        let (ds, streams, host) = prepare_host(&pool, &scalars, &mut limbs, c, 1, chunk);
        // Bit for bit: the wire words are plan_reduced's digits in the card's format.
        assert_eq!(ds.groups.len(), groups.len());
        for ((sg, rg), stream) in ds.groups.iter().zip(&groups).zip(&streams) {
            assert_eq!((sg.first, sg.windows, sg.seg_log, &sg.strides), (rg.first, rg.windows, rg.seg_log, &rg.strides));
            assert!(rg.digits.iter().zip(stream).all(|(&d, &w)| w == (d.unsigned_abs() as u16 | if d < 0 { DIGIT_NEG } else { 0 })));
            assert!(stream[rg.digits.len()..].iter().all(|&w| w == 0));
        }

        let mut acc = GroupStats::default();
        let mut card = Vec::new();
        let mut answers = Vec::new();
        let mut reduce_cycles = 0u64;
        for g in &groups {
            let requests = BucketRunner::reduced_requests(&points, g);
            // Requests up to the end of each chunk (one per nonzero digit of a finite point).
            let mut ends = Vec::new();
            let mut count = 0usize;
            for a in (0..n).step_by(chunk) {
                let b = (a + chunk).min(n);
                count += (a..b)
                    .filter(|&i| !points[i].is_zero())
                    .map(|i| g.digits[i * g.windows..(i + 1) * g.windows].iter().filter(|&&d| d != 0).count())
                    .sum::<usize>();
                ends.push(count);
            }
            assert_eq!(count, requests.len());
            let mut marks: Vec<usize> = ends.iter().filter(|&&e| e > 0).map(|&e| e - 1).collect();
            marks.dedup();
            let (sums, st, marked) = runner.run_group_reduced_marked(&requests, c, g.windows, g.seg_log, &marks).unwrap();
            drop(requests);
            assert_eq!(marked.len(), marks.len());
            let chunk_cycles = cycles_between_marks(&ends, &marks, &marked);
            let prev: u64 = chunk_cycles.iter().sum();
            // Card: the reduction in RTL; its cycles equal the schedule model's.
            let plan = ReducePlan::new(g.windows, c, ADDER_LATENCY);
            assert_eq!(plan.seg_log, g.seg_log);
            assert_eq!(st.reduce_cycles, plan.reduce_cycles(), "c = {c}: RTL reduction cycles vs the model's");
            assert_eq!(st.issued, st.requests);
            reduce_cycles += st.reduce_cycles;
            for (k, v) in [
                (&mut acc.requests, st.requests),
                (&mut acc.accumulate_cycles, st.accumulate_cycles),
                (&mut acc.issued, st.issued),
                (&mut acc.deferred, st.deferred),
                (&mut acc.stalled, st.stalled),
            ] {
                *k += v;
            }
            // Read-out at the card's 256-bit stream: three beats per point.
            let tail_cycles = st.accumulate_cycles + st.reduce_cycles - prev + plan.readout_cycles();
            let chunk_bytes: Vec<u64> = (0..n)
                .step_by(chunk)
                .map(|a| {
                    let b = (a + chunk).min(n);
                    let words = if b == n { (n * g.windows).next_multiple_of(16) - a * g.windows } else { (b - a) * g.windows };
                    2 * words as u64
                })
                .collect();
            card.push(CardGroup { chunk_cycles, tail_cycles, chunk_bytes, bytes_from: 96 * 2 * plan.chains as u64 });
            answers.push(sums);
        }
        let sim_s = t_sim.elapsed().as_secs_f64();
        // Host: each group's answer decoded and checked (the driver's decode) and combined, then
        // Horner, best of 3 each; the MSM checked.
        let answer_words: Vec<Vec<u8>> = answers.iter().map(|sums| answer_bytes(sums, true)).collect();
        let mut combine_ms = vec![f64::INFINITY; groups.len()];
        let mut horner_ms = f64::INFINITY;
        for _ in 0..3 {
            let mut window_sums = Vec::new();
            for (g, (rg, bytes)) in groups.iter().zip(&answer_words).enumerate() {
                let t = Instant::now();
                let sums = unit_sums(&pool, bytes, 1, rg.windows, true);
                window_sums.extend(pool.install(|| group_window_sums(rg.seg_log, &rg.strides, &sums, c)));
                combine_ms[g] = combine_ms[g].min(t.elapsed().as_secs_f64() * 1e3);
            }
            let t = Instant::now();
            let got = horner(&window_sums, c);
            horner_ms = horner_ms.min(t.elapsed().as_secs_f64() * 1e3);
            assert_eq!(got.into_affine(), want, "c = {c}: RTL accumulation + RTL reduction + host combination differ from arkworks");
        }
        assert_eq!(combine(&groups, &answers, c).into_affine(), want);

        let accumulate = acc.accumulate_cycles;
        let readout: u64 = groups.iter().map(|g| ReducePlan::new(g.windows, c, ADDER_LATENCY).readout_cycles()).sum();
        let card_cycles: u64 = card.iter().map(|g| g.chunk_cycles.iter().sum::<u64>() + g.tail_cycles).sum();
        assert_eq!(card_cycles, accumulate + reduce_cycles + readout);
        let bytes_to: u64 = card.iter().map(|g| g.chunk_bytes.iter().sum::<u64>()).sum();
        let bytes_from: u64 = card.iter().map(|g| g.bytes_from).sum();
        let first_chunk_ms = host.chunk_end_ms[0][0] - host.prepare_ms;
        println!();
        println!(
            "c = {c}: {} groups, {} additions, accumulation {accumulate} cycles ({:.4} issued/cycle, {} deferrals = {:.3} %, {} input stalls), reduction {reduce_cycles} cycles (RTL = model), read-out {readout} cycles; card {card_cycles} cycles; simulation {sim_s:.0} s",
            groups.len(),
            acc.issued,
            acc.occupancy(),
            acc.deferred,
            100.0 * acc.deferred as f64 / acc.requests.max(1) as f64,
            acc.stalled,
        );
        println!(
            "host ({THREADS} threads): plan_reduced (earlier path, i32 digits) {plan_ms:.2} ms; wire words: group 0 planned in {:.3} ms (later groups {} ms), first chunk (conversion + words) {first_chunk_ms:.3} ms, all {} chunks done at {:.2} ms; decode + combination per group {} ms, Horner {horner_ms:.3} ms; PCIe {:.3} ms to the card ({bytes_to} B), {:.3} ms back ({bytes_from} B)",
            host.prepare_ms,
            host.plan_ms[1..].iter().map(|m| format!("{m:.3}")).collect::<Vec<_>>().join(" + "),
            host.chunk_end_ms.iter().map(|g| g.len()).sum::<usize>(),
            host.total_ms(),
            combine_ms.iter().map(|m| format!("{m:.2}")).collect::<Vec<_>>().join(" + "),
            pcie_ms(bytes_to),
            pcie_ms(bytes_from),
        );
        println!();
        let host_ms = host.total_ms() + combine_ms.iter().sum::<f64>() + horner_ms;
        let rows = RatioRows { columns: &["c"], values: &[c.to_string()], host_label: "prep + decode and combination + Horner", host_ms, card_cycles, cpu_ms, log_n };
        rows.print(&host, &card, &combine_ms, horner_ms);
    }
    println!();
    println!("(bases resident on the card; only digits go to the card, two points per chain come back; PCIe {PCIE_GB_S} GB/s assumed)");
}

/// The precomputed-windows layout for window size `c` (see the module docs): table setup, digit
/// matrix by chunks, the one-window stream through the scheduler RTL, combination, timeline.
fn run_precomputed(msm: &Msm, runner: &mut BucketRunner, c: usize) {
    let Msm { pool, points, scalars, want, cpu_ms, log_n, chunk } = *msm;
    assert!((2..=MAX_STREAM_C).contains(&c) && c - 1 <= MAX_LOG_DEPTH, "c = {c}");
    let n = points.len();
    let w = precomputed_windows(c);
    let seg_log = msm_precomputed::seg_log(1, c, HOST_CHAIN_LOG_DEPTH);
    let plan = ReducePlan::new(1, c, ADDER_LATENCY);
    assert_eq!(plan.seg_log, seg_log, "host and card model cut the same chains");

    // The choice of c for this layout (no simulation): n·W digits (nonzero ones are additions),
    // one window's reduction and read-out.
    println!();
    println!("Precomputed windows, choice of c (no simulation; card memory n·W points of 64 B; a bucket takes at most one addition per L + 2 = {} cycles, so the accumulation needs at least max(additions, busiest bucket's additions · (L + 2)) cycles: the top window holds only 254 − c·(W − 1) bits, so its digits crowd a few buckets unless c·W = 255):", ADDER_LATENCY + 2);
    println!();
    println!("| c | W | top-window bits | table points | card memory | additions | busiest bucket | reduce cycles | read-out cycles | lower bound cycles | ms at 250 MHz |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for cc in (MAX_STREAM_C.saturating_sub(4).max(2)..=MAX_STREAM_C).filter(|&cc| cc - 1 <= MAX_LOG_DEPTH) {
        let (words, _) = pool.install(|| msm_precomputed::digit_stream(scalars, cc, 1));
        let adds = words.iter().filter(|&&x| x & !DIGIT_NEG != 0).count() as u64;
        let mut per_bucket = vec![0u64; (1 << (cc - 1)) + 1];
        for &x in &words {
            per_bucket[(x & !DIGIT_NEG) as usize] += 1;
        }
        let busiest = per_bucket[1..].iter().copied().max().unwrap_or(0);
        let p = ReducePlan::new(1, cc, ADDER_LATENCY);
        let ww = precomputed_windows(cc);
        let lb = adds.max(busiest * (ADDER_LATENCY as u64 + 2)) + p.reduce_cycles() + p.readout_cycles();
        println!(
            "| {cc} | {ww} | {} | {} | {:.3} GB | {adds} | {busiest} | {} | {} | {lb} | {:.2} |",
            Fr::MODULUS_BIT_SIZE as usize - cc * (ww - 1),
            n * ww,
            (n * ww * 64) as f64 / 1e9,
            p.reduce_cycles(),
            p.readout_cycles(),
            lb as f64 / 250e3
        );
    }

    // One-time setup: the table (W·c doublings per base, batch normalisation), THREADS threads.
    let t = Instant::now();
    let table = pool.install(|| window_table(points, c, 1));
    let setup_ms = t.elapsed().as_secs_f64() * 1e3;
    assert_eq!(table.len(), n * w);
    for i in [0, n / 2, n - 1] {
        for j in [0, w / 2, w - 1] {
            assert_eq!(table[i * w + j], (points[i] * Fr::from(2u64).pow([(c * j) as u64])).into_affine(), "table entry {i}·{w} + {j}");
        }
    }

    let (stream, ends, wide) = precomputed_digits(pool, scalars, c, 1, chunk);
    assert!(wide.is_empty(), "c ≤ 15: every digit fits the format");
    let words_ms = *ends.last().unwrap();

    // The card: one group of n·W entries, one window, reduced; marks at the chunks' ends.
    let t_sim = Instant::now();
    let mut requests = Vec::new();
    let mut req_ends = Vec::new();
    for a in (0..n).step_by(chunk) {
        let b = (a + chunk).min(n);
        for k in a * w..b * w {
            let d = stream[k];
            if d & !DIGIT_NEG != 0 && !table[k].is_zero() {
                requests.push(Request { point: table[k], neg: d & DIGIT_NEG != 0, mag: d & !DIGIT_NEG, window: 0 });
            }
        }
        req_ends.push(requests.len());
    }
    drop(table);
    let mut marks: Vec<usize> = req_ends.iter().filter(|&&e| e > 0).map(|&e| e - 1).collect();
    marks.dedup();
    let (sums, st, marked) = runner.run_group_reduced_marked(&requests, c, 1, seg_log, &marks).unwrap();
    let requests_len = requests.len();
    drop(requests);
    let sim_s = t_sim.elapsed().as_secs_f64();
    assert_eq!(st.reduce_cycles, plan.reduce_cycles(), "c = {c}: RTL reduction cycles vs the model's");
    assert_eq!((st.issued, st.requests), (requests_len as u64, requests_len as u64));
    let chunk_cycles = cycles_between_marks(&req_ends, &marks, &marked);
    let prev: u64 = chunk_cycles.iter().sum();
    let tail_cycles = st.accumulate_cycles + st.reduce_cycles - prev + plan.readout_cycles();
    let chunk_bytes: Vec<u64> = (0..n)
        .step_by(chunk)
        .map(|a| {
            let b = (a + chunk).min(n);
            let words = if b == n { stream.len() - a * w } else { (b - a) * w };
            2 * words as u64
        })
        .collect();
    let card = vec![CardGroup { chunk_cycles, tail_cycles, chunk_bytes, bytes_from: 96 * 2 * plan.chains as u64 }];
    let card_cycles = st.accumulate_cycles + st.reduce_cycles + plan.readout_cycles();

    // The host's decode of the answer and combination of the one window, best of 3; the MSM checked.
    let bytes = answer_bytes(&sums, true);
    let mut combine_ms = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        let sums = unit_sums(pool, &bytes, 1, 1, true);
        let got = pool.install(|| msm_precomputed::combine(&sums, c, seg_log, 1));
        combine_ms = combine_ms.min(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(got.into_affine(), want, "c = {c}: precomputed table + RTL accumulation + RTL reduction + host combination differ from arkworks");
    }
    let bytes_to: u64 = card[0].chunk_bytes.iter().sum();
    let host = HostPrep { full_pass_ms: 0.0, prepare_ms: 0.0, plan_ms: vec![0.0], chunk_end_ms: vec![ends.clone()], after_digits_ms: 0.0 };
    println!();
    println!(
        "precomputed, c = {c}: W = {w} windows per base, table {} points ({:.3} GB of card memory at 64 B/point), one-time table setup {setup_ms:.0} ms ({THREADS} threads; per base set, not per proof)",
        n * w,
        (n * w * 64) as f64 / 1e9
    );
    println!(
        "one window of 2^{} buckets, chains of 2^{seg_log}: {} digits, {} additions, accumulation {} cycles ({:.4} issued/cycle, {} deferrals = {:.3} %, {} input stalls), reduction {} cycles (RTL = model), read-out {} cycles; card {card_cycles} cycles; simulation {sim_s:.0} s",
        c - 1,
        n * w,
        st.issued,
        st.accumulate_cycles,
        st.occupancy(),
        st.deferred,
        100.0 * st.deferred as f64 / st.requests.max(1) as f64,
        st.stalled,
        st.reduce_cycles,
        plan.readout_cycles(),
    );
    println!(
        "host ({THREADS} threads): digits {} chunks done at {words_ms:.2} ms ({:.2} ns/digit, first chunk {:.3} ms); decode + combination {combine_ms:.3} ms (no Horner); PCIe {:.3} ms to the card ({bytes_to} B), {:.3} ms back ({} B)",
        ends.len(),
        words_ms * 1e6 / (n * w) as f64,
        ends[0],
        pcie_ms(bytes_to),
        pcie_ms(card[0].bytes_from),
        card[0].bytes_from,
    );
    println!();
    let rows = RatioRows {
        columns: &["layout", "c"],
        values: &["precomputed".into(), c.to_string()],
        host_label: "digits + decode and combination",
        host_ms: words_ms + combine_ms,
        card_cycles,
        cpu_ms,
        log_n,
    };
    rows.print(&host, &card, &[combine_ms], 0.0);
    // The card's front-end reads one point per digit with one window; on the fast simulated card
    // (driver test `msm_precomputed_on_the_fast_card_equals_arkworks_and_the_model`) its point
    // FIFO's 62 credits over a 64-cycle memory latency + 2 give 62 reads per 66 cycles. The
    // scheduler simulated here has no front-end: the same table with the accumulation slowed to
    // that read rate where it binds.
    let fe = (((n * w) as u64 * FE_ROUND_TRIP).div_ceil(FE_CREDITS)).max(st.accumulate_cycles);
    let f = fe as f64 / st.accumulate_cycles as f64;
    let card_fe = vec![CardGroup {
        chunk_cycles: card[0].chunk_cycles.iter().map(|&x| (x as f64 * f).round() as u64).collect(),
        tail_cycles: card[0].tail_cycles,
        chunk_bytes: card[0].chunk_bytes.clone(),
        bytes_from: card[0].bytes_from,
    }];
    let fe_cycles = fe + st.reduce_cycles + plan.readout_cycles();
    println!();
    println!(
        "with the card front-end's point reads at {FE_CREDITS}/{FE_ROUND_TRIP} per cycle (fast-card measurement, HBM latency 64 cycles; not in the scheduler RTL above): accumulation ≥ {fe} cycles, card {fe_cycles} cycles"
    );
    println!();
    println!("| n | layout | c | clock (assumed) | card ms | overlapped card + host ms | **ratio overlapped** |");
    println!("|---|---|---|---|---|---|---|");
    for mhz in CLOCKS {
        let (_, overlapped) = timeline(mhz, &host, &card_fe, &[combine_ms], 0.0);
        println!(
            "| 2^{log_n} | precomputed, front-end bound | {c} | {mhz:.0} MHz | {:.2} | {overlapped:.2} | **{:.1}×** |",
            fe_cycles as f64 / mhz / 1e3,
            cpu_ms / overlapped
        );
    }
    println!();
    println!("(table resident on the card; only digits go to the card, two points per chain come back; PCIe {PCIE_GB_S} GB/s assumed)");
}

/// The precomputed layout's digit stream of `scalars` (window size `c`, `k` windows per entry),
/// written chunk by chunk of `chunk` points into a preallocated stream, timed (end of each chunk,
/// ms; the run with the smallest total of 3), and checked bit for bit against the reference digits
/// (word-sliced, equal to `msm_requests::signed_digits` in the unit tests): each base's `W` digits
/// in the wire format, `+2^15` at `c = 16` written as 0 and listed, then zeros. Returns the stream,
/// the chunks' end times and the listed digits.
fn precomputed_digits(pool: &rayon::ThreadPool, scalars: &[Fr], c: usize, k: usize, chunk: usize) -> (Vec<u16>, Vec<f64>, Vec<msm_precomputed::WideDigit>) {
    let (n, w, slots) = (scalars.len(), precomputed_windows(c), slots_per_base(c, k));
    let mut stream = vec![0u16; msm_precomputed::stream_words(n, c, k)];
    let mut ends: Vec<f64> = Vec::new();
    let mut wide = Vec::new();
    for _ in 0..3 {
        let (run, listed) = pool.install(|| {
            let t = Instant::now();
            let mut e = Vec::with_capacity(n.div_ceil(chunk));
            let mut listed = Vec::new();
            for a in (0..n).step_by(chunk) {
                let b = (a + chunk).min(n);
                let end = if b == n { stream.len() } else { b * slots };
                listed.extend(msm_precomputed::write_chunk(scalars, c, k, a..b, &mut stream[a * slots..end]));
                e.push(t.elapsed().as_secs_f64() * 1e3);
            }
            (e, listed)
        });
        if ends.is_empty() || run.last() < ends.last() {
            ends = run;
        }
        wide = listed;
    }
    let total = windows(c);
    // Window j's slot: j, or (j / 3)·4 + j mod 3 in the padded triples of 3 | k.
    let slot = |j: usize| if k % 3 == 0 { j / 3 * 4 + j % 3 } else { j };
    let mut used = vec![false; slots];
    (0..w).for_each(|j| used[slot(j)] = true);
    let check_ok = pool.install(|| {
        stream[..n * slots].par_chunks(slots).zip(scalars.par_iter()).enumerate().all(|(i, (ws, s))| {
            let mut d = vec![0i32; total];
            signed_digits_into(s, c, &mut d);
            let digit_ok = |j: usize, x: u16| {
                let y = d[j];
                if y == 1 << 15 {
                    x == 0 && wide.binary_search_by_key(&(i, j), |d| (d.base, d.window)).is_ok()
                } else {
                    x == (y.unsigned_abs() as u16 | if y < 0 { DIGIT_NEG } else { 0 })
                }
            };
            d[w..].iter().all(|&x| x == 0)
                && (0..w).all(|j| digit_ok(j, ws[slot(j)]))
                && ws.iter().zip(&used).all(|(&x, &u)| u || x == 0)
        })
    });
    assert!(check_ok && stream[n * slots..].iter().all(|&x| x == 0), "c = {c}, k = {k}: digit stream differs from the reference digits");
    (stream, ends, wide)
}

/// The card front-end's point reads in flight (`POINT_FIFO_DEPTH − 2`) and their round trip in
/// cycles at the simulated HBM latency of 64 cycles, as measured on the fast card.
const FE_CREDITS: u64 = 62;
const FE_ROUND_TRIP: u64 = 66;

/// The multi-unit card of the bench: two MSM units (`SIM_DUAL`, complete adders) or three XYZZ
/// units (`SIM_TRIPLE`) of `2^MAX_LOG_DEPTH` bucket entries each (the cloud builds' depth), the
/// smallest NTT core on the digit-serial multiplier and no lookup kernel (neither takes part in an
/// MSM; a smaller model to build), with the bases loaded in slot 0.
struct UnitsCard {
    r: CardRunner,
    seq: u32,
    units: usize,
}

impl UnitsCard {
    fn config(units: usize) -> CardConfig {
        let base = if units == 3 { CardConfig::SIM_TRIPLE } else { CardConfig::SIM_DUAL };
        CardConfig { msm_log_depth: MAX_LOG_DEPTH, ..base }
    }

    /// Bytes of one answer word: `X ‖ Y ‖ Z` (complete adders) or `X ‖ Y ‖ ZZ ‖ ZZZ` (XYZZ units).
    fn word_bytes(&self) -> usize {
        if self.units == 3 {
            msm_xyzz::WORD_BYTES
        } else {
            96
        }
    }

    /// Builds the model of the card of `units` units (once; cached) and loads `points` (bases or
    /// a precomputed table) into slot 0 through the card.
    fn new(points: &[G1Affine], units: usize) -> Self {
        let cfg = Self::config(units);
        let t = Instant::now();
        let lib = build_card(CardVariant::Fast, &cfg).expect("verilator build of the multi-unit card");
        let build_s = t.elapsed().as_secs_f64();
        let mut r = CardRunner::new(&lib, points.len() as u32, MemModel::HBM).unwrap();
        assert_eq!(r.read_reg(Reg::MsmUnits.offset()), units as u32);
        assert_eq!(r.read_reg(Reg::MsmLogDepth.offset()), MAX_LOG_DEPTH as u32);
        let mut card = UnitsCard { seq: r.read_reg(Reg::DoneSeq.offset()), r, units };
        let t = Instant::now();
        card.command(&[(Reg::MsmOp, MsmOp::LOAD_BASES), (Reg::MsmSlot, 0), (Reg::MsmBase, 0), (Reg::MsmPoints, points.len() as u32)]);
        let beats: Vec<[u8; 32]> = points
            .iter()
            .flat_map(|p| {
                let w = base_to_wire(p);
                [w[..32].try_into().unwrap(), w[32..].try_into().unwrap()]
            })
            .collect();
        let load_cycles = card.stream(&beats, &[]).1;
        card.finish("load");
        let adders = if units == 3 {
            format!("three software XYZZ adders (the RTL adder's bit-exact model) of latency {XYZZ_ADDER_LATENCY}")
        } else {
            format!("two software adders of latency {ADDER_LATENCY}")
        };
        println!(
            "{units}-unit card (fast variant, {units} × 2^{MAX_LOG_DEPTH} bucket entries, point FIFO of {}, c ≤ {}, {adders}): model ready in {build_s:.0} s, {} points loaded in {load_cycles} cycles ({:.0} s simulated)",
            cfg.msm_point_fifo,
            cfg.max_c(),
            points.len(),
            t.elapsed().as_secs_f64()
        );
        card
    }

    /// Writes `regs` after `Command = MSM` and rings the doorbell.
    fn command(&mut self, regs: &[(Reg, u32)]) {
        self.r.write_reg(Reg::Command.offset(), Kernel::Msm as u32);
        for &(reg, v) in regs {
            self.r.write_reg(reg.offset(), v);
        }
        self.seq = self.seq.wrapping_add(1);
        self.r.write_reg(Reg::Doorbell.offset(), self.seq);
    }

    /// Streams `beats` (`last` on the last) and returns the cycles (from the call) at which beat
    /// `marks[k] − 1` was accepted, and the cycles of the whole stream.
    fn stream(&mut self, beats: &[[u8; 32]], marks: &[usize]) -> (Vec<u64>, u64) {
        let t0 = self.r.cycles();
        let mut at = Vec::with_capacity(marks.len());
        let mut next = 0;
        for (i, beat) in beats.iter().enumerate() {
            while !self.r.cycle(Some((beat, i + 1 == beats.len()))) {}
            while next < marks.len() && marks[next] == i + 1 {
                at.push(self.r.cycles() - t0);
                next += 1;
            }
        }
        assert_eq!(at.len(), marks.len(), "every mark inside the stream");
        (at, self.r.cycles() - t0)
    }

    /// Waits for the command's completion; its status must be 0. Returns `CmdCycles`.
    fn finish(&mut self, what: &str) -> u64 {
        while self.r.read_reg(Reg::DoneSeq.offset()) != self.seq {
            self.r.cycle(None);
        }
        assert_eq!(self.r.read_reg(Reg::Status.offset()), 0, "{what}: card status");
        self.r.read_reg(Reg::CmdCycles.offset()) as u64
    }

    /// `len` bytes from the card-to-host stream.
    fn read(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len);
        loop {
            out.extend(self.r.c2h().drain(..).flat_map(|(beat, _)| beat));
            if out.len() >= len {
                break;
            }
            self.r.cycle(None);
        }
        assert_eq!(out.len(), len, "no bytes beyond the answer");
        out
    }

    /// One accumulation command over slot 0: `points` points of `windows` digits each (`stream`,
    /// the wire words), window size `c`, reduced on the card when `reduce`; the stream's beats
    /// marked at the beat counts `chunk_ends` (chunk k ends with the beat that holds its last
    /// digit). Returns the card's answer bytes (every unit's words, for [`unit_sums`]) and the card's share for the timeline: cycles per chunk (between the acceptance of
    /// consecutive chunks' last beats), the rest of `CmdCycles`, the bytes each way.
    #[allow(clippy::too_many_arguments)]
    fn run_group(&mut self, stream: &[u16], points: usize, windows: usize, c: usize, reduce: bool, chunk_ends: &[usize], what: &str) -> (Vec<u8>, CardGroup) {
        let per_unit = windows / self.units;
        self.command(&[
            (Reg::MsmOp, if reduce { MsmOp::ACCUMULATE_REDUCE } else { MsmOp::ACCUMULATE }),
            (Reg::MsmSlot, 0),
            (Reg::MsmPoints, points as u32),
            (Reg::MsmC, c as u32),
            (Reg::MsmWindows, windows as u32),
        ]);
        let beats: Vec<[u8; 32]> = stream
            .chunks_exact(16)
            .map(|ws| {
                let mut b = [0u8; 32];
                for (k, x) in ws.iter().enumerate() {
                    b[2 * k..2 * k + 2].copy_from_slice(&x.to_le_bytes());
                }
                b
            })
            .collect();
        let (marked, _) = self.stream(&beats, chunk_ends);
        let back = self.units * if reduce { msm_reduce_points(per_unit as u32, c as u32) as usize } else { per_unit << (c - 1) };
        let out = self.read(self.word_bytes() * back);
        let cycles = self.finish(what);
        let mut chunk_cycles = Vec::with_capacity(marked.len());
        let mut prev = 0;
        for &m in &marked {
            chunk_cycles.push(m - prev);
            prev = m;
        }
        let chunk_bytes = chunk_ends.iter().scan(0usize, |last, &end| Some(32 * (end - std::mem::replace(last, end)) as u64)).collect();
        let bytes_from = out.len() as u64;
        (out, CardGroup { chunk_cycles, tail_cycles: cycles - prev, chunk_bytes, bytes_from })
    }
}

/// The MSM on the two-unit card for window size `c` (see the module docs).
fn run_dual(msm: &Msm, card: &mut UnitsCard, c: usize) {
    let Msm { pool, points, scalars, want, cpu_ms, log_n, chunk } = *msm;
    assert!((2..=MAX_STREAM_C).contains(&c), "c = {c}: the digit format carries c ≤ {MAX_STREAM_C}");
    let n = points.len();
    let mut limbs: Vec<Limbs> = vec![[0u64; 4]; n];
    let (ds, streams, host) = prepare_host(pool, scalars, &mut limbs, c, 2, chunk);
    let t_sim = Instant::now();
    let (before_issued, before_reduce) = (card.r.read_reg(Reg::MsmIssued.offset()), card.r.read_reg(Reg::MsmReduceCycles.offset()));
    let mut groups = Vec::new();
    let mut answers = Vec::new();
    for (g, stream) in ds.groups.iter().zip(&streams) {
        let w = g.windows;
        let per_unit = w / 2;
        assert_eq!(g.seg_log as u32, msm_seg_log(per_unit as u32, c as u32), "host and card cut each unit's chains alike");
        let reduce = g.seg_log > 0;
        let ends: Vec<usize> = (0..n).step_by(chunk).map(|a| ((a + chunk).min(n) * w).div_ceil(16)).collect();
        let (out, group) = card.run_group(stream, n, w, c, reduce, &ends, &format!("c = {c}, windows {}..{}", g.first, g.first + w));
        answers.push((out, reduce));
        groups.push(group);
    }
    let sim_s = t_sim.elapsed().as_secs_f64();
    let issued = card.r.read_reg(Reg::MsmIssued.offset()).wrapping_sub(before_issued);
    let reduce_cycles = card.r.read_reg(Reg::MsmReduceCycles.offset()).wrapping_sub(before_reduce);
    // Host: each group's answer decoded, checked and put in window order (the driver's steps) and
    // combined, then Horner, best of 3 each; the MSM checked.
    let mut combine_ms = vec![f64::INFINITY; ds.groups.len()];
    let mut horner_ms = f64::INFINITY;
    for _ in 0..3 {
        let mut window_sums = Vec::new();
        for (g, (sg, (out, reduce))) in ds.groups.iter().zip(&answers).enumerate() {
            let t = Instant::now();
            let sums = unit_sums(pool, out, 2, sg.windows, *reduce);
            window_sums.extend(pool.install(|| group_window_sums(sg.seg_log, &sg.strides, &sums, c)));
            combine_ms[g] = combine_ms[g].min(t.elapsed().as_secs_f64() * 1e3);
        }
        let t = Instant::now();
        let got = horner(&window_sums, c);
        horner_ms = horner_ms.min(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(got.into_affine(), want, "c = {c}: two-unit card (RTL accumulation and reduction) + host combination differ from arkworks");
    }
    let card_cycles: u64 = groups.iter().map(|g| g.chunk_cycles.iter().sum::<u64>() + g.tail_cycles).sum();
    let digits: usize = ds.groups.iter().map(|g| n * g.windows).sum();
    let bytes_to: u64 = groups.iter().map(|g| g.chunk_bytes.iter().sum::<u64>()).sum();
    let bytes_from: u64 = groups.iter().map(|g| g.bytes_from).sum();
    println!();
    println!(
        "two units, c = {c}: {} groups of {} windows (each unit half of them; a zero window pads an odd count), {digits} digits (a pair per cycle at most), {issued} additions issued by both units, reduction {reduce_cycles} unit-cycles (both units side by side); card {card_cycles} cycles (CmdCycles), {:.3} digit pairs per card cycle; simulation {sim_s:.0} s",
        ds.groups.len(),
        ds.groups.iter().map(|g| g.windows.to_string()).collect::<Vec<_>>().join(" + "),
        digits as f64 / 2.0 / card_cycles as f64,
    );
    println!(
        "host ({THREADS} threads): planning passes over every scalar {:.3} ms, group 0 planned in {:.3} ms, first chunk ready at {:.3} ms, all {} chunks of digits done at {:.2} ms ({:.2} ns per digit written, conversion included); decode + combination per group {} ms, Horner {horner_ms:.3} ms; PCIe {:.3} ms to the card ({bytes_to} B), {:.3} ms back ({bytes_from} B)",
        host.full_pass_ms,
        host.prepare_ms,
        host.chunk_end_ms[0][0],
        host.chunk_end_ms.iter().map(|g| g.len()).sum::<usize>(),
        host.total_ms(),
        (host.total_ms() - host.plan_ms.iter().sum::<f64>()) * 1e6 / digits as f64,
        combine_ms.iter().map(|m| format!("{m:.2}")).collect::<Vec<_>>().join(" + "),
        pcie_ms(bytes_to),
        pcie_ms(bytes_from),
    );
    println!();
    let host_ms = host.total_ms() + combine_ms.iter().sum::<f64>() + horner_ms;
    let rows = RatioRows {
        columns: &["card", "c"],
        values: &["two units".into(), c.to_string()],
        host_label: "digits + decode and combination + Horner",
        host_ms,
        card_cycles,
        cpu_ms,
        log_n,
    };
    rows.print(&host, &groups, &combine_ms, horner_ms);
    println!();
    println!("(bases resident on the card; only digits go to the card, two points per chain and unit come back; PCIe {PCIE_GB_S} GB/s assumed)");
}

/// The precomputed layout on the two-unit card for window size `c` and `k` windows per table entry
/// (see the module docs).
fn run_dual_precomputed(msm: &Msm, c: usize, k: usize) {
    let Msm { pool, points, scalars, want, cpu_ms, log_n, chunk } = *msm;
    assert!((2..=MAX_PRECOMPUTED_C).contains(&c), "c = {c}: the precomputed layout takes c ≤ {MAX_PRECOMPUTED_C}");
    let n = points.len();
    let (w, e, slots, per_unit) = (precomputed_windows(c), entries_per_base(c, k), slots_per_base(c, k), k / 2);
    assert!(per_unit << (c - 1) <= 1 << MAX_LOG_DEPTH, "c = {c}, {k} windows per entry: {per_unit} windows of 2^{} buckets per unit", c - 1);
    let seg_log = msm_precomputed::seg_log(per_unit, c, HOST_CHAIN_LOG_DEPTH);
    assert_eq!(seg_log as u32, msm_seg_log(per_unit as u32, c as u32), "host and card cut each unit's chains alike");
    let plan = ReducePlan::new(per_unit, c, ADDER_LATENCY);

    let (table, setup_ms) = checked_table(pool, points, c, k);
    let mut card = UnitsCard::new(&table, 2);
    drop(table);

    let (stream, ends, wide) = precomputed_digits(pool, scalars, c, k, chunk);
    let words_ms = *ends.last().unwrap();

    // The card: one command of n·E entries and k windows, reduced on the card.
    let t_sim = Instant::now();
    let (before_issued, before_reduce) = (card.r.read_reg(Reg::MsmIssued.offset()), card.r.read_reg(Reg::MsmReduceCycles.offset()));
    let reduce = seg_log > 0;
    let chunk_ends: Vec<usize> = (0..n).step_by(chunk).map(|a| ((a + chunk).min(n) * slots).div_ceil(16)).collect();
    let (out, group) = card.run_group(&stream, n * e, k, c, reduce, &chunk_ends, &format!("precomputed, c = {c}, {k} windows per entry"));
    let card_cycles = group.chunk_cycles.iter().sum::<u64>() + group.tail_cycles;
    let sim_s = t_sim.elapsed().as_secs_f64();
    let issued = card.r.read_reg(Reg::MsmIssued.offset()).wrapping_sub(before_issued);
    let reduce_cycles = card.r.read_reg(Reg::MsmReduceCycles.offset()).wrapping_sub(before_reduce) as u64;
    if reduce {
        assert_eq!(reduce_cycles, 2 * plan.reduce_cycles(), "c = {c}: both units' RTL reduction cycles vs the model's");
    }
    let groups = vec![group];

    // The host's decode of the answer and combination of the k windows, then the listed digits,
    // best of 3 each; the MSM checked.
    let (mut combine_ms, mut wide_ms) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..3 {
        let t = Instant::now();
        let sums = unit_sums(pool, &out, 2, k, reduce);
        let sum = pool.install(|| msm_precomputed::combine(&sums, c, seg_log, k));
        combine_ms = combine_ms.min(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let extra = wide_digits_sum(points, &wide, c);
        wide_ms = wide_ms.min(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!((sum + extra).into_affine(), want, "c = {c}: precomputed table on the two-unit card + host combination differ from arkworks");
    }
    let bytes_to: u64 = groups[0].chunk_bytes.iter().sum();
    let host = HostPrep { full_pass_ms: 0.0, prepare_ms: 0.0, plan_ms: vec![0.0], chunk_end_ms: vec![ends.clone()], after_digits_ms: wide_ms };
    println!();
    println!(
        "two units, precomputed, c = {c}: W = {w} windows per base in {e} entries of {k} windows, table {} points ({:.3} GB of card memory at 64 B/point), one-time table setup {setup_ms:.0} ms ({THREADS} threads; per base set, not per proof)",
        n * e,
        (n * e * 64) as f64 / 1e9
    );
    println!(
        "one command of {} entries, {k} windows of 2^{} buckets ({per_unit} per unit), chains of 2^{seg_log}: {} digits ({} of them +2^15, added on the host), {issued} additions issued by both units, reduction {reduce_cycles} unit-cycles (both units side by side, RTL = model); card {card_cycles} cycles (CmdCycles), {:.4} entries (digit pairs per unit) per card cycle; simulation {sim_s:.0} s",
        n * e,
        c - 1,
        n * slots,
        wide.len(),
        (n * e * per_unit) as f64 / card_cycles as f64,
    );
    println!(
        "host ({THREADS} threads): digits {} chunks done at {words_ms:.2} ms ({:.2} ns/digit, first chunk {:.3} ms); digits +2^15 summed in {wide_ms:.3} ms (after the digits, while the card works); decode + combination {combine_ms:.3} ms (after the card); PCIe {:.3} ms to the card ({bytes_to} B), {:.3} ms back ({} B)",
        ends.len(),
        words_ms * 1e6 / (n * slots) as f64,
        ends[0],
        pcie_ms(bytes_to),
        pcie_ms(groups[0].bytes_from),
        groups[0].bytes_from,
    );
    println!();
    let rows = RatioRows {
        columns: &["card, layout", "c, k"],
        values: &["two units, precomputed".into(), format!("{c}, {k}")],
        host_label: "digits + decode and combination + digits 2^15",
        host_ms: words_ms + combine_ms + wide_ms,
        card_cycles,
        cpu_ms,
        log_n,
    };
    rows.print(&host, &groups, &[combine_ms], 0.0);
    println!();
    println!("(table resident on the card; only digits go to the card, two points per chain and unit come back; PCIe {PCIE_GB_S} GB/s assumed)");
}

/// One-time setup of a precomputed layout: the table (`k·c` doublings per entry, batch
/// normalisation; THREADS threads, timed) with a sample of its entries checked against scalar
/// multiplications.
fn checked_table(pool: &rayon::ThreadPool, points: &[G1Affine], c: usize, k: usize) -> (Vec<G1Affine>, f64) {
    let (n, e) = (points.len(), entries_per_base(c, k));
    let t = Instant::now();
    let table = pool.install(|| window_table(points, c, k));
    let setup_ms = t.elapsed().as_secs_f64() * 1e3;
    for i in [0, n / 2, n - 1] {
        for tt in [0, e / 2, e - 1] {
            assert_eq!(table[i * e + tt], (points[i] * Fr::from(2u64).pow([(k * c * tt) as u64])).into_affine(), "table entry {i}·{e} + {tt}");
        }
    }
    (table, setup_ms)
}

/// The precomputed layout on the three-unit card (`zkaccel_hdl::card::triple`, XYZZ units): as
/// [`run_dual_precomputed`], with the XYZZ answer (four beats per word), the offsets (`R_b` loaded
/// with the card's clear once per card session, fresh `R_s`, `R_t` per MSM with
/// `LOAD_RUNNING_OFFSETS`, whose cycles count as the card's), the offsets' correction computed by
/// the host while the card works, and the reduction's cycles against the XYZZ model's.
fn run_triple_precomputed(msm: &Msm, c: usize, k: usize, rng: &mut TestRng) {
    let Msm { pool, points, scalars, want, cpu_ms, log_n, chunk } = *msm;
    assert!((2..=MAX_PRECOMPUTED_C).contains(&c), "c = {c}: the precomputed layout takes c ≤ {MAX_PRECOMPUTED_C}");
    let n = points.len();
    let (w, e, slots, per_unit) = (precomputed_windows(c), entries_per_base(c, k), slots_per_base(c, k), k / 3);
    assert!(per_unit << (c - 1) <= 1 << MAX_LOG_DEPTH, "c = {c}, {k} windows per entry: {per_unit} windows of 2^{} buckets per unit", c - 1);
    let seg_log = msm_precomputed::seg_log(per_unit, c, HOST_CHAIN_LOG_DEPTH);
    assert_eq!(seg_log as u32, msm_seg_log(per_unit as u32, c as u32), "host and card cut each unit's chains alike");

    let (table, setup_ms) = checked_table(pool, points, c, k);
    let mut card = UnitsCard::new(&table, 3);
    drop(table);
    // The card session's offsets: R_b (with the clear), then this MSM's R_s, R_t.
    let session = msm_xyzz::Offsets { bucket: G1Affine::rand(rng), s: G1Affine::rand(rng), t: G1Affine::rand(rng) };
    let coords = |ps: &[G1Affine]| -> Vec<[u8; 32]> { ps.iter().flat_map(|p| [to_wire(&p.x), to_wire(&p.y)]).collect() };
    card.command(&[(Reg::MsmOp, MsmOp::LOAD_OFFSETS)]);
    card.stream(&coords(&[session.bucket, session.s, session.t]), &[]);
    let clear_cycles = card.finish("LOAD_OFFSETS");
    let off = msm_xyzz::Offsets { s: G1Affine::rand(rng), t: G1Affine::rand(rng), ..session };

    let (stream, ends, wide) = precomputed_digits(pool, scalars, c, k, chunk);
    let words_ms = *ends.last().unwrap();

    // The card: this MSM's running offsets, then one command of n·E entries and k windows,
    // reduced on the card.
    let t_sim = Instant::now();
    card.command(&[(Reg::MsmOp, MsmOp::LOAD_RUNNING_OFFSETS)]);
    card.stream(&coords(&[off.s, off.t]), &[]);
    let offsets_cycles = card.finish("LOAD_RUNNING_OFFSETS");
    let (before_issued, before_reduce) = (card.r.read_reg(Reg::MsmIssued.offset()), card.r.read_reg(Reg::MsmReduceCycles.offset()));
    let chunk_ends: Vec<usize> = (0..n).step_by(chunk).map(|a| ((a + chunk).min(n) * slots).div_ceil(16)).collect();
    let (out, mut group) = card.run_group(&stream, n * e, k, c, true, &chunk_ends, &format!("precomputed, c = {c}, {k} windows per entry"));
    group.chunk_cycles[0] += offsets_cycles;
    let card_cycles = group.chunk_cycles.iter().sum::<u64>() + group.tail_cycles;
    let sim_s = t_sim.elapsed().as_secs_f64();
    let issued = card.r.read_reg(Reg::MsmIssued.offset()).wrapping_sub(before_issued);
    let reduce_cycles = card.r.read_reg(Reg::MsmReduceCycles.offset()).wrapping_sub(before_reduce) as u64;
    let shape = XyzzShape { c, windows: per_unit, seg_log };
    assert_eq!(reduce_cycles, 3 * xyzz_reduce_cycles(&shape, XYZZ_ADDER_LATENCY), "c = {c}: the three units' RTL reduction cycles vs the XYZZ model's");
    assert_eq!(card.r.read_reg(Reg::MsmFlagged.offset()), 0, "random offsets: nothing flagged");
    let groups = vec![group];

    // The host, best of 3 each: the offsets' correction and the digits +2^15 (while the card
    // works), then the decode of the answer and the combination of the k windows (after it); the
    // MSM checked.
    let (mut fix_ms, mut combine_ms, mut wide_ms) = (f64::INFINITY, f64::INFINITY, f64::INFINITY);
    for _ in 0..3 {
        let t = Instant::now();
        let fix = msm_xyzz::window_correction(c, seg_log, &off);
        fix_ms = fix_ms.min(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let sums = pool.install(|| msm_xyzz::decode_unit_answers(&out, 3, k)).unwrap_or_else(|(i, e)| panic!("answer word {i}: {e}"));
        let sum = pool.install(|| msm_xyzz::combine(&sums, c, seg_log, k, &fix));
        assert!(sum.into_affine().is_on_curve());
        combine_ms = combine_ms.min(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let extra = wide_digits_sum(points, &wide, c);
        wide_ms = wide_ms.min(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!((sum + extra).into_affine(), want, "c = {c}: precomputed table on the three-unit card + host combination differ from arkworks");
    }
    let bytes_to: u64 = groups[0].chunk_bytes.iter().sum();
    let host = HostPrep { full_pass_ms: 0.0, prepare_ms: 0.0, plan_ms: vec![0.0], chunk_end_ms: vec![ends.clone()], after_digits_ms: wide_ms + fix_ms };
    println!();
    println!(
        "three XYZZ units, precomputed, c = {c}: W = {w} windows per base in {e} entries of {k} windows (digits in padded triples, {slots} slots per base), table {} points ({:.3} GB of card memory at 64 B/point), one-time table setup {setup_ms:.0} ms ({THREADS} threads; per base set, not per proof); LOAD_OFFSETS with the clear {clear_cycles} cycles (per card session, not per MSM)",
        n * e,
        (n * e * 64) as f64 / 1e9
    );
    println!(
        "LOAD_RUNNING_OFFSETS {offsets_cycles} cycles, then one command of {} entries, {k} windows of 2^{} buckets ({per_unit} per unit), chains of 2^{seg_log}: {} digits ({} of them +2^15, added on the host), {issued} operations issued by the three units, reduction {reduce_cycles} unit-cycles (three units side by side, RTL = model); card {card_cycles} cycles (CmdCycles of both commands), {:.4} entries (digit triples) per card cycle; simulation {sim_s:.0} s",
        n * e,
        c - 1,
        n * w,
        wide.len(),
        (n * e * per_unit) as f64 / card_cycles as f64,
    );
    println!(
        "host ({THREADS} threads): digits {} chunks done at {words_ms:.2} ms ({:.2} ns/digit, first chunk {:.3} ms); offsets' correction {fix_ms:.3} ms and digits +2^15 {wide_ms:.3} ms (after the digits, while the card works); decode + combination {combine_ms:.3} ms (after the card); PCIe {:.3} ms to the card ({bytes_to} B), {:.3} ms back ({} B)",
        ends.len(),
        words_ms * 1e6 / (n * w) as f64,
        ends[0],
        pcie_ms(bytes_to),
        pcie_ms(groups[0].bytes_from),
        groups[0].bytes_from,
    );
    println!();
    let rows = RatioRows {
        columns: &["card, layout", "c, k"],
        values: &["three XYZZ units, precomputed".into(), format!("{c}, {k}")],
        host_label: "digits + correction + decode and combination + digits 2^15",
        host_ms: words_ms + fix_ms + combine_ms + wide_ms,
        card_cycles,
        cpu_ms,
        log_n,
    };
    rows.print(&host, &groups, &[combine_ms], 0.0);
    println!();
    println!("(table resident on the card; only digits go to the card, two XYZZ points per chain and unit come back; PCIe {PCIE_GB_S} GB/s assumed)");
}
