//! Sizing and timing of the WNN circuit (figures in docs/wnn.md).
//!
//! ```text
//! wnn_measure random OUT.hdf5 CLASSES WIDTH BITS_PER_INPUT FILTER_INPUTS ENTRIES HASHES P
//!     writes a model of those sizes with random contents (seed 1, half the Bloom bits set)
//! wnn_measure plan MODEL.hdf5
//!     prints the plan: rows per region, tables, k, and the proving key's size
//! wnn_measure lookup-share MODEL.hdf5 [RUNS]
//!     proves a ramp image RUNS times (default 3) with the circuit as it is and with its lookup
//!     arguments removed (same columns, gates, copies and fixed tables), alternating, and prints
//!     the median prove times (CPU and wall): their difference is what the lookups cost
//! ```
//! Run with `cargo run --release -p zkaccel-zkml --example wnn_measure -- …`.

use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkaccel::backend::{CpuBackend, ProfilingBackend};
use zkaccel::plonk::{keygen, prove, verify, Shape};
use zkaccel::srs::Srs;
use zkaccel_zkml::wnn::{build, hdf5, train, Trace, WnnPlan};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// User + system CPU time of this process so far (Linux `/proc/self/stat`, clock ticks of 10 ms).
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<u64> = rest.split_whitespace().map(|x| x.parse().unwrap_or(0)).collect();
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize| -> usize { args[i].parse().unwrap_or_else(|_| panic!("argument {i} is not a number: {}", args[i])) };
    match args.first().map(String::as_str) {
        Some("random") if args.len() == 9 => {
            let m = train::random_model(num(2), num(3), num(4), num(5), num(6), num(7), num(8) as u64, 0.5, 1);
            m.validate("random model")?;
            std::fs::write(&args[1], hdf5::to_bytes(&m)?)?;
            println!("wrote {} ({} filters per class)", args[1], m.num_filters());
        }
        Some("plan") if args.len() == 2 => {
            let m = hdf5::load(args[1].as_ref())?;
            let plan = WnnPlan::new(&m)?;
            println!("{}", serde_json::to_string_pretty(&plan)?);
        }
        Some("lookup-share") if args.len() >= 2 => {
            let m = hdf5::load(args[1].as_ref())?;
            let runs = if args.len() > 2 { num(2) } else { 3 };
            let pixels: Vec<u8> = (0..m.num_inputs).map(|k| ((37 * k + 11) % 256) as u8).collect();
            let c = build(&m, &Trace::honest(&m, &pixels))?;
            let mut without = c.cs.clone();
            without.lookups.clear();
            let shape = Shape::new(&c.cs, c.plan.k)?;
            let srs = Srs::insecure_dev(shape.srs_degree, &mut ChaCha20Rng::seed_from_u64(1))?;
            let cpu = CpuBackend::new();
            let keys = [keygen(&cpu, &srs, c.cs.clone(), &c.fixed)?, keygen(&cpu, &srs, without, &c.fixed)?];
            let names = ["with lookups", "lookups removed"];
            let backend = ProfilingBackend::new(CpuBackend::new());
            // Runs alternate between the two circuits so that a change of the machine's load
            // affects both alike; CPU time (user + system of this process) is less sensitive to
            // the load than wall time.
            let (mut wall, mut cpu_t, mut sizes) = ([vec![], vec![]], [vec![], vec![]], [0, 0]);
            for r in 0..runs {
                for (i, pk) in keys.iter().enumerate() {
                    let _ = backend.take_profile();
                    let (start, cpu0) = (Instant::now(), process_cpu());
                    let proof = prove(&backend, pk, &c.witness, &c.instances, &mut ChaCha20Rng::seed_from_u64(r as u64))?;
                    let (w, t) = (start.elapsed(), process_cpu() - cpu0);
                    let p = backend.take_profile();
                    verify(&pk.vk, &proof, &c.instances)?;
                    sizes[i] = proof.to_bytes().len();
                    println!(
                        "  {} run {r}: prove {:.3} s wall, {:.3} s CPU (MSM {:.3} s in {} calls, NTT {:.3} s in {} calls)",
                        names[i],
                        w.as_secs_f64(),
                        t.as_secs_f64(),
                        p.msm.as_secs_f64(),
                        p.msm_calls,
                        p.ntt.as_secs_f64(),
                        p.ntt_calls
                    );
                    wall[i].push(w);
                    cpu_t[i].push(t);
                }
            }
            let [w0, w1] = wall.map(median);
            let [c0, c1] = cpu_t.map(median);
            for i in 0..2 {
                println!("{}: median prove {:.3} s wall, {:.3} s CPU over {runs} runs, proof {} bytes", names[i], [w0, w1][i].as_secs_f64(), [c0, c1][i].as_secs_f64(), sizes[i]);
            }
            println!(
                "k = {}, rows used {}: lookups are {:.1} % of the prove CPU time ({:.1} % of the wall time)",
                c.plan.k,
                c.plan.rows_used,
                100.0 * (1.0 - c1.as_secs_f64() / c0.as_secs_f64()),
                100.0 * (1.0 - w1.as_secs_f64() / w0.as_secs_f64())
            );
        }
        _ => {
            eprintln!("usage: wnn_measure random OUT.hdf5 CLASSES WIDTH BPI FILTER_INPUTS ENTRIES HASHES P | plan MODEL.hdf5 | lookup-share MODEL.hdf5 [RUNS]");
            std::process::exit(1);
        }
    }
    Ok(())
}
