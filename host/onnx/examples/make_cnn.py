#!/usr/bin/env python3
"""Regenerates the bundled convolutional models of zkaccel-onnx (deterministic, seeded), built
with onnx.helper like make_mlp.py:

    python3 -m venv host/onnx/.venv && host/onnx/.venv/bin/pip install onnx numpy
    host/onnx/.venv/bin/python host/onnx/examples/make_cnn.py

Writes, next to this script:
  cnn_small_28.onnx     the bundled CNN proven in `cargo test -p zkaccel-zkml`: LeNet-style for
                        [1,1,28,28] inputs with fewer channels (see below), 113 k MACs
  lenet5_28.onnx        LeNet-5 proper (6 and 16 channels, 120-84-10), 417 k MACs, for
                        benches/ezkl and scripts
  cnn_input.json        one digit-like 28x28 image (shared by both)
  cnn_calibration.json  8 such images back to back
  conv2d_ops.onnx       every Conv/pool feature once: stride, asymmetric pads, dilation, group,
                        depthwise-separable block (depthwise 3x3 + pointwise 1x1), residual Add,
                        BatchNormalization folded into Conv and Gemm and one standalone (lowered),
                        MaxPool with pads, AveragePool with count_include_pad 0 and 1,
                        GlobalAveragePool, GlobalMaxPool, broadcast Add of two computed tensors
  conv2d_ops_input.json one random input
  conv1d_ops.onnx       1-D Conv (stride, pads, dilation, group, auto_pad SAME_UPPER), MaxPool
                        and AveragePool in 1-D; conv1d_ops_input.json
  conv_act_weight.onnx  a Conv whose weight is a computed value (rejected, node "dyn_conv")
  reduce_ops.onnx       ReduceSum (axes input), ReduceMean (axes attribute, keepdims 0 and 1),
                        Sum of four operands with broadcasting and a constant, Mean of three;
                        reduce_ops_input.json
  shape_ops.onnx        Slice (axes, negative steps, clamped ends), Split (sizes), Gather
                        (constant 2-D indices), Unsqueeze, Squeeze, Concat (of computed values,
                        then Relu); shape_ops_input.json
  pad_ops.onnx          Pad constant (0.5, asymmetric), edge and reflect around a Conv;
                        pad_ops_input.json
  activations.onnx      Clip(0, 6) (ReLU6 as torch exports it), Clip(0.5, 2), LeakyRelu(0.1),
                        Sigmoid, Tanh, HardSigmoid after Gemms; activations_input.json

cnn_small_28:  Conv(1->4, 5x5) Relu MaxPool(2) Conv(4->8, 5x5) Relu MaxPool(2) Flatten
               Gemm(128->32) Relu Gemm(32->10)
lenet5_28:     Conv(1->6, 5x5, pad 2) Relu MaxPool(2) Conv(6->16, 5x5) Relu MaxPool(2) Flatten
               Gemm(400->120) Relu Gemm(120->84) Relu Gemm(84->10)
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 13
IR_VERSION = 8


def save(model, name):
    onnx.checker.check_model(model)
    path = os.path.join(HERE, name)
    onnx.save(model, path)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def make_model(graph):
    model = helper.make_model(graph, producer_name="zkaccel make_cnn.py",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    return model


def write_input(name, arrays):
    path = os.path.join(HERE, name)
    data = {"input_data": [[float(v) for v in np.asarray(a, dtype=np.float32).ravel()] for a in arrays]}
    with open(path, "w") as f:
        json.dump(data, f)
        f.write("\n")
    print(f"wrote {path}")


def init(name, array):
    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


def digit_like(rng, shift=0):
    """A deterministic 28x28 'stroke' image in [0, 1], MNIST-like (as in make_mlp.py)."""
    img = np.zeros((28, 28), dtype=np.float32)
    for t in np.linspace(0.0, 1.0, 60):
        r = int(6 + 16 * t)
        c = int(14 + shift + 7 * np.sin(3.0 * t + 0.5 * shift))
        img[max(r - 1, 0):r + 2, max(c - 1, 0):min(c + 2, 28)] = 1.0
    img += rng.uniform(0.0, 0.1, size=img.shape).astype(np.float32) * (img == 0)
    return np.clip(img, 0.0, 1.0).reshape(1, 1, 28, 28)


class Builder:
    def __init__(self, rng):
        self.rng, self.nodes, self.inits = rng, [], []

    def conv(self, x, name, c_in, c_out, k, group=1, bias=True, **attrs):
        ks = k if isinstance(k, (list, tuple)) else [k, k]
        fan_in = c_in // group * int(np.prod(ks))
        w = self.rng.normal(0.0, np.sqrt(2.0 / fan_in), size=[c_out, c_in // group] + list(ks))
        ins = [x, f"{name}.weight"]
        self.inits.append(init(f"{name}.weight", w))
        if bias:
            self.inits.append(init(f"{name}.bias", self.rng.normal(0.0, 0.05, size=(c_out,))))
            ins.append(f"{name}.bias")
        self.nodes.append(helper.make_node("Conv", ins, [f"{name}_out"], name=name, group=group, **attrs))
        return f"{name}_out"

    def gemm(self, x, name, n_in, n_out):
        w = self.rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))
        self.inits += [init(f"{name}.weight", w), init(f"{name}.bias", self.rng.normal(0.0, 0.05, size=(n_out,)))]
        self.nodes.append(helper.make_node("Gemm", [x, f"{name}.weight", f"{name}.bias"], [f"{name}_out"],
                                           name=name, transB=1))
        return f"{name}_out"

    def bn(self, x, name, c):
        r = self.rng
        for p, v in [("scale", r.uniform(0.5, 1.5, c)), ("B", r.normal(0, 0.1, c)),
                     ("mean", r.normal(0, 0.1, c)), ("var", r.uniform(0.5, 1.5, c))]:
            self.inits.append(init(f"{name}.{p}", v))
        self.nodes.append(helper.make_node("BatchNormalization",
                                           [x] + [f"{name}.{p}" for p in ["scale", "B", "mean", "var"]],
                                           [f"{name}_out"], name=name, epsilon=1e-5))
        return f"{name}_out"

    def op(self, op_type, ins, name, **attrs):
        self.nodes.append(helper.make_node(op_type, ins, [f"{name}_out"], name=name, **attrs))
        return f"{name}_out"

    def graph(self, last, name, in_shape, out_shape):
        self.nodes[-1].output[0] = "output"
        inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, in_shape)
        out = helper.make_tensor_value_info("output", TensorProto.FLOAT, out_shape)
        return make_model(helper.make_graph(self.nodes, name, [inp], [out], initializer=self.inits))


def lenet(rng, c1, c2, fcs, pad1, name):
    # Every attribute written out, as torch.onnx.export does (ezkl requires the strides).
    b = Builder(rng)
    conv = dict(kernel_shape=[5, 5], strides=[1, 1], dilations=[1, 1])
    pool = dict(kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 0, 0])
    x = b.conv("input", "conv1", 1, c1, 5, pads=[pad1] * 4, **conv)
    x = b.op("Relu", [x], "relu1")
    x = b.op("MaxPool", [x], "pool1", **pool)
    x = b.conv(x, "conv2", c1, c2, 5, pads=[0] * 4, **conv)
    x = b.op("Relu", [x], "relu2")
    x = b.op("MaxPool", [x], "pool2", **pool)
    x = b.op("Flatten", [x], "flatten", axis=1)
    side = ((28 + 2 * pad1 - 4) // 2 - 4) // 2
    sizes = [c2 * side * side] + fcs
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        x = b.gemm(x, f"fc{i + 1}", n_in, n_out)
        if i + 2 < len(sizes):
            x = b.op("Relu", [x], f"relu_fc{i + 1}")
    return b.graph(x, name, [1, 1, 28, 28], [1, fcs[-1]])


def conv2d_ops(rng):
    b = Builder(rng)
    # [1,3,10,10] -> grouped, strided, dilated, asymmetrically padded conv -> [1,6,6,7]
    c1 = b.conv("input", "conv_g3", 3, 6, 3, group=3, strides=[2, 1], pads=[1, 0, 2, 1], dilations=[1, 2])
    c1 = b.bn(c1, "bn_conv_g3", 6)  # folded into conv_g3
    c1 = b.op("Relu", [c1], "relu1")
    # depthwise-separable block: depthwise 3x3 (group = channels) + BN + Relu, pointwise 1x1 + BN
    dw = b.conv(c1, "depthwise", 6, 6, 3, group=6, auto_pad=b"SAME_LOWER")
    dw = b.bn(dw, "bn_depthwise", 6)
    dw = b.op("Relu", [dw], "relu_dw")
    pw = b.conv(dw, "pointwise", 6, 6, 1, bias=False)
    pw = b.bn(pw, "bn_pointwise", 6)
    # residual connection
    res = b.op("Add", [pw, c1], "residual")
    res = b.op("Relu", [res], "relu_res")
    mp = b.op("MaxPool", [res], "maxpool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    ap = b.op("AveragePool", [res], "avgpool_incl", kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 1, 1],
              count_include_pad=1)
    ap2 = b.op("AveragePool", [res], "avgpool_excl", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    s = b.op("Add", [mp, ap], "add_pools")
    s = b.op("Sub", [s, ap2], "sub_pool")
    gap = b.op("GlobalAveragePool", [s], "gap")
    bc = b.op("Add", [s, gap], "add_broadcast")  # [1,6,3,4] + [1,6,1,1]
    bn = b.bn(bc, "bn_standalone", 6)  # after an Add: lowered to Mul + Add
    gmp = b.op("GlobalMaxPool", [bn], "gmp")
    flat = b.op("Flatten", [gmp], "flatten", axis=1)
    y = b.gemm(flat, "fc", 6, 4)
    b.bn(y, "bn_fc", 4)  # folded into fc
    return b.graph(None, "conv2d_ops", [1, 3, 10, 10], [1, 4])


def conv1d_ops(rng):
    b = Builder(rng)
    x = b.conv("input", "conv1d_a", 2, 4, [3], strides=[2], pads=[1, 1])  # [1,4,8]
    x = b.op("Relu", [x], "relu_a")
    x = b.conv(x, "conv1d_b", 4, 4, [3], group=2, dilations=[2], auto_pad=b"SAME_UPPER")  # [1,4,8]
    x = b.op("Relu", [x], "relu_b")
    x = b.op("MaxPool", [x], "maxpool1d", kernel_shape=[2], strides=[2])  # [1,4,4]
    x = b.op("AveragePool", [x], "avgpool1d", kernel_shape=[2], strides=[1])  # [1,4,3]
    x = b.op("Flatten", [x], "flatten", axis=1)
    b.gemm(x, "fc", 12, 3)
    return b.graph(None, "conv1d_ops", [1, 2, 16], [1, 3])


def conv_act_weight():
    nodes = [helper.make_node("Relu", ["input"], ["w"], name="make_weight"),
             helper.make_node("Conv", ["input", "w"], ["output"], name="dyn_conv")]
    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 3, 3])
    out = helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, 1, 1])
    return make_model(helper.make_graph(nodes, "conv_act_weight", [inp], [out]))


def reduce_ops(rng):
    b = Builder(rng)
    b.inits.append(numpy_helper.from_array(np.array([2, 3], dtype=np.int64), "axes_23"))
    b.inits.append(init("offset", rng.normal(0.0, 0.5, size=(5,))))
    r = b.op("Relu", ["input"], "relu")  # [1,3,4,5]
    rs = b.op("ReduceSum", [r, "axes_23"], "reduce_sum", keepdims=1)  # [1,3,1,1]
    z = b.op("ReduceMean", ["input"], "reduce_mean_c", axes=[1], keepdims=1)  # [1,1,4,5]
    s = b.op("Sum", ["input", r, rs, z, "offset"], "sum5")  # [1,3,4,5]
    m = b.op("Mean", ["input", r, z], "mean3")
    a = b.op("Add", [s, m], "add")
    y = b.op("ReduceMean", [a], "reduce_mean_w", axes=[-1], keepdims=0)  # [1,3,4]
    b.op("Flatten", [y], "flatten", axis=1)  # [1,12]
    return b.graph(None, "reduce_ops", [1, 3, 4, 5], [1, 12])


def shape_ops(rng):
    b = Builder(rng)
    i64 = lambda name, v: b.inits.append(numpy_helper.from_array(np.array(v, dtype=np.int64), name))
    i64("s_starts", [1, 0]); i64("s_ends", [3, 100]); i64("s_axes", [1, 3]); i64("s_steps", [1, 2])
    i64("n_starts", [-1]); i64("n_ends", [-5]); i64("n_axes", [2]); i64("n_steps", [-2])
    i64("split_sizes", [2, 4]); i64("gather_idx", [[2, 0], [1, 1]]); i64("axis0", [0])
    r = b.op("Relu", ["input"], "relu")  # [1,3,4,6]
    sl = b.op("Slice", [r, "s_starts", "s_ends", "s_axes", "s_steps"], "slice")  # [1,2,4,3]
    sl2 = b.op("Slice", ["input", "n_starts", "n_ends", "n_axes", "n_steps"], "slice_neg")  # [1,3,2,6]
    b.nodes.append(helper.make_node("Split", ["input", "split_sizes"], ["part_a", "part_b"], name="split", axis=3))
    g = b.op("Gather", [r, "gather_idx"], "gather", axis=2)  # [1,3,2,2,6]
    u = b.op("Unsqueeze", [sl, "axis0"], "unsqueeze")  # [1,1,2,4,3]
    sq = b.op("Squeeze", [u, "axis0"], "squeeze")  # [1,2,4,3]
    cc = b.op("Concat", ["part_b", "part_a"], "concat_parts", axis=3)  # [1,3,4,6]
    a = b.op("Add", [cc, "input"], "add")
    fl = [b.op("Flatten", [t], f"flat{i}", axis=1) for i, t in enumerate([sq, sl2, g, a])]
    c = b.op("Concat", fl, "concat_all", axis=1)  # [1, 24+36+72+72]
    b.op("Relu", [c], "relu_out")
    return b.graph(None, "shape_ops", [1, 3, 4, 6], [1, 204])


def activations(rng):
    b = Builder(rng)
    b.inits += [init("zero", 0.0), init("six", 6.0), init("half", 0.5), init("two", 2.0)]
    h1 = b.gemm("input", "fc1", 16, 12)
    a = b.op("Clip", [h1, "zero", "six"], "relu6")
    f = b.op("Clip", [h1, "half", "two"], "clip_half_two")
    h2 = b.gemm(a, "fc2", 12, 12)
    lk = b.op("LeakyRelu", [h2], "leaky", alpha=0.1)
    sg = b.op("Sigmoid", [lk], "sigmoid")
    th = b.op("Tanh", [h2], "tanh")
    hs = b.op("HardSigmoid", [th], "hard_sigmoid", alpha=0.25, beta=0.5)
    b.op("Concat", [sg, hs, f], "concat", axis=1)
    return b.graph(None, "activations", [1, 16], [1, 36])


def pad_ops(rng):
    b = Builder(rng)
    b.inits += [numpy_helper.from_array(np.array(v, dtype=np.int64), n) for n, v in
                [("pads_c", [0, 0, 1, 2, 0, 0, 2, 1]), ("pads_e", [0, 0, 1, 0, 0, 0, 0, 1]),
                 ("pads_r", [0, 0, 0, 2, 0, 0, 1, 0])]]
    b.inits.append(init("pad_value", 0.5))
    x = b.op("Pad", ["input", "pads_c", "pad_value"], "pad_const", mode=b"constant")  # [1,2,7,7]
    x = b.conv(x, "conv", 2, 3, 3)  # [1,3,5,5]
    x = b.op("Relu", [x], "relu")
    x = b.op("Pad", [x, "pads_e"], "pad_edge", mode=b"edge")  # [1,3,6,6]
    x = b.op("Pad", [x, "pads_r"], "pad_reflect", mode=b"reflect")  # [1,3,7,8]
    x = b.op("MaxPool", [x], "pool", kernel_shape=[2, 2], strides=[2, 2])  # [1,3,3,4]
    b.op("Flatten", [x], "flatten", axis=1)
    return b.graph(None, "pad_ops", [1, 2, 4, 4], [1, 36])


def main():
    rng = np.random.default_rng(20261206)
    save(lenet(rng, 4, 8, [32, 10], 0, "cnn_small_28"), "cnn_small_28.onnx")
    save(lenet(rng, 6, 16, [120, 84, 10], 2, "lenet5_28"), "lenet5_28.onnx")
    write_input("cnn_input.json", [digit_like(rng)])
    samples = np.concatenate([digit_like(rng, s).ravel() for s in range(-4, 4)])
    write_input("cnn_calibration.json", [samples])
    save(conv2d_ops(rng), "conv2d_ops.onnx")
    write_input("conv2d_ops_input.json", [rng.uniform(-1.0, 1.0, size=(1, 3, 10, 10))])
    save(conv1d_ops(rng), "conv1d_ops.onnx")
    write_input("conv1d_ops_input.json", [rng.uniform(-1.0, 1.0, size=(1, 2, 16))])
    save(conv_act_weight(), "conv_act_weight.onnx")
    save(reduce_ops(rng), "reduce_ops.onnx")
    write_input("reduce_ops_input.json", [rng.uniform(-1.0, 1.0, size=(1, 3, 4, 5))])
    save(shape_ops(rng), "shape_ops.onnx")
    write_input("shape_ops_input.json", [rng.uniform(-1.0, 1.0, size=(1, 3, 4, 6))])
    save(activations(rng), "activations.onnx")
    write_input("activations_input.json", [rng.uniform(-2.0, 2.0, size=(1, 16))])
    save(pad_ops(rng), "pad_ops.onnx")
    write_input("pad_ops_input.json", [rng.uniform(-1.0, 1.0, size=(1, 2, 4, 4))])


if __name__ == "__main__":
    main()
