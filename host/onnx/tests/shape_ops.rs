//! Slice, Split, Gather (constant indices), Squeeze, Unsqueeze, Concat: shapes, every value
//! against tract (the integer model moves values, so the error bound is the input's), and the
//! selected elements recomputed by index arithmetic written here.

use crate::common;

use common::{load, random_sample, TRACT_F32_TOL};
use rand::Rng;
use zkaccel_onnx::{InputData, QuantizedModel};
use zkaccel_testkit::seed::TestRng;

#[test]
fn shape_ops_select_the_right_elements() {
    let g = load("shape_ops.onnx");
    let node = |name: &str| g.nodes.iter().find(|n| n.name == name).unwrap_or_else(|| panic!("no node {name}"));
    assert_eq!(node("slice").output_shape, [1, 2, 4, 3]);
    assert_eq!(node("slice_neg").output_shape, [1, 3, 2, 6]);
    assert_eq!(node("split:0").output_shape, [1, 3, 4, 2]);
    assert_eq!(node("split:1").output_shape, [1, 3, 4, 4]);
    assert_eq!(node("gather").output_shape, [1, 3, 2, 2, 6]);
    assert_eq!(node("unsqueeze").output_shape, [1, 1, 2, 4, 3]);
    assert_eq!(node("squeeze").output_shape, [1, 2, 4, 3]);
    assert_eq!(g.outputs[0].shape, [1, 204]);
    let mut rng = TestRng::for_test("shape_ops_select_the_right_elements");
    for i in 0..4 {
        let x = if i == 0 {
            InputData::load(common::example("shape_ops_input.json")).unwrap().to_tensors(&g).unwrap()
        } else {
            random_sample(&g, &mut rng, -1.0, 1.0)
        };
        let s = rng.gen_range(3..12);
        let q = QuantizedModel::new(g.clone(), s, 6).unwrap();
        let run = q.run(&x).unwrap();
        let tract = g.tract_reference(&x).unwrap();
        let bound = q.error_bound(&x).unwrap();
        for ((&v, &t), &b) in run.dequantized_outputs()[0].data.iter().zip(&tract[0].data).zip(&bound[0].data) {
            assert!((v - t).abs() <= b + TRACT_F32_TOL, "{v} vs {t}");
        }
        let xin = &run.values["input"].data; // [1,3,4,6]
        let at = |c: usize, h: usize, w: usize| xin[(c * 4 + h) * 6 + w];
        let relu = |v: i64| v.max(0);
        let v = |n: &str| &run.values[n].data;
        // slice: channels 1..3, every second column of relu.
        let want: Vec<i64> = (1..3).flat_map(|c| (0..4).flat_map(move |h| (0..6).step_by(2).map(move |w| (c, h, w)))).map(|(c, h, w)| relu(at(c, h, w))).collect();
        assert_eq!(v("squeeze_out"), &want);
        // slice_neg: rows 3 and 1 (start −1, step −2).
        let want: Vec<i64> = (0..3).flat_map(|c| [3, 1].into_iter().flat_map(move |h| (0..6).map(move |w| (c, h, w)))).map(|(c, h, w)| at(c, h, w)).collect();
        assert_eq!(v("slice_neg_out"), &want);
        // gather rows [[2, 0], [1, 1]] of relu along axis 2.
        let want: Vec<i64> = (0..3).flat_map(|c| [2, 0, 1, 1].into_iter().flat_map(move |h| (0..6).map(move |w| (c, h, w)))).map(|(c, h, w)| relu(at(c, h, w))).collect();
        assert_eq!(v("gather_out"), &want);
        // concat(part_b, part_a) along the last axis: columns 2..6 then 0..2, plus the input.
        let want: Vec<i64> = (0..3).flat_map(|c| (0..4).flat_map(move |h| [2, 3, 4, 5, 0, 1].into_iter().map(move |w| (c, h, w)))).map(|(c, h, w)| at(c, h, w)).collect();
        let add: Vec<i64> = want.iter().zip(xin).map(|(a, b)| a + b).collect();
        assert_eq!(v("add_out"), &add);
    }
}
