//! The NTT kernel through the `Device` interface on the simulated card (Verilator RTL behind the
//! register map): results against ark-poly, four-step beyond the buffer, status and timeouts.

use ark_bn254::Fr;
use ark_ff::UniformRand;
use std::time::Duration;
use zkaccel_driver::ntt::DeviceNtt;
use zkaccel_driver::regs::{Kernel, Reg, Status, CARD_ID, REGMAP_VERSION};
use zkaccel_driver::sim_card::SimCard;
use zkaccel_driver::{Device, DeviceError};
use zkaccel_hdl::ntt::config::TEST_K;
use zkaccel_hdl::ntt::model::{default_coset, ntt_ark, NttMode};
use zkaccel_testkit::seed::TestRng;

const T: Duration = Duration::from_secs(60);

#[test]
fn sim_card_identifies_and_transforms_through_registers_and_streams() {
    let mut rng = TestRng::for_test("sim_card_identifies_and_transforms_through_registers_and_streams");
    let mut card = SimCard::with_ntt(TEST_K).unwrap();
    assert_eq!(card.read32(Reg::Id.offset()).unwrap(), CARD_ID);
    let id = card.identify().unwrap();
    assert_eq!(id.regmap_version, REGMAP_VERSION);
    assert_eq!(id.kernels & Kernel::Ntt as u32, Kernel::Ntt as u32);
    let mut ntt = DeviceNtt::new(&mut card, T).unwrap();
    for (k, mode) in [
        (3, NttMode::FORWARD),
        (8, NttMode::INVERSE),
        (TEST_K, NttMode { inverse: false, coset: Some(default_coset()) }),
        (6, NttMode { inverse: true, coset: Some(default_coset()) }),
    ] {
        let x: Vec<Fr> = (0..1 << k).map(|_| Fr::rand(&mut rng)).collect();
        let mut got = x.clone();
        ntt.transform(&mut got, mode).unwrap();
        assert_eq!(got, ntt_ark(&x, mode), "2^{k} {mode:?}");
    }
    // Beyond the buffer: four-step through the same interface.
    let x: Vec<Fr> = (0..1 << (TEST_K + 1)).map(|_| Fr::rand(&mut rng)).collect();
    let mut got = x.clone();
    ntt.ntt(&mut got, true).unwrap();
    assert_eq!(got, ntt_ark(&x, NttMode::INVERSE));
    assert!(matches!(ntt.ntt(&mut vec![Fr::default(); 3], false), Err(DeviceError::Unsupported(_))));
}

#[test]
fn sim_card_reports_bad_parameters_and_times_out_instead_of_hanging() {
    let mut card = SimCard::with_ntt(TEST_K).unwrap();
    // A size beyond the buffer set by hand: the card refuses it and completes the command.
    card.write32(Reg::Command.offset(), Kernel::Ntt as u32).unwrap();
    card.write32(Reg::NttLogN.offset(), TEST_K as u32 + 1).unwrap();
    card.write32(Reg::NttFlags.offset(), 0).unwrap();
    card.write32(Reg::Doorbell.offset(), 7).unwrap();
    card.wait_done(7, T).unwrap();
    assert_eq!(card.read32(Reg::Status.offset()).unwrap() & Status::BAD_PARAMS, Status::BAD_PARAMS);
    // An unknown kernel (the card has NTT, MSM and lookups: bits 1, 2, 4).
    card.write32(Reg::Command.offset(), 8).unwrap();
    card.write32(Reg::Doorbell.offset(), 8).unwrap();
    card.wait_done(8, T).unwrap();
    assert_eq!(card.read32(Reg::Status.offset()).unwrap(), Status::NO_KERNEL);
    // Waiting for output that never comes ends in a timeout error, not a hang.
    let err = card.stream_from_card(32, Duration::from_millis(200)).unwrap_err();
    assert!(matches!(err, DeviceError::Timeout(..)), "{err:?}");
    // Read-only registers stay read-only (every one of them, in the RTL register file);
    // misaligned offsets are errors.
    for r in Reg::READ_ONLY {
        if matches!(r, Reg::CyclesLo | Reg::CyclesHi) {
            continue; // free-running: changes on its own
        }
        let before = card.read32(r.offset()).unwrap();
        card.write32(r.offset(), before ^ 0x5a5a_5a5a).unwrap();
        assert_eq!(card.read32(r.offset()).unwrap(), before, "{r:?} is read-only");
    }
    assert_eq!(card.read32(Reg::Id.offset()).unwrap(), CARD_ID);
    for r in [Reg::NttLogN, Reg::MsmBase, Reg::MsmPoints, Reg::MsmC] {
        card.write32(r.offset(), 0x1234_5678).unwrap();
        assert_eq!(card.read32(r.offset()).unwrap(), 0x1234_5678, "{r:?} reads back");
    }
    for i in 0..8 {
        card.write32(Reg::NttShift0.offset() + 4 * i, 0x100 + i).unwrap();
    }
    for i in 0..8 {
        assert_eq!(card.read32(Reg::NttShift0.offset() + 4 * i).unwrap(), 0x100 + i, "shift word {i}");
    }
    assert!(card.read32(2).is_err());
    // After a reset the card works again.
    card.reset().unwrap();
    let mut ntt = DeviceNtt::new(&mut card, T).unwrap();
    let x: Vec<Fr> = (0..16u64).map(Fr::from).collect();
    let mut got = x.clone();
    ntt.transform(&mut got, NttMode::FORWARD).unwrap();
    assert_eq!(got, ntt_ark(&x, NttMode::FORWARD));
}

/// The small card — the RTL of the ECP5 bitstream (`card_small`, `2^8`-point buffer, the NTT on the
/// digit-serial multiplier, no MSM and no lookup kernel: the same Verilog as
/// bitstreams/manifests/ecp5-85f.json hashes) — through the same interface at run-time sizes
/// `2^3..2^5`, with input bubbles and output back-pressure: results against ark-poly, one
/// multiplier operation per 33 cycles, its kernel mask, and the absent kernels' commands ending
/// with `NO_KERNEL`.
#[test]
fn small_card_of_the_ecp5_build_transforms_and_refuses_absent_kernels() {
    use zkaccel_driver::sim_card::{CardVariant, MemModel, Traffic};
    use zkaccel_hdl::card::config::CardConfig;
    let mut rng = TestRng::for_test("small_card_of_the_ecp5_build_transforms_and_refuses_absent_kernels");
    let cfg = CardConfig::small(zkaccel_hdl::ntt::config::ECP5_K);
    let mut card = SimCard::new(CardVariant::Fast, &cfg, 1 << 4, MemModel::HBM).unwrap();
    card.set_traffic(Traffic { bubble: 0.3, stall: 0.5 }, rng.seed() ^ 0x17);
    let id = card.identify().unwrap();
    assert_eq!(id.kernels, Kernel::Ntt as u32, "the small card announces the NTT kernel alone");
    assert_eq!(card.read32(Reg::NttMaxLogN.offset()).unwrap(), cfg.ntt_k as u32);
    for (seq, kernel) in [(11, Kernel::Msm as u32), (12, Kernel::Lookup as u32)] {
        card.write32(Reg::Command.offset(), kernel).unwrap();
        card.write32(Reg::Doorbell.offset(), seq).unwrap();
        card.wait_done(seq, T).unwrap();
        assert_eq!(card.read32(Reg::Status.offset()).unwrap(), Status::NO_KERNEL, "kernel {kernel}");
    }
    for (k, mode) in [
        (3, NttMode::FORWARD),
        (5, NttMode { inverse: true, coset: Some(default_coset()) }),
        (4, NttMode::INVERSE),
        (5, NttMode { inverse: false, coset: Some(Fr::from(5u64)) }),
    ] {
        let x: Vec<Fr> = (0..1 << k).map(|_| Fr::rand(&mut rng)).collect();
        let mut got = x.clone();
        DeviceNtt::new(&mut card, T).unwrap().transform(&mut got, mode).unwrap();
        assert_eq!(got, ntt_ark(&x, mode), "small card 2^{k} {mode:?}");
        // The multiplier takes one operation per 33 cycles: n loads, n/2·k butterflies, n unloads.
        let n = 1u64 << k;
        let ops = 2 * n + n / 2 * k as u64;
        let cycles = card.read32(Reg::CmdCycles.offset()).unwrap() as u64;
        assert!(cycles >= 33 * ops, "2^{k}: {cycles} cycles for {ops} multiplier operations");
    }
}
