#!/usr/bin/env python3
"""Regenerates the operator test models of issue 18's second part (deterministic, seeded), built
with onnx.helper through make_cnn.py's Builder:

    python3 -m venv host/onnx/.venv && host/onnx/.venv/bin/pip install onnx numpy
    host/onnx/.venv/bin/python host/onnx/examples/make_ops.py

Writes, next to this script:
  activations2.onnx     HardSwish, Gelu (exact and tanh), Erf, Exp, Log (of Relu + 0.25) and Sqrt
                        (of Relu) after Gemms, opset 20; activations2_input.json
  domain_ops.onnx       Log, Sqrt and Exp straight on the input (their domain and range errors);
                        domain_ops_input.json (positive values)
  select_ops.onnx       ReduceMax (axes 2,3, keepdims 1), ReduceMin (axis 1, keepdims 0), ArgMax
                        (axis 3, keepdims 0), ArgMin (axis 1, keepdims 1) of the input, opset 13,
                        four outputs; select_ops_input.json
  div_softmax.onnx      Div by a constant, Softmax (axis -1) and LogSoftmax (axis 1) after a
                        Gemm, Div of two computed tensors (denominator Relu(Gemm) + 0.5,
                        broadcast over a [2,1] column), opset 13, three outputs;
                        div_softmax_input.json
  div_by_zero.onnx      input / Relu(input), [1,4]: a divisor of 0 wherever the input is <= 0
  shape_fold.onnx       Shape, ConstantOfShape (0.5), Concat of constants and Expand of a
                        computed [2,3] to [4,2,3] (folded at import but the Expand: a selection);
                        shape_fold_input.json
  conv_transpose.onnx   ConvTranspose 2->4 (3x3, pads 1,0,0,1, dilations 1,2, bias), Relu,
                        ConvTranspose 4->4 (2x2, group 2): [1,2,5,5] -> [1,4,7,9];
                        conv_transpose_input.json
  conv_transpose_strided.onnx  ConvTranspose 2->4 (3x3, strides 2,2, output_padding 1,0, pads
                        1,0,0,1, bias), Relu, ConvTranspose 4->2 (2x2, group 2, strides 1,2,
                        output_padding 0,1, pads 0,1,0,0): [1,2,3,3] -> [1,2,8,12]; and from
                        the input reshaped to [1,2,9], a 1-D ConvTranspose 2->2 (k 3, stride 3,
                        dilation 2, output_padding 2, pads 2,1) -> [1,2,28]; two outputs, its
                        own seed (the other files do not change); conv_transpose_strided_input.json
  unsupported_hardmax.onnx  Gemm then Hardmax in a node named "probabilities": the unsupported-
                        operator example of the tests (Softmax, the old one, is supported now)
"""
import numpy as np
from onnx import TensorProto, helper, numpy_helper

import make_cnn
from make_cnn import Builder, init, save, write_input


def activations2(rng):
    b = Builder(rng)
    b.inits += [init("quarter", 0.25)]
    h = b.gemm("input", "fc1", 16, 8)
    outs = [
        b.op("HardSwish", [h], "hard_swish"),
        b.op("Gelu", [h], "gelu"),
        b.op("Gelu", [h], "gelu_tanh", approximate="tanh"),
        b.op("Erf", [h], "erf"),
        b.op("Exp", [h], "exp"),
    ]
    r = b.op("Relu", [h], "relu")
    outs.append(b.op("Sqrt", [r], "sqrt"))
    outs.append(b.op("Log", [b.op("Add", [r, "quarter"], "plus_quarter")], "log"))
    b.op("Concat", outs, "concat", axis=1)
    return b.graph(None, "activations2", [1, 16], [1, 8 * len(outs)])


def domain_ops(rng):
    b = Builder(rng)
    outs = [b.op(op, ["input"], op.lower()) for op in ["Log", "Sqrt", "Exp"]]
    b.op("Concat", outs, "concat", axis=1)
    return b.graph(None, "domain_ops", [1, 4], [1, 12])


def multi_output(b, name, in_shape, outs):
    """A graph with several outputs: outs = [(value, shape, elem_type)]."""
    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, in_shape)
    outputs = [helper.make_tensor_value_info(v, t, shp) for v, shp, t in outs]
    return make_cnn.make_model(helper.make_graph(b.nodes, name, [inp], outputs, initializer=b.inits))


def select_ops(rng):
    b = Builder(rng)
    mx = b.op("ReduceMax", ["input"], "reduce_max", axes=[2, 3], keepdims=1)
    mn = b.op("ReduceMin", ["input"], "reduce_min", axes=[1], keepdims=0)
    am = b.op("ArgMax", ["input"], "arg_max", axis=3, keepdims=0)
    an = b.op("ArgMin", ["input"], "arg_min", axis=1, keepdims=1)
    f, i = TensorProto.FLOAT, TensorProto.INT64
    return multi_output(b, "select_ops", [1, 3, 4, 5],
                        [(mx, [1, 3, 1, 1], f), (mn, [1, 4, 5], f), (am, [1, 3, 4], i), (an, [1, 1, 4, 5], i)])


def div_softmax(rng):
    b = Builder(rng)
    b.inits += [init("four", 4.0), init("half", 0.5)]
    h = b.gemm("input", "fc1", 6, 6)
    d = b.op("Div", [h, "four"], "div_const")
    sm = b.op("Softmax", [d], "softmax", axis=-1)
    ls = b.op("LogSoftmax", [h], "log_softmax", axis=1)
    g = b.gemm("input", "fc2", 6, 1)
    den = b.op("Add", [b.op("Relu", [g], "relu"), "half"], "den")
    q = b.op("Div", [h, den], "div")
    f = TensorProto.FLOAT
    return multi_output(b, "div_softmax", [2, 6], [(sm, [2, 6], f), (ls, [2, 6], f), (q, [2, 6], f)])


def div_by_zero(rng):
    b = Builder(rng)
    b.op("Div", ["input", b.op("Relu", ["input"], "relu")], "div")
    return b.graph(None, "div_by_zero", [1, 4], [1, 4])


def shape_fold(rng):
    b = Builder(rng)
    b.inits += [numpy_helper.from_array(np.array([4], dtype=np.int64), "four")]
    s = b.op("Shape", ["input"], "shape")
    z = b.op("ConstantOfShape", [s], "half", value=helper.make_tensor("value", TensorProto.FLOAT, [1], [0.5]))
    y = b.op("Add", ["input", z], "add")
    t = b.op("Concat", ["four", s], "target", axis=0)
    e = b.op("Expand", [y, t], "expand")
    b.op("Relu", [e], "relu")
    return b.graph(None, "shape_fold", [2, 3], [4, 2, 3])


def conv_transpose(rng):
    b = Builder(rng)
    b.inits += [init("ct1.weight", rng.normal(0.0, 0.4, size=(2, 4, 3, 3))), init("ct1.bias", rng.normal(0.0, 0.1, size=(4,))),
                init("ct2.weight", rng.normal(0.0, 0.4, size=(4, 2, 2, 2)))]
    h = b.op("ConvTranspose", ["input", "ct1.weight", "ct1.bias"], "ct1", pads=[1, 0, 0, 1], dilations=[1, 2])
    h = b.op("Relu", [h], "relu")
    b.op("ConvTranspose", [h, "ct2.weight"], "ct2", group=2)
    return b.graph(None, "conv_transpose", [1, 2, 5, 5], [1, 4, 7, 9])


def conv_transpose_strided(rng):
    b = Builder(rng)
    b.inits += [init("ct1.weight", rng.normal(0.0, 0.4, size=(2, 4, 3, 3))), init("ct1.bias", rng.normal(0.0, 0.1, size=(4,))),
                init("ct2.weight", rng.normal(0.0, 0.4, size=(4, 1, 2, 2))),
                init("ct3.weight", rng.normal(0.0, 0.4, size=(2, 2, 3))), init("ct3.bias", rng.normal(0.0, 0.1, size=(2,))),
                numpy_helper.from_array(np.array([1, 2, 9], dtype=np.int64), "shape_1d")]
    h = b.op("ConvTranspose", ["input", "ct1.weight", "ct1.bias"], "ct1", strides=[2, 2], output_padding=[1, 0], pads=[1, 0, 0, 1])
    h = b.op("Relu", [h], "relu")
    y2 = b.op("ConvTranspose", [h, "ct2.weight"], "ct2", group=2, strides=[1, 2], output_padding=[0, 1], pads=[0, 1, 0, 0])
    r = b.op("Reshape", ["input", "shape_1d"], "reshape_1d")
    y1 = b.op("ConvTranspose", [r, "ct3.weight", "ct3.bias"], "ct3", strides=[3], dilations=[2], output_padding=[2], pads=[2, 1])
    f = TensorProto.FLOAT
    return multi_output(b, "conv_transpose_strided", [1, 2, 3, 3], [(y2, [1, 2, 8, 12], f), (y1, [1, 2, 28], f)])


def unsupported_hardmax(rng):
    b = Builder(rng)
    h = b.gemm("input", "fc", 4, 3)
    b.nodes.append(helper.make_node("Hardmax", [h], ["output"], name="probabilities", axis=-1))
    return b.graph(None, "unsupported_hardmax", [1, 4], [1, 3])


def main():
    rng = np.random.default_rng(20261207)
    make_cnn.OPSET = 20  # Gelu is opset 20
    save(activations2(rng), "activations2.onnx")
    write_input("activations2_input.json", [rng.uniform(-1.5, 1.5, size=(1, 16))])
    save(domain_ops(rng), "domain_ops.onnx")
    write_input("domain_ops_input.json", [rng.uniform(0.1, 1.5, size=(1, 4))])
    make_cnn.OPSET = 13
    save(select_ops(rng), "select_ops.onnx")
    x = rng.uniform(-1.0, 1.0, size=(1, 3, 4, 5))
    x[0, 1, 2, 3] = x[0, 1, 2, 1] = x[0, 1, 2].max() + 0.25  # a tie for ArgMax: the first index wins
    write_input("select_ops_input.json", [x])
    save(div_softmax(rng), "div_softmax.onnx")
    write_input("div_softmax_input.json", [rng.uniform(-1.0, 1.0, size=(2, 6))])
    save(div_by_zero(rng), "div_by_zero.onnx")
    save(shape_fold(rng), "shape_fold.onnx")
    write_input("shape_fold_input.json", [rng.uniform(-1.0, 1.0, size=(2, 3))])
    save(unsupported_hardmax(rng), "unsupported_hardmax.onnx")
    save(conv_transpose(rng), "conv_transpose.onnx")
    write_input("conv_transpose_input.json", [rng.uniform(-1.0, 1.0, size=(1, 2, 5, 5))])
    rng = np.random.default_rng(20261218)  # its own seed: the files above stay as they were
    save(conv_transpose_strided(rng), "conv_transpose_strided.onnx")
    write_input("conv_transpose_strided_input.json", [rng.uniform(-1.0, 1.0, size=(1, 2, 3, 3))])


if __name__ == "__main__":
    main()
