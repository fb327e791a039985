//! The projection argument (`plonk::projection`): y = W·x + b with public W, b, proven by one
//! random projection over all layers. Completeness on a two-layer network (rescale and ReLU rows,
//! no MAC rows) and through the encodings; the verifier's c_a(ζ) against arkworks interpolation;
//! soundness with consistent forgeries (a wrong y with its q, r and everything downstream
//! recomputed; two layers whose errors cancel under a per-layer restart of the challenge powers;
//! a changed input cell; the prover's view of a bias; a witness forged against a challenge drawn
//! before the commitments), the transcript order, tampered commitments and evaluations, the key
//! binding W and b, and the blinding of the running sum.

use crate::common;

use ark_ff::{Field, One, UniformRand, Zero};
use rand::RngCore;
use zkaccel::backend::CpuBackend;
use zkaccel::plonk::dev::{check_witness, Failure};
use zkaccel::plonk::mac::{relu_of, signed_to_fr as fr, MacBuilder, MacConfig, Operand};
use zkaccel::plonk::malicious::{prove_malicious, solve_evaluation, Hooks, PolyId};
use zkaccel::plonk::projection::{coefficients, Projection};
use zkaccel::plonk::prover::{prove_with_options, ProveOptions};
use zkaccel::plonk::verifier::derive_challenges;
use zkaccel::plonk::zk_audit::audit;
use zkaccel::plonk::{keygen, prove, verify, Cell, ConstraintSystem, FixedAssignment, Proof, ProvingKey, VerifyingKey, Witness};
use zkaccel::srs::Srs;
use zkaccel::Fr;
use zkaccel_testkit::seed::TestRng;

const K: u32 = 6;
const SHIFT: u32 = 4;
const BITS: u32 = 6;

/// A layer: W (outputs × inputs) and b, at the accumulator scale.
type Layer = (Vec<Vec<i64>>, Vec<i64>);

struct Net {
    cs: ConstraintSystem,
    circuit: FixedAssignment,
    witness: Witness,
    /// The io column holding the inputs (rows 0 …).
    io: zkaccel::plonk::Column,
    cfg: MacConfig,
}

/// Inputs in an io column, each range-checked by a rescale row; then the layers by projection,
/// ReLU between them (the last layer's q are the outputs).
fn net(inputs: &[i64], layers: &[Layer]) -> Net {
    let mut cs = ConstraintSystem::new();
    let cfg = MacConfig::configure(&mut cs, 1, SHIFT, BITS);
    let io = cs.advice_column();
    cs.enable_equality(io);
    let mut b = MacBuilder::new(&cs, cfg.clone(), K).unwrap();
    let mut x: Vec<Operand> = vec![];
    for (i, &v) in inputs.iter().enumerate() {
        b.assign(io, i, fr(v)).unwrap();
        let (q, _) = b.range_check(Operand { value: v, cell: Some(Cell { column: io, row: i }) }).unwrap();
        x.push(q);
    }
    for (l, (w, bias)) in layers.iter().enumerate() {
        let (q, y) = b.project_matvec(w, bias, &x).unwrap();
        x = if l + 1 < layers.len() { y } else { q };
    }
    cs.projections = b.take_projections();
    let (circuit, witness) = b.finish();
    Net { cs, circuit, witness, io, cfg }
}

fn layers() -> Vec<Layer> {
    let w1 = vec![vec![3, -2, 1, 0, 2], vec![-1, 1, 2, 3, -3], vec![2, 2, -1, 1, 0], vec![0, -3, 3, 1, 1]];
    let w2 = vec![vec![2, -1, 3, 1], vec![-2, 3, 1, -1], vec![1, 1, 1, 1]];
    vec![(w1, vec![5, -7, 12, 0]), (w2, vec![-3, 9, 1])]
}

const INPUTS: [i64; 5] = [7, -3, 5, -8, 2];

fn setup(n: &Net, rng: &mut TestRng) -> (CpuBackend, Srs, ProvingKey) {
    let be = CpuBackend::new();
    let srs = common::dev_srs(K, rng);
    let pk = keygen(&be, &srs, n.cs.clone(), &n.circuit).unwrap();
    (be, srs, pk)
}

fn unchecked(be: &CpuBackend, pk: &ProvingKey, w: &Witness, rng: &mut TestRng) -> Proof {
    prove_with_options(be, pk, w, &[], rng, ProveOptions { check_witness: false }).unwrap()
}

/// The layers' errors e_(l,j) = y_j − Σ_i W_ji·x_i − b_j, read from a witness.
fn errors(cs: &ConstraintSystem, w: &Witness) -> Vec<Vec<Fr>> {
    let at = |c: &Cell| w.advice[c.column.index].get(c.row).copied().unwrap_or(Fr::zero());
    cs.projections
        .iter()
        .map(|p| {
            let x: Vec<Fr> = p.inputs.iter().map(at).collect();
            p.outputs
                .iter()
                .enumerate()
                .map(|(j, y)| at(y) - p.weights[j * x.len()..(j + 1) * x.len()].iter().zip(&x).map(|(w, x)| *w * x).sum::<Fr>() - p.bias[j])
                .collect()
        })
        .collect()
}

#[test]
fn a_two_layer_network_proves_without_mac_rows() {
    let mut rng = TestRng::for_test("plonk_projection::a_two_layer_network_proves_without_mac_rows");
    let n = net(&INPUTS, &layers());
    // One rescale row per input and per output; no MAC rows.
    assert_eq!(n.circuit.fixed[n.cfg.q_mac.index].iter().filter(|v| !v.is_zero()).count(), 0);
    assert_eq!(n.circuit.fixed[n.cfg.q_out.index].iter().filter(|v| !v.is_zero()).count(), 5 + 4 + 3);
    assert_eq!(n.cs.projections.len(), 2);
    // The outputs against an independent forward pass.
    let (w1, b1) = &layers()[0];
    let (w2, b2) = &layers()[1];
    let h: Vec<i64> = w1.iter().zip(b1).map(|(r, b)| (r.iter().zip(INPUTS).map(|(w, x)| w * x).sum::<i64>() + b).div_euclid(16).max(0)).collect();
    let out: Vec<i64> = w2.iter().zip(b2).map(|(r, b)| (r.iter().zip(&h).map(|(w, x)| w * x).sum::<i64>() + b).div_euclid(16)).collect();
    let q_out: Vec<Fr> = n.cs.projections[1].outputs.iter().map(|c| n.witness.advice[n.cfg.q.index][c.row]).collect();
    assert_eq!(q_out, out.iter().map(|v| fr(*v)).collect::<Vec<_>>());
    assert!(check_witness(&n.cs, &n.circuit, &n.witness, &[], 10).unwrap().is_empty());
    assert!(errors(&n.cs, &n.witness).iter().flatten().all(|e| e.is_zero()));

    let (be, _, pk) = setup(&n, &mut rng);
    let proof = prove(&be, &pk, &n.witness, &[], &mut rng).unwrap();
    verify(&pk.vk, &proof, &[]).unwrap();
    assert_eq!((proof.projection_phi_commitments.len(), proof.projection_evals.len()), (1, 2));
    let proof2 = Proof::from_bytes(&proof.to_bytes()).unwrap();
    let vk2 = VerifyingKey::from_bytes(&pk.vk.to_bytes()).unwrap();
    assert_eq!((&proof2, &vk2), (&proof, &pk.vk));
    verify(&vk2, &proof2, &[]).unwrap();
    let pk2 = ProvingKey::from_bytes(&pk.to_bytes(), &be).unwrap();
    verify(&pk.vk, &prove(&be, &pk2, &n.witness, &[], &mut rng).unwrap(), &[]).unwrap();
    assert_eq!(be.resident_polys(), 0);
}

#[test]
fn the_coefficients_are_the_projection() {
    // Σ_a Σ_row c_a[row]·a[row] − T = Σ_g ρ^g·e_g over the global output index, for a witness
    // with errors; checked against the errors computed directly.
    let mut rng = TestRng::for_test("plonk_projection::the_coefficients_are_the_projection");
    let n = net(&INPUTS, &layers());
    let mut w = n.witness.clone();
    for c in w.advice.iter_mut() {
        for v in c.iter_mut().filter(|v| !v.is_zero()) {
            *v += Fr::from(u64::from(rng.next_u32() % 5));
        }
    }
    let rho = Fr::rand(&mut rng);
    let co = coefficients(&n.cs.projections, rho);
    let lhs: Fr = co.columns.iter().zip(&co.by_row).map(|(c, rows)| rows.iter().map(|(&r, k)| *k * w.advice[c.index][r]).sum::<Fr>()).sum::<Fr>() - co.total;
    let e: Vec<Fr> = errors(&n.cs, &w).into_iter().flatten().collect();
    let rhs: Fr = e.iter().enumerate().map(|(g, e)| rho.pow([g as u64]) * e).sum();
    assert_eq!(lhs, rhs);
    assert!(e.iter().any(|e| !e.is_zero()));
}

#[test]
fn a_wrong_output_with_its_rescale_and_everything_downstream_recomputed_is_rejected() {
    let mut rng = TestRng::for_test("plonk_projection::a_wrong_output_recomputed_downstream");
    let honest = net(&INPUTS, &layers());
    let (be, _, pk) = setup(&honest, &mut rng);
    // The witness of the same circuit with layer 1's output 2 larger by 2^s + 3: its q, r, y and
    // layer 2 are recomputed by the builder (laid out with that bias), so every gate, lookup and
    // copy holds and only the projection can see it.
    let mut forged_layers = layers();
    forged_layers[0].1[2] += 19;
    let forged = net(&INPUTS, &forged_layers);
    assert_eq!(forged.circuit, honest.circuit, "W and b are not in the fixed columns");
    assert_ne!(forged.witness, honest.witness);
    assert_eq!(
        check_witness(&honest.cs, &honest.circuit, &forged.witness, &[], 10).unwrap(),
        vec![Failure::Projection { projection: "projection_0".into(), output: 2 }]
    );
    let err = prove(&be, &pk, &forged.witness, &[], &mut rng).unwrap_err().to_string();
    assert!(err.contains("does not satisfy"), "{err}");
    let proof = unchecked(&be, &pk, &forged.witness, &mut rng);
    assert!(verify(&pk.vk, &proof, &[]).is_err());
    // Its downstream really changed: layer 2's inputs differ.
    let y1 = |w: &Witness| -> Vec<Fr> { honest.cs.projections[1].inputs.iter().map(|c| w.advice[c.column.index][c.row]).collect() };
    assert_ne!(y1(&forged.witness), y1(&honest.witness));
}

#[test]
fn two_layers_whose_errors_cancel_under_a_per_layer_restart_are_rejected() {
    let mut rng = TestRng::for_test("plonk_projection::two_layers_whose_errors_cancel");
    let honest = net(&INPUTS, &layers());
    let (be, _, pk) = setup(&honest, &mut rng);
    // e = +δ at layer 1's output 0 and −δ at layer 2's output 0, both rescales recomputed.
    let delta = 16;
    let mut f = layers();
    f[0].1[0] += delta;
    f[1].1[0] -= delta;
    let forged = net(&INPUTS, &f);
    let e = errors(&honest.cs, &forged.witness);
    assert_eq!(e[0][0], fr(delta));
    assert_eq!(e[1][0], fr(-delta));
    assert!(e.iter().flatten().filter(|e| !e.is_zero()).count() == 2);
    // With the powers of ρ restarting per layer, the forgery passes for every ρ; with the one
    // global index it does not.
    let rho = Fr::rand(&mut rng);
    let restart: Fr = e.iter().map(|l| l.iter().enumerate().map(|(j, e)| rho.pow([j as u64]) * e).sum::<Fr>()).sum();
    assert!(restart.is_zero());
    let global: Fr = e.iter().flatten().enumerate().map(|(g, e)| rho.pow([g as u64]) * e).sum();
    assert!(!global.is_zero());
    assert_eq!(check_witness(&honest.cs, &honest.circuit, &forged.witness, &[], 10).unwrap().len(), 2);
    let proof = unchecked(&be, &pk, &forged.witness, &mut rng);
    assert!(verify(&pk.vk, &proof, &[]).is_err());
}

#[test]
fn a_changed_input_cell_is_rejected() {
    let mut rng = TestRng::for_test("plonk_projection::a_changed_input_cell_is_rejected");
    let n = net(&INPUTS, &layers());
    let (be, _, pk) = setup(&n, &mut rng);
    // Input 1 from −3 to 4 in its io cell and in its range-check row (acc = 2^s·q, q, r = 0,
    // y = relu(q)); the products keep the old value's outputs.
    let mut w = n.witness.clone();
    let row = 1;
    let v = fr(4);
    w.advice[n.io.index][row] = v;
    w.advice[n.cfg.acc.index][row] = v * Fr::from(16u64);
    w.advice[n.cfg.q.index][row] = v;
    w.advice[n.cfg.y.index][row] = relu_of(v);
    let failures = check_witness(&n.cs, &n.circuit, &w, &[], 10).unwrap();
    assert!(!failures.is_empty() && failures.iter().all(|f| matches!(f, Failure::Projection { projection, .. } if projection == "projection_0")), "{failures:?}");
    let proof = unchecked(&be, &pk, &w, &mut rng);
    assert!(verify(&pk.vk, &proof, &[]).is_err());
}

#[test]
fn a_bias_changed_in_the_provers_view_or_the_key_is_rejected() {
    let mut rng = TestRng::for_test("plonk_projection::a_bias_changed_in_the_provers_view");
    let honest = net(&INPUTS, &layers());
    let (be, srs, pk) = setup(&honest, &mut rng);
    let mut f = layers();
    f[1].1[1] += 21;
    let forged = net(&INPUTS, &f);
    // The prover computes T, its running sum and its quotient with the changed bias: from its
    // view everything holds (φ closes), but the verifier takes T from its key.
    let mut hooks = Hooks {
        projection_total: Some(Box::new(|ch, total: &mut Fr| *total = coefficients(&forged.cs.projections, ch.rho).total)),
        projection_sum: Some(Box::new(|_, phi: &mut [Fr]| assert!(!phi.is_empty()))),
        ..Hooks::default()
    };
    let proof = prove_malicious(&be, &pk, &forged.witness, &[], &mut rng, &mut hooks).unwrap();
    assert!(verify(&pk.vk, &proof, &[]).is_err());
    // Sanity: the same hook with the key's own biases gives a valid proof.
    let mut same = Hooks {
        projection_total: Some(Box::new(|ch, total: &mut Fr| *total = coefficients(&honest.cs.projections, ch.rho).total)),
        ..Hooks::default()
    };
    verify(&pk.vk, &prove_malicious(&be, &pk, &honest.witness, &[], &mut rng, &mut same).unwrap(), &[]).unwrap();
    // The key binds b and W: another bias or weight, another digest, and proofs do not cross.
    let pk_b = keygen(&be, &srs, forged.cs.clone(), &forged.circuit).unwrap();
    assert_ne!(pk_b.vk.digest(), pk.vk.digest());
    let proof_b = prove(&be, &pk_b, &forged.witness, &[], &mut rng).unwrap();
    verify(&pk_b.vk, &proof_b, &[]).unwrap();
    assert!(verify(&pk.vk, &proof_b, &[]).is_err());
    let mut cs_w = honest.cs.clone();
    cs_w.projections[0].weights[3] += Fr::one();
    let pk_w = keygen(&be, &srs, cs_w, &honest.circuit).unwrap();
    assert_ne!(pk_w.vk.digest(), pk.vk.digest());
    assert!(verify(&pk_w.vk, &prove(&be, &pk, &honest.witness, &[], &mut rng).unwrap(), &[]).is_err());
    // …and the layout: the same products read from other cells.
    let mut cs_l = honest.cs.clone();
    cs_l.projections[0].inputs.swap(0, 1);
    assert_ne!(keygen(&be, &srs, cs_l, &honest.circuit).unwrap().vk.digest(), pk.vk.digest());
}

/// x (5 inputs) and y (3 outputs) in two plain advice columns, y = W·x + b and nothing else.
fn plain() -> (ConstraintSystem, FixedAssignment, Witness) {
    let mut cs = ConstraintSystem::new();
    let (xc, yc) = (cs.advice_column(), cs.advice_column());
    let w: Vec<Vec<i64>> = vec![vec![1, 2, 3, 4, 5], vec![-1, 0, 1, 0, -1], vec![7, 7, 7, 7, 7]];
    let b = [1i64, 2, 3];
    let x = [3i64, 1, 4, 1, 5];
    let y: Vec<i64> = w.iter().zip(b).map(|(r, b)| r.iter().zip(x).map(|(w, x)| w * x).sum::<i64>() + b).collect();
    cs.project(
        "plain",
        (0..5).map(|row| Cell { column: xc, row }).collect(),
        (0..3).map(|row| Cell { column: yc, row: row + 2 }).collect(),
        w.iter().flatten().map(|v| fr(*v)).collect(),
        b.iter().map(|v| fr(*v)).collect(),
    );
    let mut yv = vec![Fr::zero(); 5];
    y.iter().enumerate().for_each(|(j, v)| yv[j + 2] = fr(*v));
    let wit = Witness { advice: vec![x.iter().map(|v| fr(*v)).collect(), yv] };
    (cs, FixedAssignment { k: 4, fixed: vec![], copies: vec![] }, wit)
}

#[test]
fn a_witness_forged_against_a_challenge_known_before_the_commitments_is_rejected() {
    let mut rng = TestRng::for_test("plonk_projection::forged_against_an_early_challenge");
    let (cs, circuit, w) = plain();
    let be = CpuBackend::new();
    let srs = common::dev_srs(4, &mut rng);
    let pk = keygen(&be, &srs, cs.clone(), &circuit).unwrap();
    let honest = prove(&be, &pk, &w, &[], &mut rng).unwrap();
    verify(&pk.vk, &honest, &[]).unwrap();
    // A prover that knew ρ before committing (here: the ρ of the honest proof's transcript)
    // could make two errors cancel: e_0 = δ, e_1 = −δ/ρ. The errors change y, hence the
    // commitments, hence ρ.
    let rho0 = derive_challenges(&pk.vk, &honest, &[]).rho;
    let mut f = w.clone();
    let delta = Fr::from(5u64);
    f.advice[1][2] += delta;
    f.advice[1][3] -= delta / rho0;
    let e = errors(&cs, &f);
    assert!(!e[0][0].is_zero() && (e[0][0] + rho0 * e[0][1]).is_zero());
    let proof = unchecked(&be, &pk, &f, &mut rng);
    assert_ne!(derive_challenges(&pk.vk, &proof, &[]).rho, rho0);
    assert!(verify(&pk.vk, &proof, &[]).is_err());
}

#[test]
fn the_challenge_follows_every_commitment_and_the_running_sum_precedes_alpha() {
    let mut rng = TestRng::for_test("plonk_projection::transcript_order");
    let n = net(&INPUTS, &layers());
    let (be, _, pk) = setup(&n, &mut rng);
    let proof = prove(&be, &pk, &n.witness, &[], &mut rng).unwrap();
    let other = prove(&be, &pk, &n.witness, &[], &mut rng).unwrap();
    let ch = derive_challenges(&pk.vk, &proof, &[]);
    assert!(!ch.rho.is_zero());
    // Every advice column (x and y among them) and every multiplicity comes before ρ.
    for j in 0..proof.advice_commitments.len() {
        let mut p = proof.clone();
        p.advice_commitments[j] = other.advice_commitments[j];
        assert_ne!(derive_challenges(&pk.vk, &p, &[]).rho, ch.rho, "advice column {j}");
    }
    let mut p = proof.clone();
    p.lookup_m_commitments[0] = other.lookup_m_commitments[0];
    assert_ne!(derive_challenges(&pk.vk, &p, &[]).rho, ch.rho);
    // The running sum after ρ, before α.
    let mut p = proof.clone();
    p.projection_phi_commitments[0] = other.projection_phi_commitments[0];
    let c2 = derive_challenges(&pk.vk, &p, &[]);
    assert_eq!((c2.rho, c2.beta, c2.theta), (ch.rho, ch.beta, ch.theta));
    assert!(c2.alpha != ch.alpha && c2.zeta != ch.zeta);
    assert!(verify(&pk.vk, &p, &[]).is_err());
    // Its evaluations before v.
    let mut p = proof.clone();
    p.projection_evals[1] += Fr::one();
    let c2 = derive_challenges(&pk.vk, &p, &[]);
    assert_eq!(c2.zeta, ch.zeta);
    assert_ne!(c2.v, ch.v);
    assert!(verify(&pk.vk, &p, &[]).is_err());
    // A circuit without projections squeezes no ρ (its transcript is unchanged).
    let s = common::standard(4, 1, &mut rng);
    let p = prove(&s.backend, &s.pk, &s.witness, &s.instances, &mut rng).unwrap();
    assert!(p.projection_phi_commitments.is_empty() && p.projection_evals.is_empty());
    assert!(derive_challenges(&s.pk.vk, &p, &s.instances).rho.is_zero());
}

#[test]
fn tampered_running_sums_commitments_and_evaluations_are_rejected() {
    let mut rng = TestRng::for_test("plonk_projection::tampered_parts");
    let n = net(&INPUTS, &layers());
    let (be, _, pk) = setup(&n, &mut rng);
    let w = &n.witness;
    // A running sum shifted on one row (it no longer steps by the projection there).
    let mut hooks = Hooks { projection_sum: Some(Box::new(|_, phi: &mut [Fr]| phi[9] += Fr::one())), ..Hooks::default() };
    assert!(verify(&pk.vk, &prove_malicious(&be, &pk, w, &[], &mut rng, &mut hooks).unwrap(), &[]).is_err());
    // A constant added everywhere is harmless (φ is defined up to a constant): a sanity check
    // that the hook acts.
    let mut hooks = Hooks { projection_sum: Some(Box::new(|_, phi: &mut [Fr]| phi.iter_mut().for_each(|v| *v += Fr::from(3u64)))), ..Hooks::default() };
    verify(&pk.vk, &prove_malicious(&be, &pk, w, &[], &mut rng, &mut hooks).unwrap(), &[]).unwrap();
    // φ(ζω) solved so that the identity holds at ζ: only the opening catches it.
    let mut hooks = Hooks {
        evaluations: Some(Box::new(|_, t_at_zeta, proof: &mut Proof| {
            solve_evaluation(&pk.vk, &[], proof, t_at_zeta + Fr::one(), &|p| &mut p.projection_evals[1]).unwrap();
        })),
        ..Hooks::default()
    };
    let p = prove_malicious(&be, &pk, w, &[], &mut rng, &mut hooks).unwrap();
    let err = verify(&pk.vk, &p, &[]).unwrap_err().to_string();
    assert!(err.contains("opening"), "{err}");
    // Missing or extra parts, and bit flips in the encoded projection part.
    let proof = prove(&be, &pk, w, &[], &mut rng).unwrap();
    let mut p = proof.clone();
    p.projection_evals.pop();
    assert!(verify(&pk.vk, &p, &[]).unwrap_err().to_string().contains("projection part"));
    let mut p = proof.clone();
    p.projection_phi_commitments.clear();
    assert!(verify(&pk.vk, &p, &[]).is_err());
    // The encoding: magic, version, then the advice, permutation, quotient, multiplicity and
    // lookup running-sum commitments, the lookup evaluations, then the projection part.
    let bytes = proof.to_bytes();
    let g1s = |v: &[zkaccel::G1Affine]| 4 + 64 * v.len();
    let start = 8
        + g1s(&proof.advice_commitments)
        + g1s(&proof.permutation_commitments)
        + g1s(&proof.quotient_commitments)
        + g1s(&proof.lookup_m_commitments)
        + g1s(&proof.lookup_phi_commitments)
        + 4
        + 32 * proof.lookup_evals.len();
    assert_eq!(&bytes[start..start + 4], &1u32.to_le_bytes());
    for pos in (start..start + 4 + 64 + 4 + 64).step_by(3) {
        let mut b = bytes.clone();
        b[pos] ^= 1 << (pos % 8);
        if let Ok(p) = Proof::from_bytes(&b) {
            assert!(verify(&pk.vk, &p, &[]).is_err(), "bit flip at {pos}");
        }
    }
}

#[test]
fn the_running_sum_is_blinded_for_its_two_points() {
    let mut rng = TestRng::for_test("plonk_projection::the_running_sum_is_blinded");
    let n = net(&INPUTS, &layers());
    let (be, _, pk) = setup(&n, &mut rng);
    let entries = audit(&be, &pk, &n.witness, &[], &mut rng).unwrap();
    let phi = entries.iter().find(|e| e.poly == PolyId::ProjectionPhi).expect("audited");
    assert_eq!((phi.blinding, phi.points), (3, 2));
    for e in &entries {
        assert!(e.blinding > e.points, "{e:?}");
    }
}

#[test]
fn bad_declarations_are_errors() {
    let (cs, circuit, _) = plain();
    let p: Projection = cs.projections[0].clone();
    let mut bad = cs.clone();
    bad.projections[0].weights.pop();
    assert!(bad.validate().unwrap_err().to_string().contains("plain"));
    let mut bad = cs.clone();
    bad.projections[0].bias.push(Fr::one());
    assert!(bad.validate().is_err());
    let mut bad = cs.clone();
    bad.projections[0].inputs[0].column = zkaccel::plonk::Column { kind: zkaccel::plonk::ColumnKind::Fixed, index: 0 };
    assert!(bad.validate().is_err());
    let mut bad = cs.clone();
    bad.projections[0].outputs[0].row = 16;
    let be = CpuBackend::new();
    let mut rng = TestRng::for_test("plonk_projection::bad_declarations_are_errors");
    let srs = common::dev_srs(4, &mut rng);
    let err = keygen(&be, &srs, bad, &circuit).unwrap_err().to_string();
    assert!(err.contains("beyond the 16 rows"), "{err}");
    assert_eq!(p.outputs.len(), 3);
    // Keys with projections round-trip; truncations are errors.
    let pk = keygen(&be, &srs, cs, &circuit).unwrap();
    let bytes = pk.vk.to_bytes();
    assert_eq!(VerifyingKey::from_bytes(&bytes).unwrap(), pk.vk);
    for cut in (0..bytes.len()).step_by(7) {
        assert!(VerifyingKey::from_bytes(&bytes[..cut]).is_err(), "truncated at {cut}");
    }
}

#[test]
fn weights_and_biases_are_stored_as_small_integers_with_one_encoding() {
    use zkaccel::codec::{Reader, Writer};
    let enc = |v: &[Fr]| {
        let mut w = Writer::new();
        w.small_ints(v);
        w.bytes
    };
    let dec = |b: &[u8]| {
        let mut r = Reader::new(b);
        let v = r.small_ints("projection weight", 1 << 20);
        v.map(|v| (v, r.remaining()))
    };
    let mut rng = TestRng::for_test("plonk_projection::small_ints");
    // Each list round-trips in the fewest bytes: 4 (count) + 1 (width) + width × count.
    let cases: Vec<(Vec<Fr>, usize)> = vec![
        (vec![], 1),
        (vec![fr(3), fr(-2), fr(127), fr(-128)], 1),
        (vec![fr(128), fr(-1)], 2),
        (vec![fr(-32769)], 4),
        (vec![fr(i64::MAX), fr(i64::MIN), fr(0)], 8),
        (vec![fr(1), Fr::rand(&mut rng)], 32),
    ];
    for (v, width) in &cases {
        let b = enc(v);
        assert_eq!((b.len(), b[4] as usize), (5 + width * v.len(), *width), "{v:?}");
        assert_eq!(dec(&b).unwrap(), (v.clone(), 0));
    }
    // One encoding per list: a wider width than needed, an unknown width, field elements that
    // are all integers, and truncation are named errors.
    let err = |b: &[u8]| dec(b).unwrap_err().to_string();
    let e = err(&[2, 0, 0, 0, 2, 5, 0, 0xfb, 0xff]);
    assert!(e.contains("projection weight") && e.contains("2-byte entries where 1 bytes"), "{e}");
    let e = err(&[1, 0, 0, 0, 3, 5, 0, 0]);
    assert!(e.contains("projection weight") && e.contains("entry width 3"), "{e}");
    let mut all_small = vec![1, 0, 0, 0, 32];
    all_small.extend(zkaccel::codec::fr_to_le(&fr(-7)));
    let e = err(&all_small);
    assert!(e.contains("projection weight") && e.contains("all 64-bit integers"), "{e}");
    let e = err(&[3, 0, 0, 0, 2, 1, 2, 3, 4]);
    assert!(e.contains("projection weight") && e.contains("truncated"), "{e}");
    let e = err(&[1, 0, 0, 0, 32, 0]);
    assert!(e.contains("projection weight") && e.contains("truncated"), "{e}");
    // In a key: weights that need 2 bytes make the key longer by exactly one byte per weight
    // and bias; both keys round-trip, and the digest binds the weights.
    let small = net(&INPUTS, &layers());
    let mut big_layers = layers();
    for (w, b) in big_layers.iter_mut() {
        w.iter_mut().flatten().for_each(|v| *v *= 200);
        b.iter_mut().for_each(|v| *v *= 200);
    }
    let mut cs_big = small.cs.clone();
    for (p, (w, b)) in cs_big.projections.iter_mut().zip(&big_layers) {
        p.weights = w.iter().flatten().map(|v| fr(*v)).collect();
        p.bias = b.iter().map(|v| fr(*v)).collect();
    }
    let be = CpuBackend::new();
    let srs = common::dev_srs(K, &mut rng);
    let vk = keygen(&be, &srs, small.cs.clone(), &small.circuit).unwrap().vk;
    let vk_big = keygen(&be, &srs, cs_big, &small.circuit).unwrap().vk;
    let entries: usize = small.cs.projections.iter().map(|p| p.weights.len() + p.bias.len()).sum();
    assert_eq!(vk_big.to_bytes().len(), vk.to_bytes().len() + entries);
    for (k, ls) in [(&vk, layers()), (&vk_big, big_layers)] {
        let decoded = VerifyingKey::from_bytes(&k.to_bytes()).unwrap();
        assert_eq!(&decoded, k);
        // The decoded key keeps the weights' integers for the verifier's v = rᵀW.
        let ints: Vec<Option<Vec<i64>>> = ls.iter().map(|(w, _)| Some(w.iter().flatten().copied().collect())).collect();
        assert_eq!(decoded.projection_weight_ints(), &ints[..]);
    }
    assert_ne!(vk.digest(), vk_big.digest());
}
