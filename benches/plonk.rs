//! Prover bench: prove time for 2^10 … 2^16 rows (2^18 with ZKACCEL_BENCH_LOG_MAX=18) of a random
//! standard-gate circuit on the CPU backend (`CpuBackend`), with the share spent in MSM, NTT, transfers and the
//! rest (quotient evaluation, polynomial arithmetic, hashing) printed from a profiled run, plus
//! verification time and proof size. See `benches/lib.rs` for the environment knobs.
//!
//! `cargo bench -p zkaccel-benches --bench plonk`
//! `ZKACCEL_BENCH_QUICK=1 cargo bench -p zkaccel-benches --bench plonk`

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkaccel::backend::{Backend, CpuBackend, ProfilingBackend};
use zkaccel::plonk::standard::random_circuit;
use zkaccel::plonk::{keygen, prove, verify, ProvingKey, Witness};
use zkaccel::srs::Srs;
use zkaccel::Fr;

struct Case {
    k: u32,
    pk: ProvingKey,
    witness: Witness,
    instances: Vec<Vec<Fr>>,
}

fn setup(k: u32, backend: &dyn Backend) -> Case {
    let mut rng = ChaCha20Rng::seed_from_u64(0x5eed_0000 + k as u64);
    let (cs, circuit, witness, instances) = random_circuit(k, 8, &mut rng).expect("circuit");
    let srs = Srs::insecure_dev((1 << k) + 8, &mut rng).expect("dev SRS");
    let pk = keygen(backend, &srs, cs, &circuit).expect("keygen");
    Case { k, pk, witness, instances }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Median time of committing one column of full-width values and one of 8-bit signed values
/// through the backend's MSM over the Lagrange bases.
fn commit_times(lagrange: &[zkaccel::G1Affine], k: u32) -> (Duration, Duration) {
    use rand::Rng;
    use zkaccel::backend::BackendExt;
    let mut rng = ChaCha20Rng::seed_from_u64(0xc0de + k as u64);
    let backend = CpuBackend::new();
    let bases = backend.load_bases_checked(lagrange).expect("bases");
    let full: Vec<Fr> = (0..lagrange.len()).map(|_| <Fr as ark_ff::UniformRand>::rand(&mut rng)).collect();
    let small: Vec<Fr> = (0..lagrange.len())
        .map(|_| {
            let v: i64 = rng.gen_range(-128..128);
            if v < 0 { -Fr::from((-v) as u64) } else { Fr::from(v as u64) }
        })
        .collect();
    let median = |scalars: &[Fr]| {
        let mut t: Vec<Duration> = (0..5)
            .map(|_| {
                let start = Instant::now();
                backend.msm_host(&bases, &[scalars]).expect("msm");
                start.elapsed()
            })
            .collect();
        t.sort();
        t[2]
    };
    (median(&full), median(&small))
}

fn main() {
    let mut c = Criterion::default().configure_from_args().sample_size(10).warm_up_time(Duration::from_millis(500));
    if zkaccel_benches::quick() {
        c = c.measurement_time(Duration::from_secs(2));
    }
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!("# zkaccel plonk bench: standard gate, random circuit, backend {}, {threads} hardware threads", CpuBackend::new().name());
    println!("| rows | prove (fastest profiled run) | MSM | NTT | transfers | rest | verify | proof size |");
    println!("|---|---|---|---|---|---|---|---|");
    let mut cases = vec![];
    let mut quantized = vec![];
    for k in zkaccel_benches::log_sizes() {
        let backend = ProfilingBackend::new(CpuBackend::new());
        let case = setup(k, &backend);
        let _ = backend.take_profile();
        // The fastest of a few profiled runs (the machine is shared; the minimum is the least
        // disturbed), one run above 2^14.
        let mut rng = ChaCha20Rng::seed_from_u64(k as u64);
        let runs = if k <= 14 { 3 } else { 1 };
        let (mut total, mut p, mut proof) = (Duration::MAX, Default::default(), None);
        for _ in 0..runs {
            let t = Instant::now();
            let pr = prove(&backend, &case.pk, &case.witness, &case.instances, &mut rng).expect("prove");
            let el = t.elapsed();
            let prof = backend.take_profile();
            if el < total {
                (total, p, proof) = (el, prof, Some(pr));
            }
        }
        let p: zkaccel::backend::Profile = p;
        let proof = proof.expect("at least one run");
        let verify_runs = 5;
        let t = Instant::now();
        for _ in 0..verify_runs {
            verify(&case.pk.vk, &proof, &case.instances).expect("verify");
        }
        let vt = t.elapsed() / verify_runs;
        let rest = total.saturating_sub(p.msm + p.ntt + p.transfer);
        let pct = |d: Duration| 100.0 * d.as_secs_f64() / total.as_secs_f64();
        println!(
            "| 2^{k} | {:.0} ms | {:.0} ms ({:.0}%) | {:.0} ms ({:.0}%) | {:.0} ms ({:.0}%) | {:.0} ms ({:.0}%) | {:.2} ms | {} B |",
            ms(total),
            ms(p.msm),
            pct(p.msm),
            ms(p.ntt),
            pct(p.ntt),
            ms(p.transfer),
            pct(p.transfer),
            ms(rest),
            pct(rest),
            ms(vt),
            proof.size_bytes()
        );
        quantized.push((k, commit_times(&case.pk.ck.lagrange, k)));
        if k <= zkaccel_benches::criterion_max() {
            cases.push(case);
        }
    }
    println!();
    println!("# one Lagrange-basis column commitment (CPU backend MSM): full-width values vs 8-bit signed quantized values (r − |v| for negatives)");
    println!("| rows | full width | 8-bit signed | ratio |");
    println!("|---|---|---|---|");
    for (k, (full, small)) in &quantized {
        println!("| 2^{k} | {:.1} ms | {:.1} ms | {:.1}× |", ms(*full), ms(*small), full.as_secs_f64() / small.as_secs_f64());
    }
    let backend = CpuBackend::new();
    let mut group = c.benchmark_group("plonk");
    for case in &cases {
        let mut rng = ChaCha20Rng::seed_from_u64(case.k as u64);
        group.bench_with_input(BenchmarkId::new("prove", format!("2^{}", case.k)), case, |b, case| {
            b.iter(|| prove(&backend, &case.pk, &case.witness, &case.instances, &mut rng).expect("prove"))
        });
        let proof = prove(&backend, &case.pk, &case.witness, &case.instances, &mut rng).expect("prove");
        group.bench_with_input(BenchmarkId::new("verify", format!("2^{}", case.k)), case, |b, case| {
            b.iter(|| verify(&case.pk.vk, &proof, &case.instances).expect("verify"))
        });
    }
    group.finish();
    c.final_summary();
}
