#![allow(clippy::err_expect)] // the Ok types (proof files, circuits) are not Debug
//! Proofs made with the accelerator backend over the simulated card (features `sim` and
//! `test-utils`): the tiny model's NTTs, MSMs and lookup helpers run on the card and the proof verifies; each fault class
//! injected during a real proof (hung command, error status, corrupted result word, vanished card)
//! still ends in a valid proof, with the fallback reported in the profile.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkaccel::backend::{Backend, CpuBackend};
use zkaccel::plonk::{ProvingKey, Shape};
use zkaccel::srs::Srs;
use zkaccel_driver::accel::{AccelBackend, AccelProfile};
use zkaccel_driver::fault_injection::{Fault, FaultyDevice};
use zkaccel_driver::regs::Status;
use zkaccel_driver::sim_card::SimCard;
use zkaccel_driver::Device;
use zkaccel_onnx::Visibility::{Fixed as FIX, Public as PUB};
use zkaccel_zkml::compiled::CompiledCircuit;
use zkaccel_zkml::pipeline;
use zkaccel_zkml::witness::WitnessFile;

struct Tiny {
    c: CompiledCircuit,
    w: WitnessFile,
    srs: Srs,
    pk_bytes: Vec<u8>,
}

fn tiny() -> Tiny {
    let g = load("tiny_4_8_3.onnx");
    let sample = input("tiny_input.json", &g);
    let s = settings(&g, (5, 5), (PUB, PUB, FIX), std::slice::from_ref(&sample));
    let c = compile("tiny_4_8_3.onnx", &s, None);
    let (w, _) = pipeline::gen_witness(&c, &data_of(&sample)).unwrap();
    let layout = pipeline::layout_for_setup(&c, None).unwrap();
    let shape = Shape::new(&layout.cs, c.plan.k).unwrap();
    let srs = Srs::insecure_dev(shape.srs_degree, &mut ChaCha20Rng::seed_from_u64(1)).unwrap();
    let pk = pipeline::setup(&CpuBackend::new(), &c, &srs, None).unwrap();
    Tiny { pk_bytes: pk.to_bytes(), c, w, srs }
}

/// Loads the key (its NTTs run on the card too), proves the tiny model on `card` and checks the
/// proof; returns the profile of both.
fn prove_on(t: &Tiny, card: Box<dyn Device + Send>, timeout: Duration) -> AccelProfile {
    let accel = Arc::new(AccelBackend::new(vec![card], timeout).unwrap());
    let backend: &dyn Backend = &*accel;
    let pk = ProvingKey::from_bytes_unchecked_commitments(&t.pk_bytes, backend).unwrap();
    let (file, _) = pipeline::prove(backend, &t.c, &t.w, &pk).expect("a valid proof despite the card");
    pipeline::verify_file(&pk.vk, &file, &t.c.settings, Some(&t.c)).expect("the proof verifies");
    accel.take_profile()
}

fn sim_card() -> SimCard {
    SimCard::with_ntt(zkaccel_driver::open::SIM_NTT_LOG_N).expect("the simulated card builds")
}

#[test]
fn the_tiny_model_proves_with_its_ntts_on_the_simulated_card_and_faults_fall_back() {
    let t = tiny();
    // Fault-free: every NTT and every MSM of at least `MIN_CARD_MSM_POINTS` points on the card,
    // none fell back; the smaller MSMs (a commitment's blinding terms: 2–3 points) on the CPU,
    // routed there for their size and for nothing else.
    let p = prove_on(&t, Box::new(sim_card()), Duration::from_secs(120));
    assert!(p.ntt.card_calls >= 10 && p.msm.card_calls >= 10, "{:?}", p.lines());
    assert_eq!(p.fallback_count(), 0, "{:?}", p.lines());
    assert_eq!(p.ntt.cpu_calls, 0, "{:?}", p.lines());
    let min = zkaccel_driver::accel::MIN_CARD_MSM_POINTS as u64;
    assert!(p.msm.cpu_calls > 0 && p.msm.cpu_elements < min * p.msm.cpu_calls, "{:?}", p.lines());
    assert!(p.msm.card_elements >= min * p.msm.card_calls, "{:?}", p.lines());
    let small = format!("an MSM of fewer than {min} points (the CPU's whole MSM costs less than a card call)");
    assert_eq!(p.msm.cpu_reasons.get(&small), Some(&p.msm.cpu_calls), "{:?}", p.lines());
    // The lookup helpers too: the multiplicities of every lookup (its tables are runs of
    // consecutive values) and the one batch inversion of the running sums, each checked.
    assert_eq!(p.lookup.cpu_calls, 0, "{:?}", p.lines());
    assert!(p.lookup.card_calls >= 2 && p.lookup.card_cycles > p.lookup.card_elements, "{:?}", p.lines());

    // Each fault class during a real proof, on the 13th card command (the bases are loaded by
    // then; it is one of the proof's MSMs or NTTs). A corrupted word fails the NTT's check or,
    // in a bucket word, the on-curve check (a protocol error).
    let faults: [(Fault, &[&str]); 4] = [
        (Fault::Hang, &["timeout"]),
        (Fault::ErrorStatus(Status::BAD_PARAMS), &["card error status"]),
        (Fault::CorruptWord { word: 5, bit: 77 }, &["failed its check", "protocol error"]),
        (Fault::Vanish, &["card gone"]),
    ];
    for (fault, reasons) in faults {
        let card = FaultyDevice::new(sim_card(), fault, [12]);
        let fired = card.fired();
        // The timeout must exceed every healthy command's wall time in simulation (an MSM of the
        // card with the lookup kernel takes about a second on a loaded 2-core machine), or
        // healthy commands time out too.
        let p = prove_on(&t, Box::new(card), Duration::from_secs(5));
        assert!(fired.load(std::sync::atomic::Ordering::SeqCst), "{fault:?} fired");
        assert_eq!(p.fallback_count(), 1, "{fault:?}: {:?}", p.lines());
        let why: Vec<&String> = p.ntt.fallbacks.keys().chain(p.msm.fallbacks.keys()).chain(p.lookup.fallbacks.keys()).collect();
        assert!(reasons.iter().any(|r| why[0].contains(r)), "{fault:?}: {:?}", p.lines());
        if fault == Fault::Vanish {
            let gone = |k: &zkaccel_driver::accel::KernelProfile| k.cpu_reasons.keys().any(|r| r.starts_with("no healthy card"));
            assert!(gone(&p.ntt) || gone(&p.msm) || gone(&p.lookup), "the CPU serves the rest: {:?}", p.lines());
        } else {
            assert!(p.ntt.card_calls >= 10 && p.msm.card_calls >= 10, "the card keeps serving after a reset: {:?}", p.lines());
        }
    }
}

/// Setup makes no proof, so nothing checks its MSMs per call: on a card that sums other digits
/// than the host sent (every point it returns on the curve; no fallback), keygen's check of the
/// commitments refuses the keys (the CLI then makes them on the CPU); the same card without the
/// fault makes the CPU's keys, byte for byte.
#[test]
fn keys_from_a_card_that_sums_wrong_digits_are_refused() {
    let t = tiny();
    let card = FaultyDevice::new(sim_card(), Fault::CorruptDigits { word: 0, bit: 0 }, 0..100_000);
    let fired = card.fired();
    let accel = AccelBackend::new(vec![Box::new(card)], Duration::from_secs(120)).unwrap();
    let e = pipeline::setup(&accel, &t.c, &t.srs, None).err().expect("keys from wrong sums are refused");
    assert!(fired.load(std::sync::atomic::Ordering::SeqCst));
    assert_eq!(e.code, zkaccel_zkml::exit_code::ExitCode::Internal, "{}", e.message);
    assert!(e.message.contains("a backend result failed its check") && e.message.contains("commitments"), "{}", e.message);
    let p = accel.take_profile();
    assert!(p.msm.card_calls >= 1 && p.fallback_count() == 0, "the card served the MSMs and no per-call check objected: {:?}", p.lines());

    let accel = AccelBackend::new(vec![Box::new(sim_card())], Duration::from_secs(120)).unwrap();
    let pk = pipeline::setup(&accel, &t.c, &t.srs, None).expect("keys on a healthy card");
    assert!(accel.take_profile().msm.card_calls >= 1);
    assert!(pk.to_bytes() == t.pk_bytes, "the card's keys equal the CPU's");
}
