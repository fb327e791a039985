//! The lookup kernel in Verilator against its arkworks golden model (`zkaccel_hdl::lookup::model`),
//! from one build (2^10 counter rows, batches of 2^10; sizes are run-time registers): counts with
//! repeated values back to back, every value the same, both ends of the table, values outside it
//! (sticky error, never a wrong count), a reset mid-count; batch inversions with and without the
//! `m_i` scale, zero denominators rejected; bubbles and back-pressure; bad parameters.

use ark_bn254::Fr;
use ark_ff::{One, UniformRand};
use rand::Rng;
use std::sync::Arc;
use zkaccel_hdl::lookup::config::TEST_LOG_DEPTH;
use zkaccel_hdl::lookup::model::{chain_products, fractions, multiplicities, ZeroDenominator};
use zkaccel_hdl::lookup::LookupUnit;
use zkaccel_hdl::verilog::generate;
use zkaccel_interface::lookup::{LookupOp, CHAINS};
use zkaccel_sim::lookup_runner::{LookupErrors, LookupRunner};
use zkaccel_sim::traffic::Traffic;
use zkaccel_sim::{Build, Library};
use zkaccel_testkit::seed::TestRng;

const DEPTH: usize = 1 << TEST_LOG_DEPTH;

fn library() -> Arc<Library> {
    Build::new("lookup_unit_k10", generate(&mut LookupUnit::new(TEST_LOG_DEPTH, TEST_LOG_DEPTH)))
        .trace_depth(2)
        .build()
        .unwrap()
}

fn runner(seed: u64, traffic: Traffic) -> LookupRunner {
    LookupRunner::new(&library(), traffic, TestRng::from_seed(seed)).unwrap()
}

fn check_count(r: &mut LookupRunner, indices: &[u32], table: usize, what: &str) {
    let (got, errors) = r.count(indices, table).unwrap_or_else(|e| panic!("{what}: {e}"));
    let want = multiplicities(indices, table);
    if let Some(j) = (0..table).find(|&j| got[j] != want.counts[j]) {
        panic!("{what}: row {j}: RTL count {} model {} (table {table}, {} indices)", got[j], want.counts[j], indices.len());
    }
    assert_eq!(errors, LookupErrors { range: want.out_of_range, ..Default::default() }, "{what}: flags");
}

fn check_inversion(r: &mut LookupRunner, beta: Fr, x: &[Fr], m: Option<&[Fr]>, what: &str) {
    let got = r.invert(beta, x, m).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(got.products, chain_products(beta, x), "{what}: chain products");
    assert_eq!(got.forward_errors, LookupErrors::default(), "{what}: flags");
    let got = got.fractions.unwrap_or_else(|| panic!("{what}: a chain product was zero"));
    let want = fractions(beta, x, m).unwrap();
    if let Some(i) = (0..x.len()).find(|&i| got[i] != want[i]) {
        panic!("{what}: element {i} of {}: RTL {} model {}", x.len(), got[i], want[i]);
    }
    assert_eq!(r.errors(), LookupErrors::default(), "{what}: flags after the backward pass");
}

#[test]
fn counts_match_the_model() {
    let mut rng = TestRng::for_test("lookup counts_match_the_model");
    let mut r = runner(rng.seed() ^ 1, Traffic::SMOOTH);
    // Repeated values back to back: runs of one value, pairs, alternation (forwarding paths).
    let runs: Vec<u32> = [5u32, 5, 5, 6, 5, 5, 6, 6, 7, 5, 7, 5, 7, 7, 7, 7, 7, 7, 7, 7, 7, 0].to_vec();
    check_count(&mut r, &runs, 8, "runs");
    // Every value the same, n not a multiple of 8, and the whole memory as the table.
    check_count(&mut r, &vec![3u32; 1001], 16, "all the same");
    check_count(&mut r, &vec![DEPTH as u32 - 1; 77], DEPTH, "all the last row of a full table");
    // Both ends of the table.
    for t in [1usize, 2, 8, 9, 13, DEPTH] {
        let ends: Vec<u32> = (0..50).map(|i| if i % 3 == 0 { 0 } else { t as u32 - 1 }).collect();
        check_count(&mut r, &ends, t, &format!("ends of a table of {t}"));
    }
    // One index.
    check_count(&mut r, &[4], 5, "one index");
    // Seeded random: small tables (many repeats) and large ones.
    for (n, t) in [(1usize, 3usize), (7, 8), (8, 8), (9, 8), (500, 4), (1000, 100), (2000, DEPTH), (4096, 17)] {
        let idx: Vec<u32> = (0..n).map(|_| rng.gen_range(0..t as u32)).collect();
        check_count(&mut r, &idx, t, &format!("random n {n} table {t}"));
    }
}

#[test]
fn values_outside_the_table_raise_a_sticky_error_and_are_not_counted() {
    let mut rng = TestRng::for_test("lookup values_outside_the_table");
    let mut r = runner(rng.seed(), Traffic::SMOOTH);
    let t = 40usize;
    let mut idx: Vec<u32> = (0..300).map(|_| rng.gen_range(0..t as u32)).collect();
    // Just past the end, far past it, the largest u32, between repeats of a valid row.
    for (pos, v) in [(0usize, t as u32), (10, 41), (11, 10), (12, u32::MAX), (13, 10), (299, 1 << 16)] {
        idx[pos] = v;
    }
    check_count(&mut r, &idx, t, "out of table");
    // The flag is sticky to the end of the command and cleared by the next start.
    check_count(&mut r, &[1, 2, 3], t, "after the error");
    // A value equal to the table size with the whole memory as the table.
    check_count(&mut r, &[DEPTH as u32, 0, DEPTH as u32 - 1], DEPTH, "one past a full table");
}

#[test]
fn counts_under_bubbles_back_pressure_and_reset() {
    let mut rng = TestRng::for_test("lookup counts_under_bubbles");
    let mut r = runner(rng.seed() ^ 2, Traffic { bubble: 0.4, stall: 0.6 });
    for (n, t) in [(333usize, 5usize), (64, 64), (1000, 300)] {
        let idx: Vec<u32> = (0..n).map(|_| rng.gen_range(0..t as u32 + 2)).collect();
        check_count(&mut r, &idx, t, &format!("bubbly n {n} table {t}"));
    }
    r.set_traffic(Traffic { bubble: 0.0, stall: 0.97 });
    check_count(&mut r, &vec![2u32; 100], 100, "mostly stalled sink");
    // A reset in the middle of a count leaves the memory dirty: the next count clears it first.
    r.set_traffic(Traffic::SMOOTH);
    r.start(LookupOp::COUNT, 64, 8, 0, Fr::from(0u64));
    assert!(r.busy());
    r.reset();
    assert!(!r.busy());
    check_count(&mut r, &[1, 1, 7], 8, "after a reset (no beat had been sent)");
    let err = r.count_with_early_last(&[0, 1, 2, 3, 4, 5, 6, 7, 1, 1, 1], 8, 0).unwrap();
    assert!(err.framing, "last on beat 0 of 2 not flagged");
    check_count(&mut r, &[6; 20], 8, "after a framing error");
}

#[test]
fn batch_inversion_matches_the_model() {
    let mut rng = TestRng::for_test("lookup batch_inversion_matches_the_model");
    let mut r = runner(rng.seed() ^ 3, Traffic::SMOOTH);
    for n in [1usize, 2, 5, CHAINS - 1, CHAINS, CHAINS + 1, 300, 2 * CHAINS, DEPTH] {
        let x: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let m: Vec<Fr> = (0..n).map(|_| Fr::from(rng.gen_range(0..1000u64))).collect();
        let beta = Fr::rand(&mut rng);
        check_inversion(&mut r, Fr::from(0u64), &x, None, &format!("1/x, n {n}"));
        check_inversion(&mut r, beta, &x, Some(&m), &format!("m/(β+x), n {n}"));
    }
    // Edge values: x = p − 1 with β = 1 would be zero, so β = 2; x = 0 with β = 1; all the same.
    let n = 200;
    check_inversion(&mut r, Fr::from(2u64), &vec![-Fr::one(); n], None, "x = −1, β = 2");
    check_inversion(&mut r, Fr::one(), &vec![Fr::from(0u64); n], Some(&vec![-Fr::one(); n]), "x = 0, β = 1, m = −1");
}

#[test]
fn zero_denominators_are_rejected() {
    let mut rng = TestRng::for_test("lookup zero_denominators_are_rejected");
    let mut r = runner(rng.seed(), Traffic::SMOOTH);
    let beta = Fr::rand(&mut rng);
    for (n, zero_at) in [(1usize, 0usize), (300, 0), (300, 171), (300, 299)] {
        let mut x: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        x[zero_at] = -beta;
        assert_eq!(fractions(beta, &x, None), Err(ZeroDenominator(zero_at)));
        let got = r.invert(beta, &x, None).unwrap();
        assert!(got.forward_errors.zero, "n {n}: zero denominator at {zero_at} not flagged");
        assert!(got.products[zero_at % CHAINS] == Fr::from(0u64), "n {n}: its chain's product is not zero");
        assert!(got.fractions.is_none(), "the host went on to the backward pass");
    }
    // The next forward pass clears the flag.
    let x: Vec<Fr> = (0..10).map(|_| Fr::rand(&mut rng)).collect();
    check_inversion(&mut r, beta, &x, None, "after a zero denominator");
}

#[test]
fn batch_inversion_under_bubbles_and_back_pressure() {
    let mut rng = TestRng::for_test("lookup batch_inversion_under_bubbles");
    let mut r = runner(rng.seed() ^ 4, Traffic { bubble: 0.3, stall: 0.5 });
    for n in [3usize, CHAINS + 7, 700] {
        let x: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let m: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        check_inversion(&mut r, Fr::rand(&mut rng), &x, Some(&m), &format!("bubbly n {n}"));
    }
    r.set_traffic(Traffic { bubble: 0.0, stall: 0.95 });
    let x: Vec<Fr> = (0..150).map(|_| Fr::rand(&mut rng)).collect();
    check_inversion(&mut r, Fr::from(0u64), &x, None, "mostly stalled sink");
}

#[test]
fn bad_parameters_are_refused() {
    let mut r = runner(5, Traffic::SMOOTH);
    let d = DEPTH as u64;
    for (op, n, t, what) in [
        (LookupOp::COUNT, 0, 8, "count of nothing"),
        (LookupOp::COUNT, 8, 0, "empty table"),
        (LookupOp::COUNT, 8, d + 1, "table beyond the memory"),
        (LookupOp::INV_FORWARD, 0, 0, "empty batch"),
        (LookupOp::INV_FORWARD, d + 1, 0, "batch beyond the memories"),
        (LookupOp::INV_BACKWARD, d + 1, 0, "backward batch beyond the memories"),
        (3, 8, 8, "unknown op"),
    ] {
        r.start(op, n, t, 0, Fr::from(0u64));
        assert!(!r.busy(), "{what}: started");
        assert!(r.errors().params, "{what}: not flagged");
    }
    check_count(&mut r, &[0, 0], 1, "a good command afterwards");
}
