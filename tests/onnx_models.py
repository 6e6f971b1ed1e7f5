#!/usr/bin/python3
"""onnx_models.py — ONNX models for tests/t_onnx_cli.sh, made with onnx.helper (the system python's
python3-onnx), and a small NumPy evaluator of the graphs q2mlp accepts.

  onnx_models.py make DIR      writes DIR/good_<name>.onnx (each with DIR/good_<name>/w<l>.npy,
                               b<l>.npy: the same weights in PyTorch layout, for `q2mlp import
                               --dir`), DIR/bad_<name>.onnx and DIR/bad.txt: one line per bad model,
                               "<name>\t<regex the error message must match>"
  onnx_models.py check F...    onnx.checker.check_model(full_check=True) of each file
  onnx_models.py eval F.onnx IMAGES LABELS
                               run the graph (Flatten, Reshape, Gemm, MatMul, Add, Relu, Softmax)
                               in NumPy float32 on x = pixel / 255; prints correct=.. n=..
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(1)


def f32(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def vi(name, dims, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, dims)


def save(path, nodes, inits, inputs, outputs, opset=13, domain_opsets=()):
    g = helper.make_graph(nodes, "t", inputs, outputs, initializer=inits)
    ops = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in domain_opsets]
    m = helper.make_model(g, opset_imports=ops, producer_name="onnx_models.py")
    m.ir_version = 7 if opset >= 12 else 4 if opset <= 9 else 6
    onnx.save(m, path)


def save_npy(d, layers):
    """layers: [(w (n_out, n_in), b)]"""
    os.makedirs(d, exist_ok=True)
    for l, (w, b) in enumerate(layers):
        np.save(os.path.join(d, f"w{l}.npy"), np.ascontiguousarray(w, dtype=np.float32))
        np.save(os.path.join(d, f"b{l}.npy"), np.asarray(b, dtype=np.float32))


# ---- accepted models ---------------------------------------------------------------------------------
def keras_style(d, opset):
    """tf2onnx's Dense: MatMul (n_in, n_out) + Add, the bias first in the second Add; Softmax."""
    w0, b0, w1, b1 = f32(6, 4), f32(4), f32(4, 3), f32(3)
    inits = [numpy_helper.from_array(a, n) for a, n in ((w0, "k0"), (b0, "c0"), (w1, "k1"), (b1, "c1"))]
    nodes = [helper.make_node("MatMul", ["x", "k0"], ["m0"], name="dense/MatMul"),
             helper.make_node("Add", ["m0", "c0"], ["a0"], name="dense/BiasAdd"),
             helper.make_node("Relu", ["a0"], ["r0"], name="dense/Relu"),
             helper.make_node("MatMul", ["r0", "k1"], ["m1"], name="dense_1/MatMul"),
             helper.make_node("Add", ["c1", "m1"], ["a1"], name="dense_1/BiasAdd"),
             helper.make_node("Softmax", ["a1"], ["y"], name="dense_1/Softmax")]
    save(f"{d}/good_keras_op{opset}.onnx", nodes, inits, [vi("x", ["batch", 6])], [vi("y", ["batch", 3])], opset)
    save_npy(f"{d}/good_keras_op{opset}", [(w0.T, b0), (w1.T, b1)])


def reshape_style(d):
    """A (N, 2, 3) input, a Constant shape [-1, 6] into Reshape, Gemm transB = 0 with float_data
    weights, then a Gemm without a bias (C omitted)."""
    w0, b0, w1 = f32(6, 5), f32(5), f32(2, 5)
    t_w0 = helper.make_tensor("W0", TensorProto.FLOAT, [6, 5], w0.flatten().tolist())  # float_data
    inits = [t_w0, numpy_helper.from_array(b0, "B0"), numpy_helper.from_array(w1, "W1")]
    shape = numpy_helper.from_array(np.array([-1, 6], dtype=np.int64), "shape")
    nodes = [helper.make_node("Constant", [], ["s"], name="shape_const", value=shape),
             helper.make_node("Reshape", ["x", "s"], ["f"], name="reshape"),
             helper.make_node("Gemm", ["f", "W0", "B0"], ["g0"], name="fc0", transB=0),
             helper.make_node("Relu", ["g0"], ["r0"], name="relu0"),
             helper.make_node("Gemm", ["r0", "W1"], ["y"], name="fc1", transB=1)]
    save(f"{d}/good_reshape.onnx", nodes, inits, [vi("x", [1, 2, 3])], [vi("y", [1, 2])], 11)
    save_npy(f"{d}/good_reshape", [(w0.T, b0), (w1, np.zeros(2))])


def size0_style(d):
    """x.view(x.size(0), -1) as torch writes it at opset 11: Shape, Gather, Unsqueeze, Concat, Reshape."""
    w0, b0 = f32(4, 6), f32(4)
    inits = [numpy_helper.from_array(w0, "w0"), numpy_helper.from_array(b0, "b0"),
             numpy_helper.from_array(np.array(0, dtype=np.int64), "zero"),
             numpy_helper.from_array(np.array([-1], dtype=np.int64), "minus1")]
    nodes = [helper.make_node("Shape", ["x"], ["s"], name="shape"),
             helper.make_node("Gather", ["s", "zero"], ["n"], name="gather", axis=0),
             helper.make_node("Unsqueeze", ["n"], ["n1"], name="unsqueeze", axes=[0]),
             helper.make_node("Concat", ["n1", "minus1"], ["new"], name="concat", axis=0),
             helper.make_node("Reshape", ["x", "new"], ["f"], name="reshape"),
             helper.make_node("Gemm", ["f", "w0", "b0"], ["y"], name="fc0", transB=1)]
    save(f"{d}/good_size0.onnx", nodes, inits, [vi("x", ["N", 2, 3])], [vi("y", ["N", 4])], 11)
    save_npy(f"{d}/good_size0", [(w0, b0)])


def base_model(opset=13):
    """A Gemm - Relu - Gemm chain (6 -> 4 -> 3) to break in one place: nodes, inits, inputs, outputs."""
    inits = [numpy_helper.from_array(a, n) for a, n in ((f32(4, 6), "w0"), (f32(4), "b0"), (f32(3, 4), "w1"),
                                                        (f32(3), "b1"))]
    nodes = [helper.make_node("Gemm", ["x", "w0", "b0"], ["h"], name="fc0", transB=1),
             helper.make_node("Relu", ["h"], ["a"], name="act0"),
             helper.make_node("Gemm", ["a", "w1", "b1"], ["y"], name="fc1", transB=1)]
    return nodes, inits, [vi("x", ["N", 6])], [vi("y", ["N", 3])]


# ---- refused models: (name, edit of the base model, regex of the message) ------------------------------
def bad_models(d):
    out = []

    def bad(name, regex, edit, opset=13, domain_opsets=()):
        nodes, inits, ins, outs = base_model()
        edit(nodes, inits, ins, outs)
        save(f"{d}/bad_{name}.onnx", nodes, inits, ins, outs, opset, domain_opsets)
        out.append((name, regex))

    def op(k, new):
        def e(nodes, inits, ins, outs):
            n = nodes[k]
            nodes[k] = helper.make_node(new, list(n.input), list(n.output), name=n.name)
        return e

    def init_as(k, dtype):
        def e(nodes, inits, ins, outs):
            a = numpy_helper.to_array(inits[k]).astype(dtype)
            inits[k] = numpy_helper.from_array(a, inits[k].name)
        return e

    def external(nodes, inits, ins, outs):
        inits[0].data_location = TensorProto.EXTERNAL
        inits[0].ClearField("raw_data")
        e = inits[0].external_data.add()
        e.key, e.value = "location", "w0.bin"

    bad("sigmoid", r"node 'act0' \(Sigmoid\): activation Sigmoid is not supported, only Relu", op(1, "Sigmoid"))
    bad("tanh", r"node 'act0' \(Tanh\): activation Tanh is not supported, only Relu", op(1, "Tanh"))
    bad("conv", r"node 'fc0' \(Conv\): op Conv is not supported", op(0, "Conv"))
    bad("double", r"node 'fc0' \(Gemm\): initializer 'w0' is DOUBLE, need FLOAT", init_as(0, np.float64))
    bad("float16_bias", r"node 'fc1' \(Gemm\): initializer 'b1' is FLOAT16, need FLOAT", init_as(3, np.float16))
    bad("external", r"node 'fc0' \(Gemm\): initializer 'w0' is stored as external data", external)
    bad("dyn_feature", r"graph input 'x': dimension 1 is dynamic F",
        lambda n, i, ins, o: ins.__setitem__(0, vi("x", ["N", "F"])))
    bad("too_wide", r"graph input 'x': more than 4096 features",
        lambda n, i, ins, o: ins.__setitem__(0, vi("x", ["N", 4096, 4096, 4096, 4096, 4096, 4096, 4096])))
    bad("int_input", r"graph input 'x': INT64",
        lambda n, i, ins, o: ins.__setitem__(0, vi("x", ["N", 6], TensorProto.INT64)))
    bad("wrong_shape", r"node 'fc1' \(Gemm\): weight 'w1' does not fit",
        lambda n, inits, ins, o: inits.__setitem__(2, numpy_helper.from_array(f32(3, 5), "w1")))
    bad("broken_chain", r"node 'fc1' \(Gemm\): it does not take the output of the node before it",
        lambda nodes, i, ins, o: nodes.__setitem__(2, helper.make_node("Gemm", ["h", "w1", "b1"], ["y"], name="fc1",
                                                                       transB=1)))
    bad("relu_last", r"a Relu after the last layer",
        lambda nodes, i, ins, outs: (nodes.__setitem__(2, helper.make_node("Gemm", ["a", "w1", "b1"], ["z"],
                                                                           name="fc1", transB=1)),
                                     nodes.append(helper.make_node("Relu", ["z"], ["y"], name="act1"))))
    bad("two_relu", r"node 'act1' \(Relu\): it does not follow a layer",
        lambda nodes, i, ins, o: (nodes.insert(2, helper.make_node("Relu", ["a"], ["a2"], name="act1")),
                                  nodes.__setitem__(3, helper.make_node("Gemm", ["a2", "w1", "b1"], ["y"],
                                                                        name="fc1", transB=1))))
    bad("trans_a", r"node 'fc0' \(Gemm\): alpha and beta must be 1 and transA 0",
        lambda nodes, i, ins, o: nodes.__setitem__(0, helper.make_node("Gemm", ["x", "w0", "b0"], ["h"], name="fc0",
                                                                       transB=1, transA=1)))
    bad("beta", r"node 'fc0' \(Gemm\): alpha and beta must be 1",
        lambda nodes, i, ins, o: nodes.__setitem__(0, helper.make_node("Gemm", ["x", "w0", "b0"], ["h"], name="fc0",
                                                                       transB=1, beta=0.5)))
    bad("weight_input", r"the graph has two inputs, 'x' and 'w0'",
        lambda nodes, inits, ins, o: (inits.pop(0), ins.append(vi("w0", [4, 6]))))
    bad("weight_computed", r"node 'fc1' \(Gemm\): its weight \(input 1, 'a'\) is not an initializer or a Constant",
        lambda nodes, i, ins, o: nodes.__setitem__(2, helper.make_node("Gemm", ["a", "a", "b1"], ["y"], name="fc1",
                                                                       transB=1)))
    bad("no_input", r"node 'act0' \(Relu\): it has no input",
        lambda nodes, *a: nodes.__setitem__(1, helper.make_node("Relu", [], ["a"], name="act0")))
    bad("two_inputs", r"the graph has two inputs", lambda n, i, ins, o: ins.append(vi("x2", ["N", 6])))
    bad("opset6", r"opset 6, need 7\.\.21", lambda *a: None, opset=6)
    bad("custom_domain", r"node 'act0' \(Relu\): ops outside the default domain",
        lambda nodes, *a: nodes.__setitem__(1, helper.make_node("Relu", ["h"], ["a"], name="act0", domain="com.acme")),
        domain_opsets=[("com.acme", 1)])
    bad("add_after_relu", r"node 'add' \(Add\): an Add is only supported as the bias right after a MatMul",
        lambda nodes, inits, ins, o: (inits.append(numpy_helper.from_array(f32(4), "c")),
                                      nodes.insert(2, helper.make_node("Add", ["a", "c"], ["a2"], name="add")),
                                      nodes.__setitem__(3, helper.make_node("Gemm", ["a2", "w1", "b1"], ["y"],
                                                                            name="fc1", transB=1))))
    bad("after_softmax", r"node 'act1' \(Relu\): nothing may follow the final Softmax",
        lambda nodes, i, ins, o: (nodes.__setitem__(2, helper.make_node("Gemm", ["a", "w1", "b1"], ["z"], name="fc1",
                                                                         transB=1)),
                                  nodes.append(helper.make_node("Softmax", ["z"], ["p"], name="sm")),
                                  nodes.append(helper.make_node("Relu", ["p"], ["y"], name="act1"))))
    bad("no_node", r"no layer \(Gemm or MatMul\) in the graph", lambda nodes, *a: nodes.clear())
    # x.view(x.size(0), -1) done wrong: a shape computation that does not give (batch, features)
    def size0(name, regex, tail, gather_axis=0, shape_input=True):
        w0, b0 = f32(4, 6), f32(4)
        inits = [numpy_helper.from_array(w0, "w0"), numpy_helper.from_array(b0, "b0"),
                 numpy_helper.from_array(np.array(0, dtype=np.int64), "zero"),
                 numpy_helper.from_array(np.array(tail, dtype=np.int64), "tail")]
        nodes = [helper.make_node("Shape", ["x"] if shape_input else [], ["s"], name="shape"),
                 helper.make_node("Gather", ["s", "zero"], ["n"], name="gather", axis=gather_axis),
                 helper.make_node("Unsqueeze", ["n"], ["n1"], name="unsqueeze", axes=[0]),
                 helper.make_node("Concat", ["n1", "tail"], ["new"], name="concat", axis=0),
                 helper.make_node("Reshape", ["x", "new"], ["f"], name="reshape"),
                 helper.make_node("Gemm", ["f", "w0", "b0"], ["y"], name="fc0", transB=1)]
        save(f"{d}/bad_{name}.onnx", nodes, inits, [vi("x", ["N", 2, 3])], [vi("y", ["N", 4])], 11)
        out.append((name, regex))

    size0("size0_wrong", r"node 'reshape' \(Reshape\): the new shape is not \(batch, features\)", [5])
    size0("size0_shape_no_input", r"node 'shape' \(Shape\): it has no input", [-1], shape_input=False)
    size0("size0_gather_axis", r"node 'gather' \(Gather\): axis is not 0", [-1], gather_axis=1)
    with open(f"{d}/bad.txt", "w") as f:
        for name, regex in out:
            f.write(f"{name}\t{regex}\n")


# ---- a NumPy evaluator ---------------------------------------------------------------------------------
def run_graph(m, x):
    g = m.graph
    env = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    inputs = [i.name for i in g.input if i.name not in env]
    env[inputs[0]] = x
    for n in g.node:
        a = {at.name: helper.get_attribute_value(at) for at in n.attribute}
        v = [env[i] for i in n.input if i]
        if n.op_type == "Constant":
            r = numpy_helper.to_array(a["value"])
        elif n.op_type == "Flatten":
            r = v[0].reshape(v[0].shape[0], -1)
        elif n.op_type == "Reshape":
            r = v[0].reshape(v[0].shape[0], -1)
        elif n.op_type == "Gemm":
            b = v[1].T if a.get("transB", 0) else v[1]
            r = v[0] @ b + (v[2] if len(v) > 2 else np.float32(0))
        elif n.op_type == "MatMul":
            r = v[0] @ v[1]
        elif n.op_type == "Add":
            r = v[0] + v[1]
        elif n.op_type == "Relu":
            r = np.maximum(v[0], np.float32(0))
        elif n.op_type == "Softmax":
            r = v[0]  # argmax is the same
        else:
            sys.exit(f"onnx_models.py eval: op {n.op_type} not in this evaluator")
        env[n.output[0]] = r.astype(np.float32)
    return env[g.output[0].name]


def idx(path, magic, ndim):
    data = open(path, "rb").read()
    head = np.frombuffer(data[:4 * (1 + ndim)], dtype=">u4")
    assert head[0] == magic, f"{path}: bad magic"
    return np.frombuffer(data[4 * (1 + ndim):], dtype=np.uint8).reshape(tuple(int(d) for d in head[1:]))


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "make":
        d = sys.argv[2]
        os.makedirs(d, exist_ok=True)
        for opset in (9, 11, 13, 15, 17):
            keras_style(d, opset)
        reshape_style(d)
        size0_style(d)
        bad_models(d)
    elif len(sys.argv) >= 3 and sys.argv[1] == "check":
        for f in sys.argv[2:]:
            onnx.checker.check_model(onnx.load(f), full_check=True)
            print(f"{f}: onnx.checker OK (onnx {onnx.__version__})")
    elif len(sys.argv) == 5 and sys.argv[1] == "eval":
        m = onnx.load(sys.argv[2])
        x = idx(sys.argv[3], 0x803, 3).reshape(-1, 784).astype(np.float32) / np.float32(255)
        y = idx(sys.argv[4], 0x801, 1)
        logits = run_graph(m, x)
        print(f"correct={int((logits.argmax(axis=1) == y).sum())} n={len(y)}")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
