//! Cycle counts of the NTT core from Verilator, with a projection at an assumed UltraScale+ clock
//! beside arkworks' CPU time measured in the same run:
//!
//!     cargo run --release -p zkaccel-sim --example ntt_report
//!
//! Every transform is checked against ark-poly before its cycles are reported. The `batch` rows
//! come from the batch core (`NttBatchCore`, slots of 2^10 points): back-to-back transforms with
//! loading and unloading overlapped, cycles from the first input beat to the last output beat;
//! `batch, packed` rows pack several small transforms into one slot, and the `four-step` rows run
//! `N = N1·N2` as two batches (the twiddles on the first's way out) with the host transposing
//! between them (card cycles: both batches). `--batch-only` prints only the batch core's rows.

use ark_bn254::Fr;
use ark_ff::UniformRand;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use std::time::Instant;
use zkaccel::card_schedule::ntt_four_step::{four_step_ntt, NttColumns};
use zkaccel_hdl::ntt::config::TEST_K;
use zkaccel_hdl::ntt::model::{default_coset, ntt_ark, NttMode};
use zkaccel_hdl::ntt::NttCore;
use zkaccel_hdl::ntt_batch::{config as batch_config, NttBatchCore};
use zkaccel_hdl::verilog::generate;
use zkaccel_sim::ntt_batch_runner::NttBatchRunner;
use zkaccel_sim::ntt_runner::{NttRunner, Traffic};
use zkaccel_sim::Build;
use zkaccel_testkit::seed::TestRng;

/// Assumed (not measured) UltraScale+ clock for projections: Yosys reports no timing there.
const ASSUMED_MHZ: f64 = 250.0;

/// Milliseconds per forward NTT of `x` on one thread: (ark-poly, zkaccel's CPU kernel).
fn cpu_ms(x: &[Fr]) -> (f64, f64) {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    pool.install(|| {
        let d = Radix2EvaluationDomain::<Fr>::new(x.len()).unwrap();
        let reps = (1 << 16) / x.len() + 3;
        let mut ours = x.to_vec();
        zkaccel::cpu::ntt::fft_in_place(&mut ours); // warm the twiddle cache
        assert_eq!(ours, d.fft(x), "CPU kernel disagrees with ark-poly");
        let t = Instant::now();
        for _ in 0..reps {
            std::hint::black_box(d.fft(x));
        }
        let ark = t.elapsed().as_secs_f64() * 1e3 / reps as f64;
        let t = Instant::now();
        for _ in 0..reps {
            ours.copy_from_slice(x);
            zkaccel::cpu::ntt::fft_in_place(std::hint::black_box(&mut ours));
        }
        (ark, t.elapsed().as_secs_f64() * 1e3 / reps as f64)
    })
}

fn main() {
    if std::env::args().any(|a| a == "--batch-only") {
        batch_rows(&mut TestRng::from_seed(0x4e77));
        return;
    }
    let lib = Build::new("ntt_core_k10", generate(&mut NttCore::new(TEST_K))).build().expect("build");
    let mut rng = TestRng::from_seed(0x4e77);
    let mut runner = NttRunner::new(&lib, TEST_K, Traffic::SMOOTH, TestRng::from_seed(1)).unwrap();
    println!("NTT core, K = {TEST_K}, one radix-2 butterfly per cycle; projection at an ASSUMED {ASSUMED_MHZ} MHz");
    println!("| n | mode | cycles | butterflies/cycle | projected kernel time (µs) | CPU 1 thread: ark-poly / zkaccel cpu::ntt (µs) |");
    println!("|---|---|---|---|---|---|");
    for k in 3..=TEST_K {
        let x: Vec<Fr> = (0..1 << k).map(|_| Fr::rand(&mut rng)).collect();
        for (name, mode) in
            [("forward", NttMode::FORWARD), ("inverse", NttMode::INVERSE), ("coset fwd", NttMode { inverse: false, coset: Some(default_coset()) })]
        {
            if name != "forward" && k != TEST_K {
                continue;
            }
            let got = runner.run(&x, mode).expect("run");
            assert_eq!(got, ntt_ark(&x, mode), "2^{k} {name}");
            let s = runner.last;
            let cpu = if name == "forward" {
                let (ark, ours) = cpu_ms(&x);
                format!("{:.1} / {:.1}", ark * 1e3, ours * 1e3)
            } else {
                "—".into()
            };
            println!("| 2^{k} | {name} | {} | {:.3} | {:.2} | {cpu} |", s.cycles, s.butterflies as f64 / s.cycles as f64, s.cycles as f64 / ASSUMED_MHZ);
        }
    }
    batch_rows(&mut rng);
    for k in [TEST_K + 1, TEST_K + 2] {
        let x: Vec<Fr> = (0..1 << k).map(|_| Fr::rand(&mut rng)).collect();
        let mut got = x.clone();
        let mut total = 0u64;
        let mut counting = CountingRunner { inner: &mut runner, cycles: &mut total };
        four_step_ntt(&mut counting, &mut got, false).unwrap().unwrap();
        assert_eq!(got, ntt_ark(&x, NttMode::FORWARD));
        let (ark, ours) = cpu_ms(&x);
        println!(
            "| 2^{k} | four-step fwd | {total} | {:.3} | {:.2} (card only; host transposes not included) | {:.1} / {:.1} |",
            ((1u64 << k) / 2 * k as u64) as f64 / total as f64,
            total as f64 / ASSUMED_MHZ,
            ark * 1e3,
            ours * 1e3
        );
    }
}

/// Rows of the batch core: `| 2^10 | batch |` (a batch of 8, forward, one butterfly unit), its
/// inverse, longer batches, the steady state (the extra cycles of 16 more transforms, per
/// transform), then the same on two units (`| 2^10 | batch, 2 units |`; butterflies per cycle of
/// both units together).
fn batch_rows(rng: &mut TestRng) {
    let k = batch_config::TEST_K;
    let lib = Build::new("ntt_batch_k10", generate(&mut NttBatchCore::new(k))).trace_depth(2).build().expect("build");
    let mut runner = NttBatchRunner::new(&lib, k, Traffic::SMOOTH, TestRng::from_seed(2)).unwrap();
    let mut cycles_of = |units: u64, count: usize, inverse: bool, rng: &mut TestRng| {
        let batch: Vec<Vec<Fr>> = (0..count).map(|_| (0..1 << k).map(|_| Fr::rand(rng)).collect()).collect();
        runner.set_units(units);
        let got = runner.run(&batch, inverse).expect("batch run");
        let mode = if inverse { NttMode::INVERSE } else { NttMode::FORWARD };
        for (x, y) in batch.iter().zip(&got) {
            assert_eq!(*y, ntt_ark(x, mode), "batch 2^{k}, {units} units");
        }
        runner.last
    };
    let x: Vec<Fr> = (0..1 << k).map(|_| Fr::rand(rng)).collect();
    let (ark, ours) = cpu_ms(&x);
    let row = |name: &str, units: u64, s: zkaccel_sim::ntt_batch_runner::BatchStats, cpu: &str| {
        println!(
            "| 2^{k} | {name} | {} | {:.3} | {:.2} per transform ({} transforms, {units} butterfly unit{}, first input beat to last output beat) | {cpu} |",
            s.cycles,
            s.butterflies as f64 / s.cycles as f64,
            s.cycles as f64 / s.transforms as f64 / ASSUMED_MHZ,
            s.transforms,
            if units == 1 { "" } else { "s" }
        );
    };
    let steady = |name: &str, units: u64, s16: zkaccel_sim::ntt_batch_runner::BatchStats, s32: zkaccel_sim::ntt_batch_runner::BatchStats, cpu: &str| {
        let per = (s32.cycles - s16.cycles) as f64 / 16.0;
        println!(
            "| 2^{k} | {name} | {per:.1} per transform | {:.3} | {:.2} per transform ({units} butterfly unit{}; cycles of 32 minus 16 transforms, over 16) | {cpu} |",
            ((1u64 << k) / 2 * k as u64) as f64 / per,
            per / ASSUMED_MHZ,
            if units == 1 { "" } else { "s" }
        );
    };
    let cpu = format!("{:.1} / {:.1}", ark * 1e3, ours * 1e3);
    row("batch", 1, cycles_of(1, 8, false, rng), &cpu);
    row("batch inverse", 1, cycles_of(1, 8, true, rng), "—");
    let s16 = cycles_of(1, 16, false, rng);
    row("batch", 1, s16, &cpu);
    let s32 = cycles_of(1, 32, false, rng);
    row("batch", 1, s32, &cpu);
    steady("batch steady state", 1, s16, s32, &cpu);
    row("batch, 2 units", 2, cycles_of(2, 8, false, rng), &cpu);
    row("batch inverse, 2 units", 2, cycles_of(2, 8, true, rng), "—");
    let d16 = cycles_of(2, 16, false, rng);
    let d32 = cycles_of(2, 32, false, rng);
    row("batch, 2 units", 2, d32, &cpu);
    steady("batch steady state, 2 units", 2, d16, d32, &cpu);
    packed_rows(&mut runner, rng);
    four_step_rows(&mut runner, rng);
}

/// `| 2^k | batch, packed … |`: 8 · 2^10 points as `2^{13−k}` transforms of `2^k`, one unit, `2^p`
/// transforms to a slot (`p = 0`: one per slot, the stages of `n/2 < 96` butterflies wait for
/// the pipeline).
fn packed_rows(runner: &mut NttBatchRunner, rng: &mut TestRng) {
    let kmax = batch_config::TEST_K;
    runner.set_units(1);
    for k in 4..=9usize {
        let count = 8 << (kmax - k);
        let batch: Vec<Vec<Fr>> = (0..count).map(|_| (0..1 << k).map(|_| Fr::rand(rng)).collect()).collect();
        let (x, _) = cpu_ms(&batch[0]);
        let mut packs = vec![0];
        if k < 8 {
            packs.push(8 - k);
        }
        if k + 2 < kmax {
            packs.push(kmax - k);
        }
        for p in packs {
            runner.set_log_pack(p as u64);
            let got = runner.run(&batch, false).expect("packed batch run");
            for (x, y) in batch.iter().zip(&got) {
                assert_eq!(*y, ntt_ark(x, NttMode::FORWARD), "packed batch 2^{k}, 2^{p} to a slot");
            }
            let s = runner.last;
            println!(
                "| 2^{k} | batch, packed 2^{p} to a slot | {} | {:.3} | {:.3} per transform ({} transforms, slots of 2^{}, 1 butterfly unit, first input beat to last output beat) | {:.2} (ark-poly, per transform) |",
                s.cycles,
                s.butterflies as f64 / s.cycles as f64,
                s.cycles as f64 / s.transforms as f64 / ASSUMED_MHZ,
                s.transforms,
                k + p,
                x * 1e3
            );
        }
    }
    // Two units: a lane issues two butterflies per cycle, so slots of 2^9 (stages of 128 cycles).
    runner.set_units(2);
    for k in 4..=8usize {
        let count = 8 << (kmax - k);
        let batch: Vec<Vec<Fr>> = (0..count).map(|_| (0..1 << k).map(|_| Fr::rand(rng)).collect()).collect();
        let p = 9 - k;
        runner.set_log_pack(p as u64);
        let got = runner.run(&batch, false).expect("packed batch run, 2 units");
        for (x, y) in batch.iter().zip(&got) {
            assert_eq!(*y, ntt_ark(x, NttMode::FORWARD), "packed batch 2^{k}, 2^{p} to a slot, 2 units");
        }
        let s = runner.last;
        println!(
            "| 2^{k} | batch, packed 2^{p} to a slot, 2 units | {} | {:.3} | {:.3} per transform ({} transforms, slots of 2^9, 2 butterfly units, first input beat to last output beat) | — |",
            s.cycles,
            s.butterflies as f64 / s.cycles as f64,
            s.cycles as f64 / s.transforms as f64 / ASSUMED_MHZ,
            s.transforms,
        );
    }
    runner.set_units(1);
    runner.set_log_pack(0);
}

/// `| 2^m | four-step |`: `N = N1·N2` with `N1 = N2` (or `N1 = 2 N2`), one unit, pass 1 with the
/// twiddles on its way out, the host's transpose between the passes (not in the card's cycles).
fn four_step_rows(runner: &mut NttBatchRunner, rng: &mut TestRng) {
    runner.set_units(1);
    for log_n in [12u32, 14, 16] {
        let x: Vec<Fr> = (0..1 << log_n).map(|_| Fr::rand(rng)).collect();
        let (ark, ours) = cpu_ms(&x);
        let log_n1 = log_n.div_ceil(2);
        let log_n2 = log_n - log_n1;
        // Slots of 2^8 (stages of 128 butterflies: more than the pipeline depth).
        let packs = (8u64.saturating_sub(log_n1 as u64), 8u64.saturating_sub(log_n2 as u64));
        for (inverse, units) in [(false, 1), (true, 1), (false, 2)] {
            // Two units: pass 2 only (pass 1's twiddles use the second unit's multiplier); slots of
            // 2^9 for it (stages of 128 dual issues).
            runner.set_units(units);
            let packs = if units == 2 { (packs.0, 9u64.saturating_sub(log_n2 as u64)) } else { packs };
            let (got, s) = runner.four_step(&x, log_n1, inverse, packs).expect("four-step run");
            let mode = if inverse { NttMode::INVERSE } else { NttMode::FORWARD };
            assert_eq!(got, ntt_ark(&x, mode), "four-step 2^{log_n}");
            println!(
                "| 2^{log_n} | four-step{}{} | {} | {:.3} | {:.2} (card only: 2^{log_n2} × 2^{log_n1} ({} + {} cycles, 2^{} and 2^{} to a slot), {}; host transposes not included) | {} |",
                if inverse { " inverse" } else { "" },
                if units == 2 { ", pass 2 on 2 units" } else { "" },
                s.cycles,
                s.butterflies as f64 / s.cycles as f64,
                s.cycles as f64 / ASSUMED_MHZ,
                s.pass1.cycles,
                s.pass2.cycles,
                packs.0,
                packs.1,
                if units == 2 {
                    "pass 1 on 1 butterfly unit + the second unit's multiplier for the twiddles, pass 2 on 2 butterfly units"
                } else {
                    "1 butterfly unit + the second unit's multiplier for the twiddles"
                },
                if inverse || units == 2 { "—".to_string() } else { format!("{:.1} / {:.1}", ark * 1e3, ours * 1e3) }
            );
        }
    }
}

/// Sums the core's cycles over the column transforms of a four-step run.
struct CountingRunner<'a> {
    inner: &'a mut NttRunner,
    cycles: &'a mut u64,
}

impl NttColumns for CountingRunner<'_> {
    type Error = String;
    fn max_log_n(&self) -> usize {
        self.inner.max_log_n()
    }
    fn transform(&mut self, data: &mut [Fr], mode: NttMode) -> Result<(), String> {
        self.inner.transform(data, mode)?;
        *self.cycles += self.inner.last.cycles;
        Ok(())
    }
}
