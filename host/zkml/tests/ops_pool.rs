//! The window gadgets on their own (host/zkml/src/ops): honest windows satisfy every gate, lookup
//! and copy; tampered witnesses — each consistent in every other respect — are rejected by the
//! constraint that the soundness argument (docs/plonk.md §12) says catches them.
//!
//! Max: a claimed maximum that bounds every element but is none of them fails `max_last`
//! (Π (m − x_j) ≠ 0); one that is an element but not the largest fails the `max_upper_bound`
//! lookup on the larger element's row. Average: a quotient off by one with the remainder
//! adjusted fails a remainder range lookup; a field-element "quotient" fails `avg_quotient`.

use ark_ff::{Field, One, Zero};
use zkaccel::plonk::dev::{check_witness, Failure};
use zkaccel::plonk::mac::{signed_to_fr, MacBuilder, MacConfig, Operand};
use zkaccel::plonk::{ConstraintSystem, FixedAssignment, Witness};
use zkaccel::Fr;
use zkaccel_zkml::ops::avgpool::AvgConfig;
use zkaccel_zkml::ops::maxpool::MaxConfig;
use zkaccel_zkml::ops::Region;

const SHIFT: u32 = 4;
const BITS: u32 = 6; // values in [−32, 32)

struct Setup {
    cs: ConstraintSystem,
    max: MaxConfig,
    avg: AvgConfig,
    b: MacBuilder,
}

fn setup() -> Setup {
    let mut cs = ConstraintSystem::new();
    let mac = MacConfig::configure(&mut cs, 1, SHIFT, BITS);
    let max = MaxConfig::configure(&mut cs, &mac);
    let avg = AvgConfig::configure(&mut cs, &mac);
    let b = MacBuilder::new(&cs, mac, 7).unwrap();
    Setup { cs, max, avg, b }
}

/// Values with cells: each is the rescaled output of a 1×1 product by 2^SHIFT (range-checked).
fn cells(b: &mut MacBuilder, values: &[i64]) -> Vec<Operand> {
    values.iter().map(|&v| b.matvec_both(&[vec![1 << SHIFT]], &[0], &mut [Operand::input(v)]).unwrap().0[0]).collect()
}

fn failures(cs: &ConstraintSystem, fixed: &FixedAssignment, w: &Witness) -> Vec<Failure> {
    check_witness(cs, fixed, w, &[], 20).unwrap()
}

/// Lays out one max window and returns (circuit, the window's first row, the output).
fn max_circuit(values: &[i64]) -> (ConstraintSystem, MaxConfig, FixedAssignment, Witness, usize, Operand) {
    let Setup { cs, max, mut b, .. } = setup();
    let xs = cells(&mut b, values);
    let mut region = Region { row: 3 };
    let out = max.window(&mut b, &mut region, &xs).unwrap();
    let (fixed, w) = b.finish();
    (cs, max, fixed, w, 3, out)
}

/// Rewrites the window's m and p columns for the claimed maximum `m` (p recomputed honestly).
fn claim_max(cfg: &MaxConfig, w: &mut Witness, start: usize, values: &[i64], m: i64) {
    let mut p = Fr::one();
    for (j, &x) in values.iter().enumerate() {
        p *= signed_to_fr(m) - signed_to_fr(x);
        w.advice[cfg.m.index][start + j] = signed_to_fr(m);
        w.advice[cfg.p.index][start + j] = p;
    }
}

#[test]
fn max_window_is_proven_and_its_output_is_the_maximum() {
    for values in [vec![3i64, -5, 7, 1], vec![-9, -2, -30, -2], vec![0], vec![15, -16, 5], vec![31, 30, 0]] {
        let (cs, _, fixed, w, _, out) = max_circuit(&values);
        assert_eq!(out.value, *values.iter().max().unwrap());
        assert_eq!(failures(&cs, &fixed, &w), vec![], "{values:?}");
    }
}

#[test]
fn max_claim_that_bounds_the_window_but_is_no_element_is_rejected() {
    let values = [3i64, -5, 7, 1];
    let (cs, cfg, fixed, mut w, start, _) = max_circuit(&values);
    claim_max(&cfg, &mut w, start, &values, 8);
    let f = failures(&cs, &fixed, &w);
    // Every m − x_j is in [0, 2^{b−1}) (the lookup passes): only the product is caught.
    assert_eq!(f, vec![Failure::Gate { gate: "max_last".into(), constraint: 0, row: start + 3 }]);
}

#[test]
fn max_claim_that_is_an_element_but_not_the_largest_is_rejected() {
    let values = [3i64, -5, 7, 1];
    let (cs, cfg, fixed, mut w, start, _) = max_circuit(&values);
    claim_max(&cfg, &mut w, start, &values, 3);
    let f = failures(&cs, &fixed, &w);
    // Π (3 − x_j) = 0 (the gates pass); 3 − 7 < 0 is not in the table: caught on 7's row.
    assert_eq!(f, vec![Failure::Lookup { lookup: "max_upper_bound".into(), row: start + 2 }]);
}

#[test]
fn max_claim_that_changes_within_the_window_or_drops_an_element_is_rejected() {
    let values = [3i64, -5, 7, 1];
    // m differs between rows (7 on the row of 7, 3 elsewhere: every product factor is fine
    // locally): the chain's m-equality catches it.
    let (cs, cfg, fixed, mut w, start, _) = max_circuit(&values);
    claim_max(&cfg, &mut w, start, &values, 3);
    w.advice[cfg.m.index][start + 2] = signed_to_fr(7);
    let f = failures(&cs, &fixed, &w);
    assert!(f.iter().any(|f| matches!(f, Failure::Gate { gate, constraint: 1, .. } if gate == "max_chain")), "{f:?}");
    // An element's x cell changed (to hide the 7): the copy from its source cell fails.
    let (cs, cfg, fixed, mut w, start, _) = max_circuit(&values);
    w.advice[cfg.x.index][start + 2] = signed_to_fr(2);
    claim_max(&cfg, &mut w, start, &[3, -5, 2, 1], 3);
    let f = failures(&cs, &fixed, &w);
    assert!(!f.is_empty() && f.iter().all(|f| matches!(f, Failure::Copy { .. })), "{f:?}");
}

fn avg_circuit(values: &[i64], divisor: usize) -> (ConstraintSystem, AvgConfig, FixedAssignment, Witness, usize, Operand) {
    let Setup { cs, avg, mut b, .. } = setup();
    let xs = cells(&mut b, values);
    let mut region = Region::default();
    let out = avg.window(&mut b, &mut region, &xs, divisor).unwrap();
    let (fixed, w) = b.finish();
    (cs, avg, fixed, w, values.len() - 1, out)
}

#[test]
fn average_window_is_floor_of_sum_over_divisor() {
    for (values, d) in [(vec![5i64, -3, 4], 3usize), (vec![-5, 2], 2), (vec![-5, 2], 4), (vec![31, 30, 29, 28], 4), (vec![7], 1), (vec![-1, -1, -1], 9)] {
        let (cs, _, fixed, w, _, out) = avg_circuit(&values, d);
        let sum: i64 = values.iter().sum();
        assert_eq!(out.value, sum.div_euclid(d as i64), "{values:?} / {d}");
        assert_eq!(failures(&cs, &fixed, &w), vec![], "{values:?} / {d}");
    }
}

#[test]
fn average_with_another_quotient_is_rejected() {
    // sum 6 / 3 = 2 r 0. Claim q = 1, r = 3 (= d): r ≤ d − 1 fails.
    let (cs, cfg, fixed, w0, last, _) = avg_circuit(&[5, -3, 4], 3);
    let mut w = w0.clone();
    w.advice[cfg.q.index][last] = signed_to_fr(1);
    w.advice[cfg.r.index][last] = signed_to_fr(3);
    // (the output cell has no reader here, so only the gadget's own checks apply)
    assert_eq!(failures(&cs, &fixed, &w), vec![Failure::Lookup { lookup: "avg_remainder_below_divisor".into(), row: last }]);
    // Claim q = 3, r = −3: r ≥ 0 fails.
    let mut w = w0.clone();
    w.advice[cfg.q.index][last] = signed_to_fr(3);
    w.advice[cfg.r.index][last] = signed_to_fr(-3);
    assert_eq!(failures(&cs, &fixed, &w), vec![Failure::Lookup { lookup: "avg_remainder".into(), row: last }]);
    // Claim r = 1 and q = (6 − 1)/3 in the field (the divide gate holds): q is no small integer.
    let mut w = w0.clone();
    let q = (Fr::from(5u64)) * Fr::from(3u64).inverse().unwrap();
    w.advice[cfg.q.index][last] = q;
    w.advice[cfg.r.index][last] = Fr::one();
    assert_eq!(failures(&cs, &fixed, &w), vec![Failure::Lookup { lookup: "avg_quotient".into(), row: last }]);
    // A changed running sum breaks the chain.
    let mut w = w0;
    w.advice[cfg.s.index][1] += Fr::one();
    let f = failures(&cs, &fixed, &w);
    assert!(f.iter().any(|f| matches!(f, Failure::Gate { gate, .. } if gate == "avg_chain")), "{f:?}");
    assert!(!Fr::zero().is_one());
}

#[test]
fn max_windows_wider_than_the_table_are_named_errors() {
    // max − min = 32 = 2^{b−1}: the difference cannot be looked up; an error, not a bad proof.
    let Setup { max, mut b, .. } = setup();
    let xs = cells(&mut b, &[31, -1]);
    let e = max.window(&mut b, &mut Region::default(), &xs).expect_err("spread 2^(b−1)");
    assert!(e.message.contains("spread 32"), "{e}");
}

#[test]
fn divisors_above_the_table_are_named_errors() {
    let Setup { avg, mut b, .. } = setup();
    let xs = cells(&mut b, &[1, 2]);
    let e = avg.window(&mut b, &mut Region::default(), &xs, 33).expect_err("divisor above 2^(b−1)");
    assert!(e.message.contains("lookup_bits"), "{e}");
}
