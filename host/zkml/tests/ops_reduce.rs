//! ReduceSum (MAC rows, exact sums), ReduceMean and Mean (the sum-and-divide gadget), Sum (MAC
//! rows, n operands with broadcasting and a constant) in the circuit: outputs equal the quantized
//! model, within the error bound of tract, every constraint holds.

use crate::common;

use common::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use zkaccel::plonk::dev::check_witness;
use zkaccel_onnx::{Tensor, Visibility};
use zkaccel_zkml::pipeline;

#[test]
fn reduce_ops_match_quantized_model_and_tract() {
    let model = "reduce_ops.onnx";
    let g = load(model);
    let mut rng = ChaCha20Rng::seed_from_u64(21);
    for (i, lanes) in [None, Some(1), Some(3)].into_iter().enumerate() {
        let x = if i == 0 {
            input("reduce_ops_input.json", &g)
        } else {
            vec![Tensor::new(vec![1, 3, 4, 5], (0..60).map(|_| rng.gen_range(-1.0..1.0)).collect()).unwrap()]
        };
        let scales = (rng.gen_range(4..10), rng.gen_range(4..10));
        let s = settings(&g, scales, (Visibility::Private, Visibility::Public, Visibility::Fixed), std::slice::from_ref(&x));
        let c = compile(model, &s, lanes);
        let (w, run) = pipeline::gen_witness(&c, &data_of(&x)).unwrap();
        let circuit = pipeline::circuit_for_witness(&c, &w).unwrap();
        assert_eq!(circuit.outputs[0].data, run.outputs[0].data);
        let q = s.quantize(&g).unwrap();
        let tract = g.tract_reference(&x).unwrap();
        let bound = q.error_bound(&x).unwrap();
        let sc = run.output_scales[0];
        for ((&v, &f), &e) in run.outputs[0].data.iter().zip(&tract[0].data).zip(&bound[0].data) {
            let y = v as f64 / (sc as f64).exp2();
            assert!((y - f).abs() <= e + TRACT_F32_TOL, "|{y} − {f}| > {e}");
        }
        let f = check_witness(&circuit.cs, &circuit.fixed, &circuit.witness, &circuit.instances, 5).unwrap();
        assert!(f.is_empty(), "{scales:?} {lanes:?}: {f:?}");
        assert_eq!(circuit.rows_used, c.plan.mac_rows);
    }
}

/// ReduceMax, ReduceMin (the max gadget), ArgMax and ArgMin (the arg gadget) of one input with a
/// tie: outputs equal the quantized model and tract's within the bound (the index bound is 0
/// where the maximum leads by more than the errors), every constraint holds; the tie goes to
/// the first index, and a claim of the later tied index, or of a non-maximal element, fails the
/// `arg_bound` lookup.
#[test]
fn reduce_max_min_and_arg_max_min_are_proven() {
    use zkaccel::plonk::dev::Failure;
    use zkaccel::plonk::mac::signed_to_fr;
    let model = "select_ops.onnx";
    let g = load(model);
    let x = input("select_ops_input.json", &g);
    let vis = (Visibility::Private, Visibility::Public, Visibility::Fixed);
    for (scales, lanes) in [((7, 7), None), ((10, 8), Some(2))] {
        let (circuit, run, _) = checked_model_circuit(model, &x, scales, vis, lanes);
        let xq: Vec<i64> = (x[0].data.iter().map(|v| (v * (scales.0 as f64).exp2()).round() as i64)).collect();
        // The integer rules, recomputed: ReduceMax over (2, 3); ArgMax along axis 3 with the
        // tie of the input file at [0, 1, 2, 1] and [0, 1, 2, 3] going to index 1.
        for c in 0..3 {
            assert_eq!(run.outputs[0].data[c], *xq[c * 20..(c + 1) * 20].iter().max().unwrap());
        }
        assert_eq!(run.outputs[2].data[4 + 2], 1);
        for (gi, &got) in run.outputs[2].data.iter().enumerate() {
            let row = &xq[gi * 5..gi * 5 + 5];
            let m = *row.iter().max().unwrap();
            assert_eq!(got, row.iter().position(|&v| v == m).unwrap() as i64);
        }
        // Tamper with the ArgMax group of the tie (the arg gadget's rows 30 … 34; ArgMax comes
        // first): claim index 3 (e = 1, 1, 1, 0, 0): only the lookup on row 31 (a tied element
        // before the claimed index, not strictly smaller) fails, besides the output's copy.
        let adv = lookup_advice(&circuit.cs, "arg_bound"); // [m, x, e]
        let (m_col, x_col, e_col) = (adv[0], adv[1], adv[2]);
        let c_col = e_col + 1;
        let mut wit = circuit.witness.clone();
        for (j, (e, c)) in [(1u64, 1u64), (1, 2), (1, 3), (0, 3), (0, 3)].into_iter().enumerate() {
            wit.advice[e_col][30 + j] = zkaccel::Fr::from(e);
            wit.advice[c_col][30 + j] = zkaccel::Fr::from(c);
        }
        let f = check_witness(&circuit.cs, &circuit.fixed, &wit, &circuit.instances, 50).unwrap();
        assert!(f.contains(&Failure::Lookup { lookup: "arg_bound".into(), row: 31 }), "{f:?}");
        assert!(!f.iter().any(|f| matches!(f, Failure::Gate { .. })), "{f:?}");
        // Group 0 (rows 0 … 4): claim each other index with m set to its element (the gates
        // then hold): the lookup fails on some row of the group.
        let true_i = run.outputs[2].data[0] as usize;
        let vals: Vec<i64> = xq[0..5].to_vec();
        for claim in (0..5).filter(|&j| j != true_i && vals[j] != vals[true_i]) {
            let mut wit = circuit.witness.clone();
            for j in 0..5 {
                wit.advice[m_col][j] = signed_to_fr(vals[claim]);
                wit.advice[e_col][j] = zkaccel::Fr::from((j < claim) as u64);
                wit.advice[c_col][j] = zkaccel::Fr::from(j.min(claim) as u64 + (j < claim) as u64);
            }
            let f = check_witness(&circuit.cs, &circuit.fixed, &wit, &circuit.instances, 50).unwrap();
            assert!(f.iter().any(|f| matches!(f, Failure::Lookup { lookup, row } if lookup == "arg_bound" && *row < 5)), "claim {claim}: {f:?}");
            assert!(!f.iter().any(|f| matches!(f, Failure::Gate { .. })), "claim {claim}: {f:?}");
        }
        let _ = x_col;
    }
}
