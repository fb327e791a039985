#!/usr/bin/env python3
"""A test model from a real exporter (not onnx.helper): scikit-learn's MLPClassifier converted by
skl2onnx, as a scikit-learn user would export it.

    host/onnx/examples/install_exporters.sh
    host/onnx/.venv/bin/python host/onnx/examples/make_sklearn.py

Writes, next to this script:
  sklearn_mlp.onnx        MLPClassifier(hidden_layer_sizes=(16, 8), relu) on 8 features and 3
                          classes, trained on a seeded synthetic set; skl2onnx 1.20 with
                          options zipmap=False (so the probabilities are a tensor, not a map) and
                          target_opset 13. Its graph, as skl2onnx writes it: Cast, MatMul, Add,
                          Relu, MatMul, Add, Relu, MatMul, Add, Softmax, Identity -> probabilities;
                          ArgMax, ArrayFeatureExtractor (ai.onnx.ml, the class labels 0, 1, 2),
                          Reshape, Cast -> label
  sklearn_mlp_input.json  two test rows
"""
import json
import os
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from skl2onnx import to_onnx

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    rng = np.random.default_rng(20261208)
    x = rng.normal(size=(300, 8)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64) + (x[:, 2] - x[:, 3] > 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(hidden_layer_sizes=(16, 8), max_iter=200, random_state=0).fit(x, y)
    model = to_onnx(clf, x[:1], options={id(clf): {"zipmap": False}}, target_opset=13)
    # A fixed batch of 2 (zkaccel proves static shapes), as the converter's dims are symbolic.
    for vi in list(model.graph.input) + list(model.graph.output):
        dims = vi.type.tensor_type.shape.dim
        if dims and not dims[0].dim_value:
            dims[0].dim_value = 2
    model.producer_name += " (zkaccel make_sklearn.py: batch fixed to 2)"
    path = os.path.join(HERE, "sklearn_mlp.onnx")
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    print(f"wrote {path} ({os.path.getsize(path)} bytes): {[n.op_type for n in model.graph.node]}")
    rows = rng.normal(size=(2, 8)).astype(np.float32)
    with open(os.path.join(HERE, "sklearn_mlp_input.json"), "w") as f:
        json.dump({"input_data": [[float(v) for v in rows.ravel()]]}, f)
        f.write("\n")
    print("sklearn accuracy on its training set:", clf.score(x, y), "probabilities:", clf.predict_proba(rows))


if __name__ == "__main__":
    main()
