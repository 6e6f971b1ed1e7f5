#!/usr/bin/python3
"""mlp_onnx.py — an ONNX file of a float MLP from the .npy files `q2mlp bench --npy-out DIR` writes
(DIR/w<l>.npy (n_out, n_in), DIR/b<l>.npy (n_out,), float32): Gemm(transB=1) + Relu per hidden
layer, input "x" (batch, n_in) float32 with a symbolic batch, output "logits" (batch, n_classes).

Only for the peer benchmark until `q2mlp export --onnx` exists (issue 15); the weights come from
q2mlp itself, so the .mlp format has no second reader here.

usage: mlp_onnx.py NPY_DIR OUT.onnx"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13


def main(npy_dir, out):
    nodes, inits, x = [], [], "x"
    n_layers = 0
    while os.path.exists(os.path.join(npy_dir, "w%d.npy" % n_layers)):
        n_layers += 1
    if not n_layers:
        sys.exit("mlp_onnx.py: %s holds no w0.npy" % npy_dir)
    for l in range(n_layers):
        w = np.load(os.path.join(npy_dir, "w%d.npy" % l)).astype(np.float32)
        b = np.load(os.path.join(npy_dir, "b%d.npy" % l)).astype(np.float32)
        inits += [numpy_helper.from_array(w, "w%d" % l), numpy_helper.from_array(b, "b%d" % l)]
        y = "logits" if l == n_layers - 1 else "h%d" % l
        g = y if l == n_layers - 1 else "g%d" % l
        nodes.append(helper.make_node("Gemm", [x, "w%d" % l, "b%d" % l], [g], transB=1, name="fc%d" % l))
        if l < n_layers - 1:
            nodes.append(helper.make_node("Relu", [g], [y], name="relu%d" % l))
        x = y
        if l == 0:
            n_in = w.shape[1]
        n_out = w.shape[0]
    graph = helper.make_graph(
        nodes, "q2mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", n_in])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", n_out])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="q2mlp sw/bench/mlp_onnx.py")
    onnx.checker.check_model(model)
    tmp = out + ".tmp"
    onnx.save(model, tmp)
    os.replace(tmp, out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[-1])
    main(sys.argv[1], sys.argv[2])
