//! Nonlinearities by lookup table in the circuit (one table per function and scale): outputs
//! equal the quantized model, within the error bound of tract, every constraint holds; an output
//! changed by one unit fails its table lookup.

mod common;

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
