//! Where a card call beats the CPU for small MSMs: the break-even size behind
//! `accel::MIN_CARD_MSM_POINTS`. For MSMs of 2 … 1024 points over 1024 resident random bases, the
//! host share of the card call (its wall time less the time inside the card's `Device` methods,
//! as the backend's profile counts it), the card's cycles at an assumed clock, and the CPU
//! kernel's time on the same MSM; best of 7 for each, every result checked equal.
//!
//!   cargo run --release -p zkaccel-driver --features sim --example msm_break_even -- [one|dual] [MHz]
//!
//! `one`: the one-unit simulated card (`--device sim`); `dual` (default): the two-unit card
//! (`--device sim:dual`); MHz: the assumed card clock (default 250).

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::CurveGroup;
use ark_ff::UniformRand;
use rand::SeedableRng;
use std::time::{Duration, Instant};
use zkaccel::backend::{Backend, BackendExt, BasesId, CpuBackend};
use zkaccel_driver::accel::AccelBackend;
use zkaccel_driver::device::Device;
use zkaccel_driver::sim_card::{CardVariant, MemModel, SimCard, DEFAULT_MEM_POINTS};
use zkaccel_hdl::card::config::CardConfig;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dual = args.first().map_or(true, |a| a != "one");
    let mhz: f64 = args.get(1).map_or(250.0, |m| m.parse().expect("MHz"));
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let bases: Vec<G1Affine> = (0..1024).map(|_| G1Projective::rand(&mut rng).into_affine()).collect();
    let card = if dual { SimCard::new(CardVariant::Fast, &CardConfig::SIM_DUAL_PROVER, DEFAULT_MEM_POINTS, MemModel::HBM) } else { SimCard::with_ntt(10) }
        .expect("the simulated card");
    let accel = AccelBackend::new(vec![Box::new(card) as Box<dyn Device + Send>], Duration::from_secs(600)).expect("the backend");
    accel.set_min_msm_points(1);
    let cpu = CpuBackend::new();
    let id = BasesId::of(&bases);
    let (on_card, on_cpu) = (accel.load_bases(id, &bases).expect("bases"), cpu.load_bases(id, &bases).expect("bases"));
    println!(
        "{} card, card cycles at an assumed {mhz} MHz; CPU kernel on {} threads; best of 7",
        if dual { "two-unit" } else { "one-unit" },
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("| points | card cycles | host share (ms) | card + host (ms) | CPU (ms) | CPU / (card + host) |");
    println!("|---|---|---|---|---|---|");
    for m in [2usize, 3, 4, 8, 16, 32, 64, 128, 256, 512, 1024] {
        let (mut host, mut cpu_ms, mut cycles) = (f64::MAX, f64::MAX, 0);
        for _ in 0..7 {
            let s: Vec<Fr> = (0..m).map(|_| Fr::rand(&mut rng)).collect();
            accel.take_profile();
            let got = accel.msm_host(&on_card, &[&s]).expect("card MSM");
            let p = accel.take_profile();
            assert_eq!((p.msm.card_calls, p.msm.cpu_calls), (1, 0), "the MSM ran on the card");
            host = host.min(p.msm.card_host_time.as_secs_f64() * 1e3);
            cycles = p.msm.card_cycles;
            let t = Instant::now();
            let want = cpu.msm_host(&on_cpu, &[&s]).expect("CPU MSM");
            cpu_ms = cpu_ms.min(t.elapsed().as_secs_f64() * 1e3);
            assert_eq!(got, want, "card and CPU agree");
        }
        let card = host + cycles as f64 / (mhz * 1e3);
        println!("| {m} | {cycles} | {host:.3} | {card:.3} | {cpu_ms:.3} | {:.2} |", cpu_ms / card);
    }
}
