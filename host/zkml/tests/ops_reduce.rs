//! ReduceSum (MAC rows, exact sums), ReduceMean and Mean (the sum-and-divide gadget), Sum (MAC
//! rows, n operands with broadcasting and a constant) in the circuit: outputs equal the quantized
//! model, within the error bound of tract, every constraint holds.

mod common;

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
