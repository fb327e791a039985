//! GPU baseline for issue 23: BN254 MSM and Fr NTT on the GPU (our own CUDA kernels,
//! `benches/gpu/`) beside the CPU kernels (`zkaccel::cpu::msm`, `zkaccel::cpu::ntt`), every
//! result checked against arkworks, one markdown table out.
//!
//! ```text
//! cargo run --release -p zkaccel-benches --example gpu_baseline -- --gpu-bin PATH \
//!     [--log-n 16,18,20,22] [--reps 5] [--cpu-reps 3] [--cpu-threads 2,0] [--dir DIR]
//! ```
//!
//! `--gpu-bin` is the nvcc build of `benches/gpu/main.cu` (`benches/gpu/run-on-device.sh` builds
//! and runs it on a GPU machine) or its g++ emulation build (correct, not fast). `--cpu-threads`:
//! rayon pools to time the CPU kernels in (0 = every core). GPU times, best of `--reps` after a
//! warm-up: `kernels` is the computation on resident data — the MSM from its scalars (Montgomery
//! form, converted on the GPU) to the point, bases converted and resident as on the card, the
//! window sums' copy back and the host's Horner step included; the NTT's transform of values in
//! Montgomery form; `+ transfers` adds the scalars' upload (MSM) or the values' upload, conversion
//! and download (NTT), from and to host memory pinned once before the timed runs. CPU times: the best of `--cpu-reps` on data
//! in memory (the NTT's input restored outside the timed region). Each row also goes to stderr as
//! soon as it is measured.

use ark_bn254::{Fr, G1Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use std::path::PathBuf;
use zkaccel_benches::gpu_baseline as gb;

struct Args {
    gpu_bin: PathBuf,
    log_n: Vec<u32>,
    reps: u32,
    cpu_reps: u32,
    cpu_threads: Vec<usize>,
    dir: PathBuf,
}

fn parse_list(v: &str, what: &str) -> Vec<u32> {
    v.split(',').map(|s| s.trim().parse().unwrap_or_else(|_| panic!("bad {what}: {v}"))).collect()
}

fn args() -> Args {
    let mut a = Args {
        gpu_bin: PathBuf::new(),
        log_n: vec![16, 18, 20, 22],
        reps: 5,
        cpu_reps: 3,
        cpu_threads: vec![2, 0],
        dir: std::env::temp_dir().join("zkaccel-gpu-baseline"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--gpu-bin" => a.gpu_bin = PathBuf::from(value()),
            "--log-n" => a.log_n = parse_list(&value(), "--log-n"),
            "--reps" => a.reps = value().parse().expect("--reps"),
            "--cpu-reps" => a.cpu_reps = value().parse().expect("--cpu-reps"),
            "--cpu-threads" => a.cpu_threads = parse_list(&value(), "--cpu-threads").into_iter().map(|t| t as usize).collect(),
            "--dir" => a.dir = PathBuf::from(value()),
            other => panic!("unknown argument {other} (see the example's docs)"),
        }
    }
    assert!(!a.gpu_bin.as_os_str().is_empty(), "--gpu-bin PATH is required");
    assert!(a.log_n.iter().all(|&k| (1..=26).contains(&k)), "--log-n sizes must be in 1..=26");
    a
}

fn best_ms(reps: u32, mut f: impl FnMut()) -> f64 {
    (0..reps.max(1)).map(|_| zkaccel_benches::time_ms(&mut f)).fold(f64::INFINITY, f64::min)
}

/// A table row: `lead`, the GPU's compute and compute + transfers, the CPU times and the ratios of
/// each to the GPU with transfers; also written to stderr at once (a later failure keeps it).
fn row(lead: &str, line: &gb::RunLine, cpu: &[f64]) -> String {
    let (k, t) = (line.num("kernels_ms_best").unwrap(), line.num("total_ms_best").unwrap());
    let times = cpu.iter().map(|ms| format!("{ms:.2}")).collect::<Vec<_>>().join(" | ");
    let ratios = cpu.iter().map(|ms| format!("{:.2}×", ms / t)).collect::<Vec<_>>().join(" | ");
    let r = format!("{lead} {k:.3} | {t:.3} | {times} | {ratios} |");
    eprintln!("{r}");
    r
}

fn main() {
    let a = args();
    std::fs::create_dir_all(&a.dir).expect("--dir");
    gb::self_test(&a.gpu_bin).expect("GPU program self-test");
    let pools: Vec<(String, rayon::ThreadPool)> = a
        .cpu_threads
        .iter()
        .map(|&t| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(t).build().expect("pool");
            (format!("{} threads", pool.current_num_threads()), pool)
        })
        .collect();
    let mut msm_rows = Vec::new();
    let mut ntt_rows = Vec::new();
    let mut device = String::new();
    let mut pinned = true;
    for &log_n in &a.log_n {
        let n = 1usize << log_n;
        let bases = gb::random_bases(n, 0x6e0 + log_n as u64);
        let scalars = gb::random_scalars(n, 0x5ca + log_n as u64);
        let c = gb::default_c(log_n);
        let want = G1Projective::msm(&bases, &scalars).unwrap().into_affine();
        let (got, line) = gb::gpu_msm(&a.gpu_bin, &a.dir, &bases, &scalars, c, a.reps).expect("GPU MSM");
        eprintln!("{}", line.0.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" "));
        assert_eq!(got, want, "GPU MSM ≠ ark-ec at 2^{log_n}");
        device = line.text("device").to_string();
        pinned &= line.text("pinned") == "1";
        let mut cpu = Vec::new();
        for (_, pool) in &pools {
            let ours = pool.install(|| zkaccel::cpu::msm::msm(&bases, &scalars).unwrap()).into_affine();
            assert_eq!(ours, want, "CPU kernel ≠ ark-ec at 2^{log_n}");
            cpu.push(best_ms(a.cpu_reps, || {
                let _ = pool.install(|| std::hint::black_box(zkaccel::cpu::msm::msm(&bases, &scalars).unwrap()));
            }));
        }
        msm_rows.push(row(&format!("| 2^{log_n} | {c} |"), &line, &cpu));

        let values = gb::random_scalars(n, 0x177 + log_n as u64);
        let domain = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
        let want = domain.fft(&values);
        let (got, line) = gb::gpu_ntt(&a.gpu_bin, &a.dir, &values, a.reps).expect("GPU NTT");
        eprintln!("{}", line.0.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" "));
        assert!(got == want, "GPU NTT ≠ ark-poly at 2^{log_n}");
        let mut cpu = Vec::new();
        let mut v = values.clone();
        for (_, pool) in &pools {
            v.copy_from_slice(&values);
            pool.install(|| zkaccel::cpu::ntt::fft_in_place(&mut v));
            assert!(v == want, "CPU NTT ≠ ark-poly at 2^{log_n}");
            // The input is restored outside the timed region: only the transform is timed.
            let mut best = f64::INFINITY;
            for _ in 0..a.cpu_reps.max(1) {
                v.copy_from_slice(&values);
                best = best.min(zkaccel_benches::time_ms(|| pool.install(|| zkaccel::cpu::ntt::fft_in_place(std::hint::black_box(&mut v)))));
            }
            cpu.push(best);
        }
        pinned &= line.text("pinned") == "1";
        ntt_rows.push(row(&format!("| 2^{log_n} |"), &line, &cpu));
    }
    let names: Vec<&str> = pools.iter().map(|(n, _)| n.as_str()).collect();
    let cpu_cols = names.iter().map(|n| format!("CPU kernel, {n} (ms)")).collect::<Vec<_>>().join(" | ");
    let ratio_cols = names.iter().map(|n| format!("CPU {n} / GPU + transfers")).collect::<Vec<_>>().join(" | ");
    let rule = "|---".repeat(4 + 2 * names.len());
    println!(
        "GPU: {device} (own CUDA kernels, benches/gpu/); best of {} GPU runs after a warm-up and {} CPU runs; host buffers pinned: {}; every result equal to arkworks.\n",
        a.reps,
        a.cpu_reps,
        if pinned { "yes" } else { "no (pageable copies)" }
    );
    println!("| MSM n | c | GPU compute (ms) | GPU + transfers (ms) | {cpu_cols} | {ratio_cols} |\n{rule}|");
    msm_rows.iter().for_each(|r| println!("{r}"));
    let rule = "|---".repeat(3 + 2 * names.len());
    println!("\n| NTT n | GPU compute (ms) | GPU + transfers (ms) | {cpu_cols} | {ratio_cols} |\n{rule}|");
    ntt_rows.iter().for_each(|r| println!("{r}"));
}
