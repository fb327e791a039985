//! Nonlinearities by lookup table in the circuit (one table per function and scale): outputs
//! equal the quantized model, within the error bound of tract, every constraint holds; an output
//! changed by one unit fails its table lookup.

use crate::common;

use common::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use zkaccel::plonk::dev::{check_witness, Failure};
use zkaccel_onnx::{Tensor, Visibility};
use zkaccel_zkml::pipeline;

#[test]
fn activations_match_quantized_model_and_tract() {
    let model = "activations.onnx";
    let g = load(model);
    let mut rng = ChaCha20Rng::seed_from_u64(23);
    for (i, lanes) in [None, Some(3)].into_iter().enumerate() {
        let x = if i == 0 {
            input("activations_input.json", &g)
        } else {
            vec![Tensor::new(vec![1, 16], (0..16).map(|_| rng.gen_range(-2.0..2.0)).collect()).unwrap()]
        };
        let scales = (rng.gen_range(6..10), rng.gen_range(6..10));
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
        assert!(f.is_empty(), "{f:?}");
        // Six distinct functions at one scale: six tables.
        assert_eq!(circuit.cs.lookups.iter().filter(|l| l.name.starts_with("lut_")).count(), 6);
        if i == 0 {
            // The first table's y column (declared x, y per table; lut_0 reads them): y + 1 on
            // row 0 breaks lut_0 there (and the copies of the cell into its readers).
            let lk = circuit.cs.lookups.iter().find(|l| l.name == "lut_0").unwrap();
            let mut adv = vec![];
            collect_advice(&lk.inputs[1], &mut adv);
            let mut wit = circuit.witness.clone();
            wit.advice[adv[0]][0] += zkaccel::Fr::from(1u64);
            let f = check_witness(&circuit.cs, &circuit.fixed, &wit, &circuit.instances, 50).unwrap();
            assert!(f.contains(&Failure::Lookup { lookup: "lut_0".into(), row: 0 }), "{f:?}");
        }
    }
}

fn collect_advice(e: &zkaccel::plonk::Expression, out: &mut Vec<usize>) {
    use zkaccel::plonk::{ColumnKind, Expression as E};
    match e {
        E::Query(q) if q.column.kind == ColumnKind::Advice => out.push(q.column.index),
        E::Negated(a) | E::Scaled(a, _) => collect_advice(a, out),
        E::Sum(a, b) | E::Product(a, b) => {
            collect_advice(a, out);
            collect_advice(b, out);
        }
        _ => {}
    }
}

/// The gadget columns of lookup `name`'s first advice input (x) and, for a partial table, the
/// advice column of its third input (y).
fn lut_advice(circuit: &zkaccel_zkml::circuit::ModelCircuit, name: &str) -> Vec<usize> {
    let lk = circuit.cs.lookups.iter().find(|l| l.name == name).unwrap();
    let mut adv = vec![];
    for e in &lk.inputs {
        collect_advice(e, &mut adv);
    }
    adv
}

#[test]
fn hardswish_gelu_erf_exp_log_sqrt_match_quantized_model_and_tract() {
    let model = "activations2.onnx";
    let g = load(model);
    let x = input("activations2_input.json", &g);
    for (scales, lanes) in [((8, 8), None), ((10, 9), Some(2))] {
        let s = settings(&g, scales, (Visibility::Private, Visibility::Public, Visibility::Fixed), std::slice::from_ref(&x));
        let c = compile(model, &s, lanes);
        let (w, run) = pipeline::gen_witness(&c, &data_of(&x)).unwrap();
        let circuit = pipeline::circuit_for_witness(&c, &w).unwrap();
        assert_eq!(circuit.outputs[0].data, run.outputs[0].data);
        let q = s.quantize(&g).unwrap();
        let tract = g.tract_reference(&x).unwrap();
        let bound = q.error_bound(&x).unwrap();
        let sc = run.output_scales[0];
        for (i, ((&v, &f), &e)) in run.outputs[0].data.iter().zip(&tract[0].data).zip(&bound[0].data).enumerate() {
            let y = v as f64 / (sc as f64).exp2();
            // The bound is finite (Log's input stays ≥ 0.25) and small beside the value (Exp's grows with it).
            assert!(e < 0.05 * f.abs().max(1.0), "element {i}: bound {e}");
            assert!((y - f).abs() <= e + TRACT_F32_TOL, "element {i}: |{y} − {f}| > {e}");
        }
        let f = check_witness(&circuit.cs, &circuit.fixed, &circuit.witness, &circuit.instances, 5).unwrap();
        assert!(f.is_empty(), "{f:?}");
        // Seven functions at one scale: seven tables; Exp, Sqrt and Log (tables 4–6, in node
        // order) are partial: three-column lookups.
        let luts: Vec<_> = circuit.cs.lookups.iter().filter(|l| l.name.starts_with("lut_")).collect();
        assert_eq!(luts.len(), 7);
        assert_eq!(luts.iter().map(|l| l.inputs.len()).collect::<Vec<_>>(), vec![2, 2, 2, 2, 3, 3, 3]);
        // Every table: its output + 1 on its first row breaks its lookup.
        for t in 0..7 {
            let name = format!("lut_{t}");
            let adv = lut_advice(&circuit, &name);
            let mut wit = circuit.witness.clone();
            wit.advice[*adv.last().unwrap()][0] += zkaccel::Fr::from(1u64);
            let f = check_witness(&circuit.cs, &circuit.fixed, &wit, &circuit.instances, 50).unwrap();
            assert!(f.contains(&Failure::Lookup { lookup: name.clone(), row: 0 }), "{name}: {f:?}");
        }
    }
}

#[test]
fn log_sqrt_exp_domains_are_proven_and_named() {
    let model = "domain_ops.onnx";
    let g = load(model);
    let x = input("domain_ops_input.json", &g);
    let s = settings(&g, (8, 8), (Visibility::Public, Visibility::Public, Visibility::Fixed), std::slice::from_ref(&x));
    let c = compile(model, &s, None);
    let (w, run) = pipeline::gen_witness(&c, &data_of(&x)).unwrap();
    let circuit = pipeline::circuit_for_witness(&c, &w).unwrap();
    assert_eq!(circuit.outputs[0].data, run.outputs[0].data);
    let f = check_witness(&circuit.cs, &circuit.fixed, &circuit.witness, &circuit.instances, 5).unwrap();
    assert!(f.is_empty(), "{f:?}");

    // Domain errors are named: Log of 0 and of a negative value, Sqrt of a negative value.
    let with = |v: f64, at: usize| {
        let mut y = x.clone();
        y[0].data[at] = v;
        match pipeline::gen_witness(&c, &data_of(&y)) {
            Err(e) => e.to_string(),
            Ok((w, _)) => pipeline::circuit_for_witness(&c, &w).err().map(|e| e.to_string()).unwrap_or_default(),
        }
    };
    assert!(with(0.0, 1).contains("Log of a non-positive value"), "{}", with(0.0, 1));
    assert!(with(-0.5, 2).contains("Log of a non-positive value"), "{}", with(-0.5, 2));
    // Exp of a value whose output leaves the b-bit range: outside its table.
    let bits = c.settings.lookup_bits;
    let too_big = ((bits - 1) as f64 - 8.0) * std::f64::consts::LN_2 + 0.1;
    let e = with(too_big, 3);
    assert!(e.contains("Exp") && e.contains("outside its table"), "{e}");

    // The circuit proves the domain: a selected Log row moved to x = 0 (its y set to 0, the
    // unselected rows' entry) or to x = −1 with y = f_q(1) misses the table.
    let log = "lut_0";
    let adv = lut_advice(&circuit, log);
    let (xc, yc) = (adv[0], *adv.last().unwrap());
    for (xv, yv) in [(0i64, 0i64), (-1, 0), (-256, 0)] {
        let mut wit = circuit.witness.clone();
        wit.advice[xc][0] = zkaccel::plonk::mac::signed_to_fr(xv);
        wit.advice[yc][0] = zkaccel::plonk::mac::signed_to_fr(yv);
        let f = check_witness(&circuit.cs, &circuit.fixed, &wit, &circuit.instances, 50).unwrap();
        assert!(f.contains(&Failure::Lookup { lookup: log.into(), row: 0 }), "x = {xv}: {f:?}");
    }
}
