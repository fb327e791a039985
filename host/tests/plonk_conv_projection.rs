//! Convolutions by projection (`plonk::projection::conv`): y = T_W·x + b on the raw input cells
//! with structured challenges r_(o,p) = ρ^(g0)·α^o·β^p on the one global index. A two-layer
//! network (a grouped, strided, padded, dilated conv, then a depthwise conv) against an
//! independent forward pass with explicit zero padding; the structured coefficients against
//! Σ_g ρ^g·e_g; consistent forgeries (one wrong output with its q, r, ReLU and the next layer
//! recomputed; two layers whose errors cancel under a per-layer restart; a changed input cell;
//! the prover's view of a bias; the key binding W, b and the geometry); the challenge order.

use crate::common;

use ark_ff::{Field, One, UniformRand, Zero};
use rand::RngCore;
use zkaccel::backend::CpuBackend;
use zkaccel::plonk::dev::{check_witness, Failure};
use zkaccel::plonk::mac::{floor_rescale, relu_of, signed_to_fr as fr, MacBuilder, MacConfig, Operand};
use zkaccel::plonk::malicious::{prove_malicious, Hooks};
use zkaccel::plonk::projection::{coefficients_of, ConvProjection};
use zkaccel::plonk::prover::{prove_with_options, ProveOptions};
use zkaccel::plonk::verifier::derive_challenges;
use zkaccel::plonk::{keygen, prove, verify, Cell, ConstraintSystem, FixedAssignment, Proof, ProvingKey, VerifyingKey, Witness};
use zkaccel::srs::Srs;
use zkaccel::Fr;
use zkaccel_testkit::seed::TestRng;

const K: u32 = 7;
const SHIFT: u32 = 4;
const BITS: u32 = 7;

/// A conv layer: geometry (channels, group, input extents, kernel, strides, dilations, pads
/// before, pads after), W `[M, C/group, kernel…]` and b, at the accumulator scale.
#[derive(Clone)]
struct Layer {
    c: usize,
    m: usize,
    group: usize,
    in_dims: Vec<usize>,
    kernel: Vec<usize>,
    strides: Vec<usize>,
    dil: Vec<usize>,
    pads: Vec<usize>,
    pads_end: Vec<usize>,
    w: Vec<i64>,
    b: Vec<i64>,
}

impl Layer {
    fn out_dims(&self) -> Vec<usize> {
        (0..self.kernel.len())
            .map(|a| (self.in_dims[a] + self.pads[a] + self.pads_end[a] - ((self.kernel[a] - 1) * self.dil[a] + 1)) / self.strides[a] + 1)
            .collect()
    }

    fn geometry(&self) -> ConvProjection {
        ConvProjection {
            name: String::new(),
            in_channels: self.c,
            out_channels: self.m,
            group: self.group,
            in_dims: self.in_dims.clone(),
            out_dims: self.out_dims(),
            kernel: self.kernel.clone(),
            strides: self.strides.clone(),
            dilations: self.dil.clone(),
            pads_begin: self.pads.clone(),
            inputs: vec![],
            outputs: vec![],
            weights: vec![],
            bias: vec![],
        }
    }

    /// The 2-d convolution computed independently: the input zero-padded into a dense array,
    /// every output a sum over the whole kernel.
    fn forward(&self, x: &[i64]) -> Vec<i64> {
        let (ih, iw) = (self.in_dims[0], self.in_dims[1]);
        let (ph, pw) = (ih + self.pads[0] + self.pads_end[0], iw + self.pads[1] + self.pads_end[1]);
        let mut padded = vec![0i64; self.c * ph * pw];
        for c in 0..self.c {
            for i in 0..ih {
                for j in 0..iw {
                    padded[(c * ph + i + self.pads[0]) * pw + j + self.pads[1]] = x[(c * ih + i) * iw + j];
                }
            }
        }
        let od = self.out_dims();
        let (cg, mg) = (self.c / self.group, self.m / self.group);
        let (kh, kw) = (self.kernel[0], self.kernel[1]);
        let mut out = vec![];
        for o in 0..self.m {
            for y in 0..od[0] {
                for z in 0..od[1] {
                    let mut acc = self.b[o];
                    for c in 0..cg {
                        for a in 0..kh {
                            for e in 0..kw {
                                let (r, s) = (y * self.strides[0] + a * self.dil[0], z * self.strides[1] + e * self.dil[1]);
                                acc += self.w[((o * cg + c) * kh + a) * kw + e] * padded[((o / mg * cg + c) * ph + r) * pw + s];
                            }
                        }
                    }
                    out.push(acc);
                }
            }
        }
        out
    }
}

/// Layer 1: 2 → 4 channels in 2 groups, 3×3 kernel, strides (2, 1), dilations (1, 2), pads
/// (1, 2) before and (0, 1) after, on a 5×4 input → 2×3. Layer 2: depthwise 2×2, stride 1,
/// pads (1, 0) before → 2×2.
fn layers() -> Vec<Layer> {
    let mut rng = TestRng::for_test("plonk_conv_projection::layers");
    let mut small = |n: usize| -> Vec<i64> { (0..n).map(|_| i64::from(rng.next_u32() % 7) - 3).collect() };
    let l1 = Layer {
        c: 2,
        m: 4,
        group: 2,
        in_dims: vec![5, 4],
        kernel: vec![3, 3],
        strides: vec![2, 1],
        dil: vec![1, 2],
        pads: vec![1, 2],
        pads_end: vec![0, 1],
        w: small(4 * 9),
        b: vec![5, -7, 12, 0],
    };
    assert_eq!(l1.out_dims(), vec![2, 3]);
    let l2 = Layer {
        c: 4,
        m: 4,
        group: 4,
        in_dims: vec![2, 3],
        kernel: vec![2, 2],
        strides: vec![1, 1],
        dil: vec![1, 1],
        pads: vec![1, 0],
        pads_end: vec![0, 0],
        w: small(4 * 4),
        b: vec![-3, 9, 1, 2],
    };
    assert_eq!(l2.out_dims(), vec![2, 2]);
    vec![l1, l2]
}

fn inputs() -> Vec<i64> {
    let mut rng = TestRng::for_test("plonk_conv_projection::inputs");
    (0..40).map(|_| i64::from(rng.next_u32() % 31) - 15).collect()
}

struct Net {
    cs: ConstraintSystem,
    circuit: FixedAssignment,
    witness: Witness,
    io: zkaccel::plonk::Column,
    cfg: MacConfig,
    /// The last layer's q values.
    outputs: Vec<i64>,
}

/// The inputs in an io column, each range-checked by a rescale row; the layers by conv
/// projection, ReLU between them. `forge`: (layer, output, δ) adds δ to that output's
/// accumulator after it is laid out, recomputing its q, r and y (hence everything downstream).
fn net(x: &[i64], layers: &[Layer], forge: &[(usize, usize, i64)]) -> Net {
    let mut cs = ConstraintSystem::new();
    let cfg = MacConfig::configure(&mut cs, 1, SHIFT, BITS);
    let io = cs.advice_column();
    cs.enable_equality(io);
    let mut b = MacBuilder::new(&cs, cfg.clone(), K).unwrap();
    let mut ops: Vec<Operand> = vec![];
    for (i, &v) in x.iter().enumerate() {
        b.assign(io, i, fr(v)).unwrap();
        let (q, _) = b.range_check(Operand { value: v, cell: Some(Cell { column: io, row: i }) }).unwrap();
        ops.push(q);
    }
    let mut outputs = vec![];
    for (l, layer) in layers.iter().enumerate() {
        let accs = layer.forward(&ops.iter().map(|o| o.value).collect::<Vec<_>>());
        let (mut q, mut y) = b.project_conv(&layer.geometry(), &layer.w, &layer.b, &ops).unwrap();
        for &(_, j, delta) in forge.iter().filter(|f| f.0 == l) {
            let row = q[j].cell.unwrap().row;
            let acc = accs[j] + delta;
            let (nq, nr) = floor_rescale(acc, SHIFT);
            b.assign(cfg.acc, row, fr(acc)).unwrap();
            b.assign(cfg.q, row, fr(nq)).unwrap();
            b.assign(cfg.r, row, fr(nr)).unwrap();
            b.assign(cfg.y, row, relu_of(fr(nq))).unwrap();
            q[j].value = nq;
            y[j].value = nq.max(0);
        }
        outputs = q.iter().map(|o| o.value).collect();
        ops = if l + 1 < layers.len() { y } else { q };
    }
    cs.conv_projections = b.take_conv_projections();
    let (circuit, witness) = b.finish();
    Net { cs, circuit, witness, io, cfg, outputs }
}

fn setup(n: &Net, rng: &mut TestRng) -> (CpuBackend, Srs, ProvingKey) {
    let be = CpuBackend::new();
    let srs = common::dev_srs(K, rng);
    let pk = keygen(&be, &srs, n.cs.clone(), &n.circuit).unwrap();
    (be, srs, pk)
}

fn unchecked(be: &CpuBackend, pk: &ProvingKey, w: &Witness, rng: &mut TestRng) -> Proof {
    prove_with_options(be, pk, w, &[], rng, ProveOptions { check_witness: false }).unwrap()
}

/// e_(l,j) = y_j − (T_W·x + b)_j per layer, read from a witness (through the direct product).
fn errors(cs: &ConstraintSystem, w: &Witness) -> Vec<Vec<Fr>> {
    let at = |c: &Cell| w.advice[c.column.index].get(c.row).copied().unwrap_or(Fr::zero());
    cs.conv_projections
        .iter()
        .map(|p| {
            let x: Vec<Fr> = p.inputs.iter().map(at).collect();
            p.outputs.iter().zip(p.apply(&x)).map(|(y, e)| at(y) - e).collect()
        })
        .collect()
}

#[test]
fn a_strided_padded_grouped_then_depthwise_network_proves_on_the_raw_inputs() {
    let mut rng = TestRng::for_test("plonk_conv_projection::proves");
    let (x, ls) = (inputs(), layers());
    let n = net(&x, &ls, &[]);
    // The independent forward pass: floor-rescale, ReLU between the layers.
    let h: Vec<i64> = ls[0].forward(&x).iter().map(|a| a.div_euclid(1 << SHIFT).max(0)).collect();
    let out: Vec<i64> = ls[1].forward(&h).iter().map(|a| a.div_euclid(1 << SHIFT)).collect();
    assert_eq!(n.outputs, out);
    assert!(out.iter().any(|v| *v != 0) && h.iter().any(|v| *v != 0));
    // Rows: one per input (range check) and one per output; no MAC rows; the conv reads the
    // range-checked input cells themselves (no copies into lanes).
    assert_eq!(n.circuit.fixed[n.cfg.q_mac.index].iter().filter(|v| !v.is_zero()).count(), 0);
    assert_eq!(n.circuit.fixed[n.cfg.q_out.index].iter().filter(|v| !v.is_zero()).count(), 40 + 24 + 16);
    assert!(n.cs.conv_projections[0].inputs.iter().enumerate().all(|(i, c)| *c == Cell { column: n.cfg.q, row: i }));
    assert_eq!(n.circuit.copies.len(), 40, "only the inputs' range-check copies");
    assert!(check_witness(&n.cs, &n.circuit, &n.witness, &[], 10).unwrap().is_empty());
    assert!(errors(&n.cs, &n.witness).iter().flatten().all(|e| e.is_zero()));

    let (be, _, pk) = setup(&n, &mut rng);
    let proof = prove(&be, &pk, &n.witness, &[], &mut rng).unwrap();
    verify(&pk.vk, &proof, &[]).unwrap();
    let vk2 = VerifyingKey::from_bytes(&pk.vk.to_bytes()).unwrap();
    assert_eq!(vk2, pk.vk);
    verify(&vk2, &Proof::from_bytes(&proof.to_bytes()).unwrap(), &[]).unwrap();
    let pk2 = ProvingKey::from_bytes(&pk.to_bytes(), &be).unwrap();
    verify(&pk.vk, &prove(&be, &pk2, &n.witness, &[], &mut rng).unwrap(), &[]).unwrap();
}

#[test]
fn the_structured_coefficients_are_the_projection_on_the_global_index() {
    // Σ_a Σ_row c_a[row]·a[row] − T = Σ_g ρ^g·e_g for a witness with errors everywhere.
    let mut rng = TestRng::for_test("plonk_conv_projection::coefficients");
    let n = net(&inputs(), &layers(), &[]);
    let mut w = n.witness.clone();
    for c in w.advice.iter_mut() {
        for v in c.iter_mut().filter(|v| !v.is_zero()) {
            *v += Fr::from(u64::from(rng.next_u32() % 5));
        }
    }
    let rho = Fr::rand(&mut rng);
    let co = coefficients_of(&n.cs, rho);
    let lhs: Fr = co.columns.iter().zip(&co.by_row).map(|(c, rows)| rows.iter().map(|(&r, k)| *k * w.advice[c.index][r]).sum::<Fr>()).sum::<Fr>() - co.total;
    let e: Vec<Fr> = errors(&n.cs, &w).into_iter().flatten().collect();
    assert_eq!(e.len(), 24 + 16);
    let rhs: Fr = e.iter().enumerate().map(|(g, e)| rho.pow([g as u64]) * e).sum();
    assert_eq!(lhs, rhs);
    assert!(e.iter().filter(|e| !e.is_zero()).count() > 10);
}

#[test]
fn one_wrong_output_with_its_rescale_and_the_next_layer_recomputed_is_rejected() {
    let mut rng = TestRng::for_test("plonk_conv_projection::wrong_output");
    let (x, ls) = (inputs(), layers());
    let honest = net(&x, &ls, &[]);
    let (be, _, pk) = setup(&honest, &mut rng);
    // Layer 1's output 7 (channel 1, position (0, 1)) larger by 2^s + 3.
    let forged = net(&x, &ls, &[(0, 7, 19)]);
    assert_eq!(forged.circuit, honest.circuit);
    assert_eq!(forged.cs, honest.cs);
    assert_ne!(forged.outputs, honest.outputs, "the forgery reaches the outputs");
    assert_eq!(
        check_witness(&honest.cs, &honest.circuit, &forged.witness, &[], 10).unwrap(),
        vec![Failure::Projection { projection: "conv_projection_0".into(), output: 7 }]
    );
    let err = prove(&be, &pk, &forged.witness, &[], &mut rng).unwrap_err().to_string();
    assert!(err.contains("does not satisfy"), "{err}");
    assert!(verify(&pk.vk, &unchecked(&be, &pk, &forged.witness, &mut rng), &[]).is_err());
}

#[test]
fn two_conv_layers_whose_errors_cancel_under_a_per_layer_restart_are_rejected() {
    let mut rng = TestRng::for_test("plonk_conv_projection::cancel");
    let (x, ls) = (inputs(), layers());
    let honest = net(&x, &ls, &[]);
    let (be, _, pk) = setup(&honest, &mut rng);
    // +δ at layer 1's output (o, p) = (0, 0) (its ReLU'd value feeds layer 2, which is
    // recomputed), and at layer 2's output (0, 0) the accumulator is moved by −e_1 so that
    // e_1 + e_2 = 0: under r = α^o·β^p restarting per layer both get r = 1.
    let probe = net(&x, &ls, &[(0, 0, 16)]);
    let e1 = errors(&honest.cs, &probe.witness)[0][0];
    assert_eq!(e1, fr(16));
    let e2_before = errors(&honest.cs, &probe.witness)[1][0];
    let mut d2 = 0i64;
    while fr(d2) + e2_before != -e1 {
        d2 -= 1;
        assert!(d2 > -1000);
    }
    let forged = net(&x, &ls, &[(0, 0, 16), (1, 0, d2)]);
    let e = errors(&honest.cs, &forged.witness);
    assert_eq!(e[0][0] + e[1][0], Fr::zero());
    assert!(!e[0][0].is_zero());
    assert_eq!(e.iter().flatten().filter(|e| !e.is_zero()).count(), 2, "{e:?}");
    let rho = Fr::rand(&mut rng);
    let restart: Fr = e.iter().map(|l| l.iter().enumerate().map(|(j, e)| rho.pow([j as u64]) * e).sum::<Fr>()).sum();
    assert!(restart.is_zero());
    let global: Fr = e.iter().flatten().enumerate().map(|(g, e)| rho.pow([g as u64]) * e).sum();
    assert!(!global.is_zero());
    assert!(verify(&pk.vk, &unchecked(&be, &pk, &forged.witness, &mut rng), &[]).is_err());
}

#[test]
fn a_changed_input_cell_is_rejected() {
    let mut rng = TestRng::for_test("plonk_conv_projection::input");
    let n = net(&inputs(), &layers(), &[]);
    let (be, _, pk) = setup(&n, &mut rng);
    // Input 6 changed in its io cell and its whole range-check row; the outputs kept.
    let mut w = n.witness.clone();
    let row = 6;
    let v = fr(inputs()[row] + 3);
    w.advice[n.io.index][row] = v;
    w.advice[n.cfg.acc.index][row] = v * Fr::from(1u64 << SHIFT);
    w.advice[n.cfg.q.index][row] = v;
    w.advice[n.cfg.y.index][row] = relu_of(v);
    let failures = check_witness(&n.cs, &n.circuit, &w, &[], 50).unwrap();
    assert!(!failures.is_empty() && failures.iter().all(|f| matches!(f, Failure::Projection { projection, .. } if projection == "conv_projection_0")), "{failures:?}");
    assert!(verify(&pk.vk, &unchecked(&be, &pk, &w, &mut rng), &[]).is_err());
}

#[test]
fn a_bias_changed_in_the_provers_view_or_weights_and_geometry_in_the_key_are_rejected() {
    let mut rng = TestRng::for_test("plonk_conv_projection::bias");
    let (x, ls) = (inputs(), layers());
    let honest = net(&x, &ls, &[]);
    let (be, srs, pk) = setup(&honest, &mut rng);
    let mut f = ls.clone();
    f[1].b[2] += 21;
    let forged = net(&x, &f, &[]);
    // The prover computes T (and φ, the quotient) with the changed bias; the verifier takes T
    // from its key.
    let forged_cs = forged.cs.clone();
    let mut hooks = Hooks { projection_total: Some(Box::new(move |ch, total: &mut Fr| *total = coefficients_of(&forged_cs, ch.rho).total)), ..Hooks::default() };
    assert!(verify(&pk.vk, &prove_malicious(&be, &pk, &forged.witness, &[], &mut rng, &mut hooks).unwrap(), &[]).is_err());
    let honest_cs = honest.cs.clone();
    let mut same = Hooks { projection_total: Some(Box::new(move |ch, total: &mut Fr| *total = coefficients_of(&honest_cs, ch.rho).total)), ..Hooks::default() };
    verify(&pk.vk, &prove_malicious(&be, &pk, &honest.witness, &[], &mut rng, &mut same).unwrap(), &[]).unwrap();
    // The key binds b, W and the geometry.
    let honest_proof = prove(&be, &pk, &honest.witness, &[], &mut rng).unwrap();
    let changes: Vec<(&str, Box<dyn Fn(&mut ConvProjection)>)> = vec![
        ("bias", Box::new(|p| p.bias[0] += Fr::one())),
        ("weight", Box::new(|p| p.weights[5] += Fr::one())),
        ("stride", Box::new(|p| p.strides[1] = 2)),
        ("padding", Box::new(|p| p.pads_begin[0] = 0)),
        ("input cells", Box::new(|p| p.inputs.swap(0, 1))),
    ];
    for (what, change) in changes {
        let mut cs = honest.cs.clone();
        change(&mut cs.conv_projections[0]);
        let Ok(pk2) = keygen(&be, &srs, cs, &honest.circuit) else {
            assert!(what == "stride" || what == "padding", "{what}");
            continue;
        };
        assert_ne!(pk2.vk.digest(), pk.vk.digest(), "{what}");
        assert!(verify(&pk2.vk, &honest_proof, &[]).is_err(), "{what}");
    }
}

#[test]
fn the_challenge_follows_every_commitment() {
    let mut rng = TestRng::for_test("plonk_conv_projection::order");
    let n = net(&inputs(), &layers(), &[]);
    let (be, _, pk) = setup(&n, &mut rng);
    let proof = prove(&be, &pk, &n.witness, &[], &mut rng).unwrap();
    let other = prove(&be, &pk, &n.witness, &[], &mut rng).unwrap();
    let ch = derive_challenges(&pk.vk, &proof, &[]);
    // x and y of both layers live in the advice columns: each is absorbed before ρ.
    for j in 0..proof.advice_commitments.len() {
        let mut p = proof.clone();
        p.advice_commitments[j] = other.advice_commitments[j];
        assert_ne!(derive_challenges(&pk.vk, &p, &[]).rho, ch.rho, "advice column {j}");
    }
    let mut p = proof.clone();
    p.projection_phi_commitments[0] = other.projection_phi_commitments[0];
    let c2 = derive_challenges(&pk.vk, &p, &[]);
    assert_eq!(c2.rho, ch.rho);
    assert_ne!(c2.alpha, ch.alpha);
    assert!(verify(&pk.vk, &p, &[]).is_err());
    // A key of the version before (no convolutions, or weights as Fr) is refused by name.
    let old = zkaccel::plonk::keys::KEY_VERSION - 1;
    let mut bytes = pk.vk.to_bytes();
    bytes[4..8].copy_from_slice(&old.to_le_bytes());
    let err = VerifyingKey::from_bytes(&bytes).unwrap_err().to_string();
    assert!(err.contains("version") && err.contains(&old.to_string()), "{err}");
}
