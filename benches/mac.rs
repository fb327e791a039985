//! Prove time of a two-layer MLP on MAC rows: 784×128 (rescale + ReLU) then 128×10 (rescale),
//! for L = 1, 4, 8 multiply-accumulates per row, with the share spent in MSM, NTT and the rest
//! (`ProfilingBackend` over `CpuBackend`). Weights in [−8, 8), inputs in [0, 16), s = 10,
//! b = 8 (ReLU table 2^8 rows, remainder table 2^10 rows). Insecure development SRS (seeded).
//!
//!     cargo bench -p zkaccel-benches --bench mac
//!
//! `ZKACCEL_BENCH_LANES=8,4` picks the lane counts; `ZKACCEL_BENCH_QUICK=1` uses 196×32 and
//! 32×10 instead.

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use zkaccel::backend::{CpuBackend, ProfilingBackend};
use zkaccel::plonk::mac::{MacBuilder, MacConfig, Operand};
use zkaccel::plonk::{keygen, prove, verify, ConstraintSystem};
use zkaccel::srs::Srs;

fn main() {
    let quick = std::env::var("ZKACCEL_BENCH_QUICK").is_ok();
    let (d, h, o) = if quick { (196, 32, 10) } else { (784, 128, 10) };
    let lanes: Vec<usize> = std::env::var("ZKACCEL_BENCH_LANES")
        .ok()
        .map(|s| s.split(',').map(|x| x.trim().parse().expect("lane count")).collect())
        .unwrap_or_else(|| vec![1, 4, 8]);
    println!("MLP {d}×{h} (ReLU) + {h}×{o}, s = 10, b = 8, CPU backend");
    println!("| L | rows used | 2^k | keygen | prove | MSM | NTT | rest | verify | proof size |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for l in lanes {
        let mut rng = ChaCha20Rng::seed_from_u64(0x3ac0 + l as u64);
        let rows = h * MacBuilder::rows_per_output(l, d) + o * MacBuilder::rows_per_output(l, h);
        let k = (rows.max(1 << 10)).next_power_of_two().trailing_zeros();
        let mut cs = ConstraintSystem::new();
        let cfg = MacConfig::configure(&mut cs, l, 10, 8);
        let mut b = MacBuilder::new(&cs, cfg, k).expect("layout");
        let mut x: Vec<Operand> = (0..d).map(|_| Operand::input(rng.gen_range(0..16))).collect();
        let w1: Vec<Vec<i64>> = (0..h).map(|_| (0..d).map(|_| rng.gen_range(-8..8)).collect()).collect();
        let b1: Vec<i64> = (0..h).map(|_| rng.gen_range(-64..64)).collect();
        let mut hidden = b.matvec(&w1, &b1, &mut x, true).expect("layer 1");
        let w2: Vec<Vec<i64>> = (0..o).map(|_| (0..h).map(|_| rng.gen_range(-8..8)).collect()).collect();
        let b2: Vec<i64> = (0..o).map(|_| rng.gen_range(-64..64)).collect();
        b.matvec(&w2, &b2, &mut hidden, false).expect("layer 2");
        assert_eq!(b.rows_used(), rows);
        let (circuit, witness) = b.finish();
        let srs = Srs::insecure_dev((1 << k) + 8, &mut rng).expect("dev SRS");
        let backend = ProfilingBackend::new(CpuBackend::new());
        let t = Instant::now();
        let pk = keygen(&backend, &srs, cs, &circuit).expect("keygen");
        let keygen_time = t.elapsed();
        let _ = backend.take_profile();
        let t = Instant::now();
        let proof = prove(&backend, &pk, &witness, &[], &mut rng).expect("prove");
        let total = t.elapsed();
        let p = backend.take_profile();
        let t = Instant::now();
        verify(&pk.vk, &proof, &[]).expect("verify");
        let vt = t.elapsed();
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
        let pct = |d: std::time::Duration| 100.0 * d.as_secs_f64() / total.as_secs_f64();
        let rest = total.saturating_sub(p.msm + p.ntt);
        println!(
            "| {l} | {rows} | 2^{k} | {:.0} ms | {:.0} ms | {:.0} ms ({:.0}%) | {:.0} ms ({:.0}%) | {:.0} ms ({:.0}%) | {:.1} ms | {} B |",
            ms(keygen_time),
            ms(total),
            ms(p.msm),
            pct(p.msm),
            ms(p.ntt),
            pct(p.ntt),
            ms(rest),
            pct(rest),
            ms(vt),
            proof.size_bytes()
        );
    }
}
