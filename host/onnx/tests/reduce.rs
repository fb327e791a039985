//! ReduceSum, ReduceMean, Sum and Mean: shapes, f64 evaluation against tract, the quantized model
//! within the error bound of tract, and the integer rule (exact sums; means ⌊Σ / d⌋) recomputed
//! from the model's own intermediate values.

use crate::common;

use common::{load, random_sample, TRACT_F32_TOL};
use rand::Rng;
use zkaccel_onnx::{InputData, Op, QuantizedModel};
use zkaccel_testkit::seed::TestRng;

#[test]
fn reduce_ops_import_with_resolved_axes() {
    let g = load("reduce_ops.onnx");
    let node = |name: &str| g.nodes.iter().find(|n| n.name == name).unwrap_or_else(|| panic!("no node {name}"));
    assert_eq!(node("reduce_sum").op, Op::ReduceSum { axes: vec![2, 3], keepdims: true });
    assert_eq!(node("reduce_sum").output_shape, [1, 3, 1, 1]);
    assert_eq!(node("reduce_mean_c").output_shape, [1, 1, 4, 5]);
    assert_eq!(node("reduce_mean_w").op, Op::ReduceMean { axes: vec![3], keepdims: false });
    assert_eq!(node("reduce_mean_w").output_shape, [1, 3, 4]);
    assert_eq!(node("sum5").inputs.len(), 5);
    assert_eq!(node("sum5").output_shape, [1, 3, 4, 5]);
}

#[test]
fn reduce_ops_quantized_within_bound_of_tract_and_integer_rule() {
    let g = load("reduce_ops.onnx");
    let mut rng = TestRng::for_test("reduce_ops_quantized_within_bound_of_tract_and_integer_rule");
    for i in 0..6 {
        let x = if i == 0 {
            InputData::load(common::example("reduce_ops_input.json")).unwrap().to_tensors(&g).unwrap()
        } else {
            random_sample(&g, &mut rng, -1.0, 1.0)
        };
        let (s, p) = (rng.gen_range(3..12), rng.gen_range(3..12));
        let q = QuantizedModel::new(g.clone(), s, p).unwrap();
        let run = q.run(&x).unwrap();
        let tract = g.tract_reference(&x).unwrap();
        let exact = g.eval_f64(&x).unwrap();
        let bound = q.error_bound(&x).unwrap();
        for (((&v, &t), &e), &b) in run.dequantized_outputs()[0].data.iter().zip(&tract[0].data).zip(&exact[0].data).zip(&bound[0].data) {
            assert!((t - e).abs() <= TRACT_F32_TOL);
            assert!((v - e).abs() <= b * (1.0 + 1e-9), "{v} vs {e}: bound {b}");
            assert!((v - t).abs() <= b + TRACT_F32_TOL);
        }
        // The integer rule on the model's own values.
        let val = |n: &str| &run.values[n];
        let (xin, r) = (val("input"), val("relu_out"));
        let rs = val("reduce_sum_out");
        for c in 0..3 {
            assert_eq!(rs.data[c], r.data[c * 20..(c + 1) * 20].iter().sum::<i64>());
        }
        let z = val("reduce_mean_c_out");
        for j in 0..20 {
            assert_eq!(z.data[j], (xin.data[j] + xin.data[20 + j] + xin.data[40 + j]).div_euclid(3));
        }
        let m = val("mean3_out");
        for e in 0..60 {
            assert_eq!(m.data[e], (xin.data[e] + r.data[e] + z.data[e % 20]).div_euclid(3));
        }
        let a = val("add_out");
        let y = &run.outputs[0];
        for o in 0..12 {
            assert_eq!(y.data[o], a.data[o * 5..(o + 1) * 5].iter().sum::<i64>().div_euclid(5));
        }
    }
}
