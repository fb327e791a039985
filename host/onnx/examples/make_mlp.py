#!/usr/bin/env python3
"""Regenerates the bundled ONNX models and sample inputs of zkaccel-onnx (deterministic, seeded).

    python3 -m venv host/onnx/.venv && host/onnx/.venv/bin/pip install onnx numpy
    host/onnx/.venv/bin/python host/onnx/examples/make_mlp.py

Writes, next to this script:
  mlp_784_128_10.onnx   Flatten -> Gemm(784->128) -> Relu -> Gemm(128->10), input [1,1,28,28]
  mlp_input.json        one sample input in ezkl's input.json format
  tiny_4_8_3.onnx       Gemm(4->8) -> Relu -> Gemm(8->3), input [1,4] (fast tests)
  tiny_input.json       one sample input for it
  ops_mix.onnx          every supported operator once: Reshape, Transpose, Identity, Flatten,
                        MatMul, Add, Sub, Mul (by a constant), Relu, Gemm(transA, alpha, beta)
  ops_mix_input.json    one sample input for it
  unsupported_softmax.onnx   tiny model ending in a Softmax node named "probabilities" (the
                             unsupported-op example until Softmax was supported; now
                             unsupported_hardmax.onnx of make_ops.py is)
  tiny_truncated.onnx   the first half of tiny_4_8_3.onnx's bytes (a malformed file)
  tiny_nan_weight.onnx  tiny_4_8_3 with one NaN in the first weight matrix
  mlp_calibration.json  8 samples for the MLP back to back (ezkl's calibration-data layout)
  act_matmul.onnx       a MatMul of two computed values, a Constant node and a Transpose of a
                        constant (folded at import); act_matmul_input.json
  mul_two_activations.onnx   Mul of two computed values (node "square_ish"; proven by the
                        product gadget since issue 18)
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
    return path


def make_model(graph):
    model = helper.make_model(graph, producer_name="zkaccel make_mlp.py",
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


def mlp_graph(rng, sizes, input_shape, flatten, name):
    """Gemm/Relu stack with He-style weights; Gemm weights stored [out, in] with transB=1."""
    nodes, inits = [], []
    x = "input"
    if flatten:
        nodes.append(helper.make_node("Flatten", [x], ["flat"], name="flatten", axis=1))
        x = "flat"
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        w = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in)).astype(np.float32)
        b = rng.normal(0.0, 0.05, size=(n_out,)).astype(np.float32)
        inits += [init(f"fc{i + 1}.weight", w), init(f"fc{i + 1}.bias", b)]
        last = i == len(sizes) - 2
        y = "output" if last else f"fc{i + 1}_out"
        nodes.append(helper.make_node("Gemm", [x, f"fc{i + 1}.weight", f"fc{i + 1}.bias"], [y],
                                      name=f"fc{i + 1}", transB=1))
        if not last:
            nodes.append(helper.make_node("Relu", [y], [f"relu{i + 1}_out"], name=f"relu{i + 1}"))
            y = f"relu{i + 1}_out"
        x = y
    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, input_shape)
    out = helper.make_tensor_value_info("output", TensorProto.FLOAT, [input_shape[0], sizes[-1]])
    return helper.make_graph(nodes, name, [inp], [out], initializer=inits)


def digit_like(rng):
    """A deterministic 28x28 'stroke' image in [0, 1], MNIST-like (mostly zeros)."""
    img = np.zeros((28, 28), dtype=np.float32)
    for t in np.linspace(0.0, 1.0, 60):
        r = int(6 + 16 * t)
        c = int(14 + 7 * np.sin(3.0 * t))
        img[max(r - 1, 0):r + 2, max(c - 1, 0):c + 2] = 1.0
    img += rng.uniform(0.0, 0.1, size=img.shape).astype(np.float32) * (img == 0)
    return np.clip(img, 0.0, 1.0).reshape(1, 1, 28, 28)


def main():
    rng = np.random.default_rng(20261125)

    # The bundled example MLP, 784-128-10.
    mlp = make_model(mlp_graph(rng, [784, 128, 10], [1, 1, 28, 28], True, "mlp_784_128_10"))
    save(mlp, "mlp_784_128_10.onnx")
    write_input("mlp_input.json", [digit_like(rng)])

    # A tiny MLP, 4-8-3, for fast tests.
    tiny = make_model(mlp_graph(rng, [4, 8, 3], [1, 4], False, "tiny_4_8_3"))
    tiny_path = save(tiny, "tiny_4_8_3.onnx")
    write_input("tiny_input.json", [rng.uniform(-1.0, 1.0, size=(1, 4))])

    # Every supported operator once.
    inits = [
        numpy_helper.from_array(np.array([2, 3], dtype=np.int64), "shape_2x3"),
        numpy_helper.from_array(np.array([1, 6], dtype=np.int64), "shape_1x6"),
        init("mm.weight", rng.normal(0.0, 0.5, size=(6, 5))),
        init("add.bias", rng.normal(0.0, 0.2, size=(5,))),
        init("sub.offset", rng.normal(0.0, 0.2, size=(1, 5))),
        init("mul.gain", rng.uniform(0.5, 1.5, size=(5,))),
        init("gemm.weight", rng.normal(0.0, 0.5, size=(5, 4))),
        init("gemm.bias", rng.normal(0.0, 0.2, size=(1, 4))),
    ]
    nodes = [
        helper.make_node("Reshape", ["input", "shape_2x3"], ["r1"], name="reshape_2x3"),
        helper.make_node("Transpose", ["r1"], ["t1"], name="transpose", perm=[1, 0]),
        helper.make_node("Identity", ["t1"], ["i1"], name="identity"),
        helper.make_node("Reshape", ["i1", "shape_1x6"], ["r2"], name="reshape_1x6"),
        helper.make_node("Flatten", ["r2"], ["f1"], name="flatten", axis=1),
        helper.make_node("MatMul", ["f1", "mm.weight"], ["m1"], name="matmul"),
        helper.make_node("Add", ["m1", "add.bias"], ["a1"], name="add_bias"),
        helper.make_node("Sub", ["a1", "sub.offset"], ["s1"], name="sub_offset"),
        helper.make_node("Mul", ["mul.gain", "s1"], ["g1"], name="mul_gain"),
        helper.make_node("Relu", ["g1"], ["h1"], name="relu"),
        helper.make_node("Add", ["h1", "s1"], ["h2"], name="add_residual"),
        # transA on a [1,5] activation needs it as [5,1]: transpose first, then Gemm(transA=1).
        helper.make_node("Transpose", ["h2"], ["h2t"], name="transpose_for_gemm", perm=[1, 0]),
        helper.make_node("Gemm", ["h2t", "gemm.weight", "gemm.bias"], ["output"], name="gemm",
                         transA=1, alpha=0.75, beta=0.5),
    ]
    graph = helper.make_graph(
        nodes, "ops_mix",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 6])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 4])],
        initializer=inits)
    save(make_model(graph), "ops_mix.onnx")
    write_input("ops_mix_input.json", [rng.uniform(-1.0, 1.0, size=(1, 6))])

    # An unsupported operator.
    bad = mlp_graph(rng, [4, 3], [1, 4], False, "unsupported_softmax")
    bad.node[-1].output[0] = "logits"
    bad.node.append(helper.make_node("Softmax", ["logits"], ["output"], name="probabilities", axis=1))
    save(make_model(bad), "unsupported_softmax.onnx")

    # A truncated file.
    with open(tiny_path, "rb") as f:
        data = f.read()
    path = os.path.join(HERE, "tiny_truncated.onnx")
    with open(path, "wb") as f:
        f.write(data[: len(data) // 2])
    print(f"wrote {path}")

    # A NaN weight.
    nan = onnx.load(tiny_path)
    w = numpy_helper.to_array(nan.graph.initializer[0]).copy()
    w[1, 2] = np.nan
    nan.graph.initializer[0].CopyFrom(numpy_helper.from_array(w, nan.graph.initializer[0].name))
    save(nan, "tiny_nan_weight.onnx")

    # Calibration data for the MLP: 8 varied strokes, from their own generator so that the
    # artefacts above do not change when this list does.
    crng = np.random.default_rng(7)
    samples = []
    for _ in range(8):
        img = np.zeros((28, 28), dtype=np.float32)
        a, f, ph = crng.uniform(3, 9), crng.uniform(1.5, 4.0), crng.uniform(0, np.pi)
        for t in np.linspace(0.0, 1.0, 80):
            r = int(4 + 20 * t)
            c = int(np.clip(14 + a * np.sin(f * t + ph), 1, 26))
            img[max(r - 1, 0):r + 2, c - 1:c + 2] = crng.uniform(0.7, 1.0)
        img += crng.uniform(0.0, 0.1, size=img.shape).astype(np.float32) * (img == 0)
        samples.append(np.clip(img, 0.0, 1.0))
    write_input("mlp_calibration.json", [np.concatenate([s.ravel() for s in samples])])

    # Activation x activation MatMul, a Constant node, and a constant Transpose (folded).
    arng = np.random.default_rng(11)
    w_t = arng.normal(0.0, 0.5, size=(6, 4)).astype(np.float32)  # stored transposed
    nodes = [
        helper.make_node("Constant", [], ["w_t"], name="weight_const",
                         value=numpy_helper.from_array(w_t, "w_t")),
        helper.make_node("Transpose", ["w_t"], ["w"], name="weight_transpose", perm=[1, 0]),
        helper.make_node("MatMul", ["input", "w"], ["z"], name="project"),
        helper.make_node("Reshape", ["z", "shape_2x3"], ["za"], name="as_2x3"),
        helper.make_node("Reshape", ["z", "shape_3x2"], ["zb"], name="as_3x2"),
        helper.make_node("MatMul", ["za", "zb"], ["p"], name="act_times_act"),
        helper.make_node("Flatten", ["p"], ["output"], name="flatten", axis=0),
    ]
    graph = helper.make_graph(
        nodes, "act_matmul",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 4])],
        initializer=[numpy_helper.from_array(np.array([2, 3], dtype=np.int64), "shape_2x3"),
                     numpy_helper.from_array(np.array([3, -1], dtype=np.int64), "shape_3x2")])
    save(make_model(graph), "act_matmul.onnx")
    write_input("act_matmul_input.json", [arng.uniform(-1.0, 1.0, size=(1, 4))])

    nodes = [
        helper.make_node("Relu", ["input"], ["r"], name="relu"),
        helper.make_node("Mul", ["input", "r"], ["output"], name="square_ish"),
    ]
    graph = helper.make_graph(
        nodes, "mul_two_activations",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 4])])
    save(make_model(graph), "mul_two_activations.onnx")


if __name__ == "__main__":
    main()
