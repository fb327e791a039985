//! NTT bench: zkaccel's CPU NTT (`zkaccel::cpu::ntt`) against `ark-poly` 0.6
//! `Radix2EvaluationDomain` and (with `--features compare`) `halo2curves` 0.10 `best_fft`, side by
//! side in one run, each inside the same local rayon pool of T threads.
//!
//! Knobs (environment): `ZKACCEL_BENCH_LOG_SIZES` (default `10,12,14,16`; quick mode
//! `ZKACCEL_BENCH_QUICK=1`: `10,12`), `ZKACCEL_BENCH_THREADS` (default `1,2`).
//!
//! `ZKACCEL_BENCH_ROUNDS` (default 7, 0 skips): rounds of an interleaved comparison of the forward
//! transforms, printed as `| interleaved | …` lines (medians and ratios; steadier than separate
//! criterion runs on a machine whose load drifts).
//!
//! Groups: `ntt-fwd/T/2^k/{zkaccel,zkaccel-cold,zkaccel-portable,ark,halo2curves}` (forward
//! transform; `-cold` rebuilds zkaccel's cached twiddle tables in every iteration, as ark and
//! halo2curves do; `-portable` forces the portable kernel where `zkaccel` picks AVX-512 IFMA),
//! `ntt-inv/T/2^k/{zkaccel,ark}` and `ntt-coset-fwd/T/2^k/{zkaccel,ark}`.
//!
//! `RUSTFLAGS="-C target-cpu=native" CARGO_TARGET_DIR=target/native cargo bench -p zkaccel-benches --features asm --bench ntt`

use std::time::Duration;

use ark_ff::{FftField, UniformRand};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use zkaccel_benches::{env_list, median, time_ms};
use criterion::{BatchSize, BenchmarkId, Criterion};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkaccel::cpu::ntt;
use zkaccel::Fr;

#[cfg(feature = "compare")]
mod h2c {
    use ark_ff::{BigInteger, PrimeField};
    use halo2curves::ff::PrimeField as _;

    pub use halo2curves::bn256::Fr as HFr;

    pub fn scalar(x: &zkaccel::Fr) -> HFr {
        let mut repr = <HFr as halo2curves::ff::PrimeField>::Repr::default();
        repr.as_mut().copy_from_slice(&x.into_bigint().to_bytes_le());
        HFr::from_repr(repr).unwrap()
    }

    pub fn bytes(x: &HFr) -> Vec<u8> {
        x.to_repr().as_ref().to_vec()
    }

    pub fn ark_bytes(x: &zkaccel::Fr) -> Vec<u8> {
        x.into_bigint().to_bytes_le()
    }

    pub fn fft(a: &mut [HFr], omega: HFr, log_n: u32) {
        halo2curves::fft::best_fft(a, omega, log_n)
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args().sample_size(10).warm_up_time(Duration::from_millis(300));
    let quick = zkaccel_benches::quick();
    if quick {
        c = c.measurement_time(Duration::from_secs(1));
    }
    let sizes = env_list("ZKACCEL_BENCH_LOG_SIZES", if quick { &[10, 12] } else { &[10, 12, 14, 16] });
    let threads = env_list("ZKACCEL_BENCH_THREADS", &[1, 2]);
    println!(
        "# ntt bench: sizes 2^{sizes:?}, threads {threads:?}, halo2curves: {}, ark-ff asm: {}, zkaccel kernel: {:?}",
        cfg!(feature = "compare"),
        cfg!(feature = "asm"),
        ntt::Kernel::best()
    );
    for &t in &threads {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(t as usize).build().expect("pool");
        for &k in &sizes {
            let n = 1usize << k;
            let mut rng = ChaCha20Rng::seed_from_u64(0x77 + k as u64);
            let a: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let d = Radix2EvaluationDomain::<Fr>::new(n).expect("domain");
            let coset = d.get_coset(Fr::GENERATOR).expect("coset");
            // Equality before timing.
            let want = d.fft(&a);
            let mut got = a.clone();
            pool.install(|| ntt::fft_in_place(&mut got));
            assert_eq!(got, want, "2^{k}: zkaccel fft ≠ ark-poly");
            #[cfg(feature = "compare")]
            let (h_a, h_omega) = (a.iter().map(h2c::scalar).collect::<Vec<_>>(), h2c::scalar(&d.group_gen()));
            #[cfg(feature = "compare")]
            {
                let mut h = h_a.clone();
                pool.install(|| h2c::fft(&mut h, h_omega, k));
                assert!(h.iter().zip(&want).all(|(x, y)| h2c::bytes(x) == h2c::ark_bytes(y)), "2^{k}: halo2curves ≠ ark-poly");
            }
            let param = format!("2^{k}");
            let mut g = c.benchmark_group(format!("ntt-fwd/{t}t"));
            g.bench_with_input(BenchmarkId::new("zkaccel", &param), &n, |b, _| {
                b.iter_batched_ref(|| a.clone(), |v| pool.install(|| ntt::fft_in_place(v)), BatchSize::LargeInput)
            });
            g.bench_with_input(BenchmarkId::new("zkaccel-cold", &param), &n, |b, _| {
                b.iter_batched_ref(
                    || a.clone(),
                    |v| {
                        ntt::twiddles::clear_cache();
                        pool.install(|| ntt::fft_in_place(v))
                    },
                    BatchSize::LargeInput,
                )
            });
            if ntt::Kernel::best() != ntt::Kernel::Portable {
                g.bench_with_input(BenchmarkId::new("zkaccel-portable", &param), &n, |b, _| {
                    b.iter_batched_ref(|| a.clone(), |v| pool.install(|| ntt::fft_in_place_with(v, ntt::Kernel::Portable)), BatchSize::LargeInput)
                });
            }
            g.bench_with_input(BenchmarkId::new("ark", &param), &n, |b, _| {
                b.iter_batched_ref(|| a.clone(), |v| pool.install(|| d.fft_in_place(v)), BatchSize::LargeInput)
            });
            #[cfg(feature = "compare")]
            g.bench_with_input(BenchmarkId::new("halo2curves", &param), &n, |b, _| {
                b.iter_batched_ref(|| h_a.clone(), |v| pool.install(|| h2c::fft(v, h_omega, k)), BatchSize::LargeInput)
            });
            g.finish();

            let rounds = env_list("ZKACCEL_BENCH_ROUNDS", &[7])[0];
            if rounds > 0 {
                #[allow(unused_mut)] // `ho` is only filled with the `compare` feature
                let (mut zo, mut ao, mut ho, mut po) = (vec![], vec![], vec![], vec![]);
                for _ in 0..rounds {
                    let mut v = a.clone();
                    zo.push(time_ms(|| pool.install(|| ntt::fft_in_place(&mut v))));
                    let mut v = a.clone();
                    po.push(time_ms(|| pool.install(|| ntt::fft_in_place_with(&mut v, ntt::Kernel::Portable))));
                    let mut v = a.clone();
                    ao.push(time_ms(|| pool.install(|| d.fft_in_place(&mut v))));
                    #[cfg(feature = "compare")]
                    {
                        let mut hv = h_a.clone();
                        ho.push(time_ms(|| pool.install(|| h2c::fft(&mut hv, h_omega, k))));
                    }
                }
                let (z, ar, po) = (median(zo), median(ao), median(po));
                let h = if ho.is_empty() { f64::NAN } else { median(ho) };
                println!(
                    "| interleaved | ntt-fwd | {t} | 2^{k} | {z:.3} | {ar:.3} | {h:.3} | {:.2} | {:.2} | {po:.3} | {:.2} |",
                    z / ar,
                    z / h,
                    z / po
                );
            }
            let mut g = c.benchmark_group(format!("ntt-inv/{t}t"));
            g.bench_with_input(BenchmarkId::new("zkaccel", &param), &n, |b, _| {
                b.iter_batched_ref(|| a.clone(), |v| pool.install(|| ntt::ifft_in_place(v)), BatchSize::LargeInput)
            });
            g.bench_with_input(BenchmarkId::new("ark", &param), &n, |b, _| {
                b.iter_batched_ref(|| a.clone(), |v| pool.install(|| d.ifft_in_place(v)), BatchSize::LargeInput)
            });
            g.finish();

            let mut g = c.benchmark_group(format!("ntt-coset-fwd/{t}t"));
            g.bench_with_input(BenchmarkId::new("zkaccel", &param), &n, |b, _| {
                b.iter_batched_ref(|| a.clone(), |v| pool.install(|| ntt::coset_fft_in_place(v, Fr::GENERATOR)), BatchSize::LargeInput)
            });
            g.bench_with_input(BenchmarkId::new("ark", &param), &n, |b, _| {
                b.iter_batched_ref(|| a.clone(), |v| pool.install(|| coset.fft_in_place(v)), BatchSize::LargeInput)
            });
            g.finish();
        }
    }
    c.final_summary();
}
