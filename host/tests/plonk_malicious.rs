//! Soundness against a malicious prover (`plonk::malicious`, feature `test-utils`): proofs whose
//! committed helper columns, quotient pieces, evaluations or openings were replaced after the
//! honest transcript so far are rejected. Each attack is the one a missing constraint would let
//! through (docs/plonk.md §12): a grand product Z ≡ 0 (without L₀·(Z − 1)), a scaled Z, a count on
//! a θ-collision row (without θ in the tuple compression), running sums that end off zero or
//! start off zero, quotient pieces that do not combine to t, an evaluation solved so the
//! identity at ζ holds (only the KZG openings catch it).

use crate::common;

use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, One, UniformRand, Zero};
use zkaccel::backend::CpuBackend;
use zkaccel::plonk::malicious::{prove_malicious, solve_evaluation, verifier_quotient_eval, Hooks};
use zkaccel::plonk::mac::{signed_to_fr as fr, MacBuilder, MacConfig, Operand};
use zkaccel::plonk::{keygen, prove, verify, ConstraintSystem, FixedAssignment, Proof, ProvingKey, Witness};
use zkaccel::{Error, Fr, G1Affine};
use zkaccel_testkit::seed::TestRng;

use common::relu::{relu_circuit, relu_witness};

fn rejected(pk: &ProvingKey, proof: &Proof, instances: &[Vec<Fr>], what: &str) {
    match verify(&pk.vk, proof, instances) {
        Err(Error::Verification(_)) => {}
        other => panic!("{what}: the verifier returned {other:?}"),
    }
}

/// The standard circuit with a witness that satisfies every gate but breaks a copy constraint
/// (a multiplication row re-derived from a changed input).
fn copy_violation(s: &common::Setup) -> Witness {
    let mut w = s.witness.clone();
    let row = (3..s.pk.vk.shape().n).find(|&r| s.circuit.fixed[3][r].is_one()).expect("a multiplication row");
    w.advice[0][row] += Fr::one();
    w.advice[2][row] = w.advice[0][row] * w.advice[1][row];
    let failures = zkaccel::plonk::dev::check_witness(&s.cs, &s.circuit, &w, &s.instances, 100).unwrap();
    assert!(!failures.is_empty() && failures.iter().all(|f| matches!(f, zkaccel::plonk::dev::Failure::Copy { .. })), "{failures:?}");
    w
}

/// Two MAC layers (lanes 3: five permutation columns, two chunks: Z and one partial product).
fn mac_net(rng: &mut TestRng) -> (ConstraintSystem, MacConfig, FixedAssignment, Witness) {
    use rand::Rng;
    let mut cs = ConstraintSystem::new();
    let cfg = MacConfig::configure(&mut cs, 3, 3, 6);
    let mut b = MacBuilder::new(&cs, cfg.clone(), 6).unwrap();
    let mut x: Vec<Operand> = (0..7).map(|_| Operand::input(rng.gen_range(0..4))).collect();
    let w1: Vec<Vec<i64>> = (0..4).map(|_| (0..7).map(|_| rng.gen_range(-2..3)).collect()).collect();
    let mut h = b.matvec(&w1, &[1, -2, 3, 0], &mut x, true).unwrap();
    let w2: Vec<Vec<i64>> = (0..2).map(|_| (0..4).map(|_| rng.gen_range(-2..3)).collect()).collect();
    b.matvec(&w2, &[2, -1], &mut h, false).unwrap();
    let (circuit, witness) = b.finish();
    (cs, cfg, circuit, witness)
}

fn keys(cs: &ConstraintSystem, circuit: &FixedAssignment, rng: &mut TestRng) -> (CpuBackend, ProvingKey) {
    let be = CpuBackend::new();
    let srs = common::dev_srs(circuit.k, rng);
    let pk = keygen(&be, &srs, cs.clone(), circuit).unwrap();
    (be, pk)
}

#[test]
fn the_harness_without_deviation_is_the_honest_prover() {
    let mut rng = TestRng::for_test("plonk_malicious::the_harness_without_deviation_is_the_honest_prover");
    let s = common::standard(5, 2, &mut rng);
    let p = prove_malicious(&s.backend, &s.pk, &s.witness, &s.instances, &mut rng, &mut Hooks::default()).unwrap();
    verify(&s.pk.vk, &p, &s.instances).unwrap();
    // Re-blinding the quotient pieces (t'_0 + c·X^m, t'_1 − c) keeps Σ ζ^{im}·t'_i: accepted, so
    // the rejections below are about what the pieces combine to.
    let m = s.pk.vk.shape().piece_size;
    let mut reblind = Hooks {
        quotient: Some(Box::new(move |_, pieces: &mut [Vec<Fr>]| {
            pieces[0][m] += Fr::from(5u64);
            pieces[1][0] -= Fr::from(5u64);
        })),
        ..Hooks::default()
    };
    let p = prove_malicious(&s.backend, &s.pk, &s.witness, &s.instances, &mut rng, &mut reblind).unwrap();
    verify(&s.pk.vk, &p, &s.instances).unwrap();
    let c = relu_circuit(5, 4, true);
    let (be, pk) = keys(&c.cs, &c.circuit, &mut rng);
    let w = relu_witness(&c, &mut rng);
    let p = prove_malicious(&be, &pk, &w, &[], &mut rng, &mut Hooks::default()).unwrap();
    verify(&pk.vk, &p, &[]).unwrap();
}

/// Z ≡ 0 on H satisfies every transition constraint Z(ωX)·D − Z·N for any witness; only
/// L₀·(Z − 1) rules it out. With a copy-violating witness it would prove a false statement.
#[test]
fn a_zero_grand_product_is_rejected() {
    let mut rng = TestRng::for_test("plonk_malicious::a_zero_grand_product_is_rejected");
    let s = common::standard(5, 2, &mut rng);
    let bad = copy_violation(&s);
    let zero = || Hooks { products: Some(Box::new(|_, z: &mut [Vec<Fr>]| z.iter_mut().flatten().for_each(|v| *v = Fr::zero()))), ..Hooks::default() };
    for (what, w) in [("copy violation", &bad), ("honest witness", &s.witness)] {
        let p = prove_malicious(&s.backend, &s.pk, w, &s.instances, &mut rng, &mut zero()).unwrap();
        rejected(&s.pk, &p, &s.instances, &format!("Z ≡ 0, {what}"));
    }
    // c·Z (c ≠ 1) also satisfies every transition; Z(ω^0) = c breaks L₀·(Z − 1).
    let mut scaled = Hooks { products: Some(Box::new(|_, z: &mut [Vec<Fr>]| z.iter_mut().flatten().for_each(|v| *v *= Fr::from(3u64)))), ..Hooks::default() };
    let p = prove_malicious(&s.backend, &s.pk, &s.witness, &s.instances, &mut rng, &mut scaled).unwrap();
    rejected(&s.pk, &p, &s.instances, "3·Z");
    // Two chunks (the MAC layout): Z and the partial product ≡ 0, with a copy violation between
    // the layers (an input lane whose weight is 0 changed: every gate still holds).
    let (cs, cfg, circuit, witness) = mac_net(&mut rng);
    let (be, pk) = keys(&cs, &circuit, &mut rng);
    assert_eq!(pk.vk.shape().perm_chunks, 2);
    let lane_cell = circuit
        .copies
        .iter()
        .map(|(_, b)| *b)
        .find(|b| cfg.x.iter().position(|x| *x == b.column).is_some_and(|l| circuit.fixed[cfg.w[l].index][b.row].is_zero()))
        .expect("a copied input lane with weight 0");
    let mut w = witness.clone();
    w.advice[lane_cell.column.index][lane_cell.row] += Fr::one();
    let failures = zkaccel::plonk::dev::check_witness(&cs, &circuit, &w, &[], 100).unwrap();
    assert!(!failures.is_empty() && failures.iter().all(|f| matches!(f, zkaccel::plonk::dev::Failure::Copy { .. })), "{failures:?}");
    let p = prove_malicious(&be, &pk, &w, &[], &mut rng, &mut zero()).unwrap();
    rejected(&pk, &p, &[], "Z ≡ π_1 ≡ 0, copy violation");
    let p = prove_malicious(&be, &pk, &witness, &[], &mut rng, &mut zero()).unwrap();
    rejected(&pk, &p, &[], "Z ≡ π_1 ≡ 0, honest witness");
    // The partial product alone replaced by random values (Z honest).
    let mut rand_pi = {
        let mut r = TestRng::for_test("random partial product");
        Hooks { products: Some(Box::new(move |_, z: &mut [Vec<Fr>]| z[1].iter_mut().for_each(|v| *v = Fr::rand(&mut r)))), ..Hooks::default() }
    };
    let p = prove_malicious(&be, &pk, &witness, &[], &mut rng, &mut rand_pi).unwrap();
    rejected(&pk, &p, &[], "random π_1");
}

/// With θ dropped from the tuple compression, (0, −3) and the table row (−3, 0) compress to the
/// same value; a prover that moves the count of the bad row onto that row would then balance
/// the logUp sums. With θ they differ except with probability ~1/|Fr|.
#[test]
fn a_count_on_a_theta_collision_row_is_rejected() {
    let mut rng = TestRng::for_test("plonk_malicious::a_count_on_a_theta_collision_row_is_rejected");
    let c = relu_circuit(5, 4, false);
    let (be, pk) = keys(&c.cs, &c.circuit, &mut rng);
    let mut w = relu_witness(&c, &mut rng);
    // Row 5: (x, y) = (0, −3), not a ReLU pair; its entries sum to −3 like the table row of
    // x = −3 (index −3 + 2^{b−1} = 5).
    w.advice[0][5] = fr(0);
    w.advice[1][5] = fr(-3);
    w.advice[2][5] = fr(0);
    let table_row = 5usize;
    assert_eq!((c.circuit.fixed[2][table_row], c.circuit.fixed[3][table_row]), (fr(-3), fr(0)));
    let mut moved = Hooks {
        multiplicities: Some(Box::new(move |_, m: &mut [Vec<Fr>]| m[0][table_row] += Fr::one())),
        ..Hooks::default()
    };
    let p = prove_malicious(&be, &pk, &w, &[], &mut rng, &mut moved).unwrap();
    rejected(&pk, &p, &[], "a count moved onto the θ-collision row");
    // And the same count moved onto the collision row of the other order, (−3, 0) for (−3, 0)'s
    // sum partner (x, y) = (−1, −2): also rejected.
    let mut w2 = relu_witness(&c, &mut rng);
    w2.advice[0][7] = fr(-1);
    w2.advice[1][7] = fr(-2);
    w2.advice[2][7] = fr(0);
    let p = prove_malicious(&be, &pk, &w2, &[], &mut rng, &mut moved).unwrap();
    rejected(&pk, &p, &[], "(−1, −2) counted on (−3, 0)");
}

/// The running sum's constraints: L₀·φ = 0 and the step on every row, wrapping around.
#[test]
fn running_sums_off_zero_are_rejected() {
    let mut rng = TestRng::for_test("plonk_malicious::running_sums_off_zero_are_rejected");
    let c = relu_circuit(5, 4, true);
    let (be, pk) = keys(&c.cs, &c.circuit, &mut rng);
    let w = relu_witness(&c, &mut rng);
    // (1) One count too many: the honest running sum ends off zero (the wrap-around step fails).
    let mut one_more = Hooks { multiplicities: Some(Box::new(|_, m: &mut [Vec<Fr>]| m[1][2] += Fr::one())), ..Hooks::default() };
    let p = prove_malicious(&be, &pk, &w, &[], &mut rng, &mut one_more).unwrap();
    rejected(&pk, &p, &[], "a running sum ending off zero");
    // (2) The same, with the running sum forced back to zero at the end by shifting its tail:
    // the wrap-around holds, the step at the shifted row fails.
    let n = pk.vk.shape().n;
    let mut repaired = Hooks {
        multiplicities: Some(Box::new(|_, m: &mut [Vec<Fr>]| m[1][2] += Fr::one())),
        running_sums: Some(Box::new(move |ch: &zkaccel::plonk::Challenges, phi: &mut [Vec<Fr>]| {
            // The extra count contributes −1/(β_L + t_2) with t_2 = 2 (the range table's row 2).
            let d = (ch.lookup_beta + Fr::from(2u64)).inverse().unwrap();
            phi[1][n / 2..].iter_mut().for_each(|v| *v += d);
        })),
        ..Hooks::default()
    };
    let p = prove_malicious(&be, &pk, &w, &[], &mut rng, &mut repaired).unwrap();
    rejected(&pk, &p, &[], "a running sum repaired at the end");
    // (3) Honest counts, φ + 1: every step holds (differences unchanged), L₀·φ fails.
    let mut shifted = Hooks { running_sums: Some(Box::new(|_, phi: &mut [Vec<Fr>]| phi[0].iter_mut().for_each(|v| *v += Fr::one()))), ..Hooks::default() };
    let p = prove_malicious(&be, &pk, &w, &[], &mut rng, &mut shifted).unwrap();
    rejected(&pk, &p, &[], "φ + 1");
    // (4) Everything zero: m ≡ 0, φ ≡ 0.
    let mut zero = Hooks {
        multiplicities: Some(Box::new(|_, m: &mut [Vec<Fr>]| m.iter_mut().flatten().for_each(|v| *v = Fr::zero()))),
        running_sums: Some(Box::new(|_, phi: &mut [Vec<Fr>]| phi.iter_mut().flatten().for_each(|v| *v = Fr::zero()))),
        ..Hooks::default()
    };
    let p = prove_malicious(&be, &pk, &w, &[], &mut rng, &mut zero).unwrap();
    rejected(&pk, &p, &[], "m ≡ φ ≡ 0");
}

/// Every committed helper column replaced by random values after the transcript so far.
#[test]
fn random_helper_columns_are_rejected() {
    let mut rng = TestRng::for_test("plonk_malicious::random_helper_columns_are_rejected");
    let c = relu_circuit(5, 4, true);
    let (be, pk) = keys(&c.cs, &c.circuit, &mut rng);
    let w = relu_witness(&c, &mut rng);
    type Pick = fn(&mut Hooks<'static>, usize);
    let kinds: [(&str, Pick); 3] = [
        ("multiplicities", |h, l| {
            let mut r = TestRng::for_test("m");
            h.multiplicities = Some(Box::new(move |_, m: &mut [Vec<Fr>]| m[l].iter_mut().for_each(|v| *v = Fr::rand(&mut r))));
        }),
        ("products", |h, l| {
            let mut r = TestRng::for_test("z");
            h.products = Some(Box::new(move |_, z: &mut [Vec<Fr>]| z[l.min(z.len() - 1)].iter_mut().for_each(|v| *v = Fr::rand(&mut r))));
        }),
        ("running sums", |h, l| {
            let mut r = TestRng::for_test("phi");
            h.running_sums = Some(Box::new(move |_, phi: &mut [Vec<Fr>]| phi[l].iter_mut().for_each(|v| *v = Fr::rand(&mut r))));
        }),
    ];
    for (what, pick) in kinds {
        for l in 0..2 {
            let mut h = Hooks::default();
            pick(&mut h, l);
            let p = prove_malicious(&be, &pk, &w, &[], &mut rng, &mut h).unwrap();
            rejected(&pk, &p, &[], &format!("random {what} [{l}]"));
        }
    }
}

#[test]
fn quotient_pieces_that_do_not_combine_to_t_are_rejected() {
    let mut rng = TestRng::for_test("plonk_malicious::quotient_pieces_that_do_not_combine_to_t_are_rejected");
    let s = common::standard(5, 2, &mut rng);
    let pieces = s.pk.vk.shape().num_pieces;
    for i in 0..pieces {
        let mut zeroed = Hooks { quotient: Some(Box::new(move |_, p: &mut [Vec<Fr>]| p[i].iter_mut().for_each(|v| *v = Fr::zero()))), ..Hooks::default() };
        let p = prove_malicious(&s.backend, &s.pk, &s.witness, &s.instances, &mut rng, &mut zeroed).unwrap();
        rejected(&s.pk, &p, &s.instances, &format!("quotient piece {i} zeroed"));
        let mut bumped = Hooks { quotient: Some(Box::new(move |_, p: &mut [Vec<Fr>]| p[i][0] += Fr::one())), ..Hooks::default() };
        let p = prove_malicious(&s.backend, &s.pk, &s.witness, &s.instances, &mut rng, &mut bumped).unwrap();
        rejected(&s.pk, &p, &s.instances, &format!("quotient piece {i} + 1"));
    }
    // A wrong witness: the quotient of N/Z_H truncated to the pieces (what the prover commits
    // when N is not divisible by Z_H), and with the top piece dropped.
    let mut w = s.witness.clone();
    w.advice[2][10] += Fr::one();
    let p = prove_malicious(&s.backend, &s.pk, &w, &s.instances, &mut rng, &mut Hooks::default()).unwrap();
    rejected(&s.pk, &p, &s.instances, "truncated quotient of a wrong witness");
    let mut drop_top = Hooks { quotient: Some(Box::new(|_, p: &mut [Vec<Fr>]| p.last_mut().unwrap().iter_mut().for_each(|v| *v = Fr::zero()))), ..Hooks::default() };
    let p = prove_malicious(&s.backend, &s.pk, &w, &s.instances, &mut rng, &mut drop_top).unwrap();
    rejected(&s.pk, &p, &s.instances, "top piece dropped");
}

/// The evaluations chosen after ζ so that the identity at ζ holds exactly (the verifier's
/// t(ζ) equals the committed quotient's value): only the KZG openings can reject, and do.
#[test]
fn evaluations_solved_for_the_identity_are_rejected_by_the_openings() {
    let mut rng = TestRng::for_test("plonk_malicious::evaluations_solved_for_the_identity");
    let s = common::standard(5, 2, &mut rng);
    let mut w = s.witness.clone();
    w.advice[2][10] += Fr::one(); // a gate violation
    let vk = s.pk.vk.clone();
    let inst = s.instances.clone();
    let solved = std::cell::Cell::new(false);
    // Z(ζω) enters the identity linearly (Z(ζω)·Π(w + βσ + γ)).
    let mut solve = Hooks {
        evaluations: Some(Box::new(|_, t_at_zeta, proof: &mut Proof| {
            solve_evaluation(&vk, &inst, proof, t_at_zeta, &|p: &mut Proof| &mut p.z_evals[1]).unwrap();
            assert_eq!(verifier_quotient_eval(&vk, proof, &inst).unwrap(), t_at_zeta);
            solved.set(true);
        })),
        ..Hooks::default()
    };
    let p = prove_malicious(&s.backend, &s.pk, &w, &s.instances, &mut rng, &mut solve).unwrap();
    assert!(solved.get());
    drop(solve);
    match verify(&s.pk.vk, &p, &s.instances) {
        Err(Error::Verification(m)) => assert!(m.contains("KZG"), "{m}"),
        other => panic!("solved Z(ζω) accepted: {other:?}"),
    }
    // Lookups: one count too many, φ(ζω) solved so the identity at ζ holds.
    let c = relu_circuit(5, 4, true);
    let (be, pk) = keys(&c.cs, &c.circuit, &mut rng);
    let lw = relu_witness(&c, &mut rng);
    let lvk = pk.vk.clone();
    let mut solve_phi = Hooks {
        multiplicities: Some(Box::new(|_, m: &mut [Vec<Fr>]| m[0][3] += Fr::one())),
        evaluations: Some(Box::new(|_, t_at_zeta, proof: &mut Proof| {
            solve_evaluation(&lvk, &[], proof, t_at_zeta, &|p: &mut Proof| &mut p.lookup_evals[2]).unwrap();
        })),
        ..Hooks::default()
    };
    let p = prove_malicious(&be, &pk, &lw, &[], &mut rng, &mut solve_phi).unwrap();
    match verify(&pk.vk, &p, &[]) {
        Err(Error::Verification(m)) => assert!(m.contains("KZG"), "{m}"),
        other => panic!("solved φ(ζω) accepted: {other:?}"),
    }
}

#[test]
fn replaced_opening_witnesses_are_rejected() {
    let mut rng = TestRng::for_test("plonk_malicious::replaced_opening_witnesses_are_rejected");
    let s = common::standard(5, 2, &mut rng);
    let cases: Vec<(&str, Box<dyn FnMut(&zkaccel::plonk::Challenges, &mut [G1Affine])>)> = vec![
        ("identity", Box::new(|_, w: &mut [G1Affine]| w.iter_mut().for_each(|p| *p = G1Affine::zero()))),
        ("swapped", Box::new(|_, w: &mut [G1Affine]| w.swap(0, 1))),
        // W_0 + G and W_1 − G (the points' sum kept).
        ("shifted", Box::new(|_, w: &mut [G1Affine]| {
            w[0] = (w[0] + G1Affine::generator()).into_affine();
            w[1] = (w[1].into_group() - G1Affine::generator()).into_affine();
        })),
    ];
    for (what, f) in cases {
        let mut h = Hooks { openings: Some(f), ..Hooks::default() };
        let p = prove(&s.backend, &s.pk, &s.witness, &s.instances, &mut rng).unwrap();
        verify(&s.pk.vk, &p, &s.instances).unwrap();
        let p = prove_malicious(&s.backend, &s.pk, &s.witness, &s.instances, &mut rng, &mut h).unwrap();
        rejected(&s.pk, &p, &s.instances, &format!("opening witnesses {what}"));
    }
}
