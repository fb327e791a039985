#!/usr/bin/env bash
# Installs the Python exporters the example scripts use into host/onnx/.venv (ignored by git),
# never system-wide: onnx + numpy for make_mlp.py, make_cnn.py and make_ops.py (onnx.helper),
# scikit-learn + skl2onnx for make_sklearn.py (a model from a real exporter). Versions pinned to
# the ones that wrote the committed .onnx files.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/../.venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet onnx==1.23.2 numpy==2.4.6 scikit-learn==1.9.1 skl2onnx==1.20.0
echo "installed into $venv; run e.g. $venv/bin/python $here/make_sklearn.py"
