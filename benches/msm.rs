//! MSM bench: zkaccel's CPU MSM (`zkaccel::cpu::msm`) against `ark-ec` 0.6 `VariableBaseMSM::msm`
//! and (with `--features compare`) `halo2curves` 0.10 `msm_best`, side by side in one run, each
//! inside the same local rayon pool of T threads.
//!
//! Knobs (environment):
//! * `ZKACCEL_BENCH_LOG_SIZES`: comma-separated log2 sizes (default `10,12,14,16`; quick mode
//!   `ZKACCEL_BENCH_QUICK=1`: `10,12`); add `20` for the big run;
//! * `ZKACCEL_BENCH_THREADS`: comma-separated thread counts (default `1,2`);
//! * `ZKACCEL_BENCH_SMALL_LOG`: log2 size of the small-scalar group (default 16; 0 skips it).
//!
//! * `ZKACCEL_BENCH_ROUNDS`: rounds of the interleaved comparison printed after each case (default
//!   5; 3 from 2^18 up; 0 skips it): every round times zkaccel, zkaccel-portable, ark and
//!   halo2curves back to back, and the line `| interleaved | …` gives the medians, ratios and the
//!   range of the per-round ratio zkaccel / halo2curves — on a shared machine whose load drifts,
//!   these ratios are steadier than ratios of separate criterion measurements;
//! * `ZKACCEL_BENCH_ARK=0`: leaves ark-ec out (criterion and interleaved; its column reads NaN).
//!
//! `zkaccel` is the default entry point (the IFMA batch-affine adder where the CPU has it, unless
//! `ZKACCEL_NO_IFMA=1`); `zkaccel-portable` forces the portable adder (`msm_with(…, Adder::Portable)`).
//!
//! Groups: `msm/T/2^k/{zkaccel,zkaccel-portable,ark,halo2curves}` on uniform random scalars and
//! `msm-small/T/b-bit/{…}` on signed b-bit scalars (negative values as r − |v|) for b = 8, 16, 32.
//!
//! The commands that produced the tables in `docs/cpu_kernels.md`:
//! `RUSTFLAGS="-C target-cpu=native" CARGO_TARGET_DIR=target/native cargo bench -p zkaccel-benches --features asm --bench msm`

use std::time::Duration;

use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::UniformRand;
use zkaccel_benches::{env_list, median, time_ms};
use criterion::{BenchmarkId, Criterion, SamplingMode};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
use zkaccel::cpu::msm::batch_affine::Adder;
use zkaccel::{Fr, G1Affine, G1Projective};

/// n pseudo-random points: 256 random multiples of G, then lanes P_i = P_{i−256} + R_{i mod 256}
/// (fast to make at 2^20, all distinct with overwhelming probability).
fn points(n: usize, seed: u64) -> Vec<G1Affine> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let lanes = 256.min(n.max(1));
    let start: Vec<G1Projective> = (0..lanes).map(|_| G1Projective::rand(&mut rng)).collect();
    let step: Vec<G1Projective> = (0..lanes).map(|_| G1Projective::rand(&mut rng)).collect();
    let per_lane = n.div_ceil(lanes);
    let lanes_out: Vec<Vec<G1Projective>> = (0..lanes)
        .into_par_iter()
        .map(|l| {
            let mut p = start[l];
            (0..per_lane)
                .map(|_| {
                    let q = p;
                    p += step[l];
                    q
                })
                .collect()
        })
        .collect();
    let mut proj = Vec::with_capacity(n);
    for i in 0..per_lane {
        for l in &lanes_out {
            if proj.len() < n {
                proj.push(l[i]);
            }
        }
    }
    G1Projective::normalize_batch(&proj)
}

fn signed_scalars(n: usize, bits: u32, seed: u64) -> Vec<Fr> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let v: i64 = rng.gen_range(-(1i64 << (bits - 1))..(1i64 << (bits - 1)));
            if v < 0 {
                -Fr::from(v.unsigned_abs())
            } else {
                Fr::from(v as u64)
            }
        })
        .collect()
}

#[cfg(feature = "compare")]
mod h2c {
    use ark_ec::AffineRepr;
    use ark_ff::{BigInteger, PrimeField};
    use halo2curves::ff::PrimeField as _;
    use halo2curves::group::prime::PrimeCurveAffine;
    use halo2curves::group::Curve;
    use halo2curves::CurveAffine;

    pub use halo2curves::bn256::{Fr as HFr, G1Affine as HG1};

    fn fq(x: &zkaccel::Fq) -> halo2curves::bn256::Fq {
        let mut repr = <halo2curves::bn256::Fq as halo2curves::ff::PrimeField>::Repr::default();
        repr.as_mut().copy_from_slice(&x.into_bigint().to_bytes_le());
        halo2curves::bn256::Fq::from_repr(repr).unwrap()
    }

    pub fn scalar(x: &zkaccel::Fr) -> HFr {
        let mut repr = <HFr as halo2curves::ff::PrimeField>::Repr::default();
        repr.as_mut().copy_from_slice(&x.into_bigint().to_bytes_le());
        HFr::from_repr(repr).unwrap()
    }

    pub fn point(p: &zkaccel::G1Affine) -> HG1 {
        if p.is_zero() {
            return HG1::identity();
        }
        HG1::from_xy(fq(&p.x), fq(&p.y)).unwrap()
    }

    /// The affine x coordinate of a halo2curves result, as canonical little-endian bytes.
    pub fn x_bytes(p: &halo2curves::bn256::G1) -> Vec<u8> {
        let a = p.to_affine();
        let c = a.coordinates().unwrap();
        c.x().to_repr().as_ref().to_vec()
    }

    pub fn msm(s: &[HFr], b: &[HG1]) -> halo2curves::bn256::G1 {
        halo2curves::msm::msm_best(s, b)
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
    let small_log = env_list("ZKACCEL_BENCH_SMALL_LOG", &[16])[0];
    let with_ark = env_list("ZKACCEL_BENCH_ARK", &[1])[0] != 0;
    let portable = |b: &[G1Affine], s: &[Fr]| zkaccel::cpu::msm::msm_with(b, s, Adder::Portable).unwrap();
    let max_log = sizes.iter().copied().chain([small_log]).max().unwrap_or(10);
    let bases = points(1 << max_log, 0xba5e);
    #[cfg(feature = "compare")]
    let h_bases: Vec<h2c::HG1> = bases.par_iter().map(h2c::point).collect();
    println!(
        "# msm bench: sizes 2^{sizes:?}, threads {threads:?}, halo2curves: {}, ark-ff asm: {}",
        cfg!(feature = "compare"),
        cfg!(feature = "asm")
    );

    let mut cases: Vec<(String, String, Vec<Fr>)> = Vec::new();
    for &k in &sizes {
        let mut rng = ChaCha20Rng::seed_from_u64(0x5ca1a + k as u64);
        cases.push(("msm".into(), format!("2^{k}"), (0..1usize << k).map(|_| Fr::rand(&mut rng)).collect()));
    }
    if small_log > 0 {
        for bits in [8u32, 16, 32] {
            cases.push(("msm-small".into(), format!("2^{small_log}/{bits}-bit"), signed_scalars(1 << small_log, bits, bits as u64)));
        }
    }

    for &t in &threads {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(t as usize).build().expect("pool");
        for (group_name, param, scalars) in &cases {
            let n = scalars.len();
            let b = &bases[..n];
            // Equality check before timing (ours vs ark; halo2curves by its affine x).
            let ours = pool.install(|| zkaccel::cpu::msm::msm(b, scalars).unwrap());
            let ark = pool.install(|| G1Projective::msm(b, scalars).unwrap());
            assert_eq!(ours.into_affine(), ark.into_affine(), "{group_name} {param}: zkaccel ≠ ark");
            assert_eq!(pool.install(|| portable(b, scalars)).into_affine(), ark.into_affine(), "{group_name} {param}: zkaccel-portable ≠ ark");
            #[cfg(feature = "compare")]
            let h_scalars: Vec<h2c::HFr> = scalars.par_iter().map(h2c::scalar).collect();
            #[cfg(feature = "compare")]
            {
                use ark_ff::{BigInteger, PrimeField};
                let h = pool.install(|| h2c::msm(&h_scalars, &h_bases[..n]));
                let ax = ark.into_affine().x.into_bigint().to_bytes_le();
                assert_eq!(h2c::x_bytes(&h), ax, "{group_name} {param}: halo2curves ≠ ark");
            }
            let mut g = c.benchmark_group(format!("{group_name}/{t}t"));
            if n >= 1 << 18 {
                g.sampling_mode(SamplingMode::Flat).measurement_time(Duration::from_secs(1));
            }
            g.bench_with_input(BenchmarkId::new("zkaccel", param), &n, |bch, _| {
                bch.iter(|| pool.install(|| zkaccel::cpu::msm::msm(b, scalars).unwrap()))
            });
            g.bench_with_input(BenchmarkId::new("zkaccel-portable", param), &n, |bch, _| {
                bch.iter(|| pool.install(|| portable(b, scalars)))
            });
            if with_ark {
                g.bench_with_input(BenchmarkId::new("ark", param), &n, |bch, _| {
                    bch.iter(|| pool.install(|| G1Projective::msm(b, scalars).unwrap()))
                });
            }
            #[cfg(feature = "compare")]
            g.bench_with_input(BenchmarkId::new("halo2curves", param), &n, |bch, _| {
                bch.iter(|| pool.install(|| h2c::msm(&h_scalars, &h_bases[..n])))
            });
            g.finish();
            let rounds = env_list("ZKACCEL_BENCH_ROUNDS", &[if n >= 1 << 18 { 3 } else { 5 }])[0];
            if rounds > 0 {
                #[allow(unused_mut)] // `ho` is only filled with the `compare` feature
                let (mut zo, mut po, mut ao, mut ho) = (vec![], vec![], vec![], vec![]);
                for _ in 0..rounds {
                    zo.push(time_ms(|| {
                        let _ = std::hint::black_box(pool.install(|| zkaccel::cpu::msm::msm(b, scalars).unwrap()));
                    }));
                    po.push(time_ms(|| {
                        let _ = std::hint::black_box(pool.install(|| portable(b, scalars)));
                    }));
                    if with_ark {
                        ao.push(time_ms(|| {
                            let _ = std::hint::black_box(pool.install(|| G1Projective::msm(b, scalars).unwrap()));
                        }));
                    }
                    #[cfg(feature = "compare")]
                    ho.push(time_ms(|| {
                        let _ = std::hint::black_box(pool.install(|| h2c::msm(&h_scalars, &h_bases[..n])));
                    }));
                }
                // The per-round ratio zkaccel / halo2curves: its range says how noisy the run was.
                let per_round: Vec<f64> = zo.iter().zip(&ho).map(|(z, h)| z / h).collect();
                let (rmin, rmax) = per_round.iter().fold((f64::NAN, f64::NAN), |(lo, hi), &r| (r.min(lo), r.max(hi)));
                let z = median(zo);
                let p = median(po);
                let a = if ao.is_empty() { f64::NAN } else { median(ao) };
                let h = if ho.is_empty() { f64::NAN } else { median(ho) };
                println!(
                    "| interleaved | {group_name} | {t} | {param} | zkaccel {z:.2} | portable {p:.2} | ark {a:.2} | halo2curves {h:.2} ms | z/ark {:.2} | z/h2c {:.2} (rounds {rmin:.2}–{rmax:.2}) | portable/h2c {:.2} | z/portable {:.2} |",
                    z / a,
                    z / h,
                    p / h,
                    z / p
                );
            }
        }
    }
    c.final_summary();
}
