#!/usr/bin/python3
"""torch_onnx.py — the PyTorch side of tests/t_torch_onnx.sh (the system python: python3-torch,
python3-onnx, python3-numpy from Debian).

Trains a small MLP (nn.Flatten, Linear, ReLU, Linear, ReLU, Linear) in PyTorch for one epoch on
the first --train-n MNIST training images (x = pixel / 255, seeded, one thread), then writes into
--out:
  torch_op<K>.onnx    torch.onnx.export at each opset K of --opsets, input (N, 1, 28, 28) with a
                      dynamic batch (so the graph starts with a Flatten); below opset 10 with
                      keep_initializers_as_inputs (the weights are graph inputs too)
  torch_softmax.onnx  the same network with a final nn.Softmax(dim=1), opset 13
  torch_fixed.onnx    opset 11 without dynamic axes (a batch of 1 fixed in the graph)
  torch_view.onnx     opset 15, x.view(-1, 784) instead of nn.Flatten (torch writes a Reshape)
  torch_size0_op<K>.onnx  opsets 9 and 13, x.view(x.size(0), -1) (a shape computation + Reshape)
  npy/w<l>.npy, npy/b<l>.npy   nn.Linear weight (n_out, n_in) and bias, float32 (q2mlp import --dir)
and prints one line: torch_correct=.. torch_n=.. torch_acc=.. train_s=.. (the test-set accuracy of
the trained network, argmax of its float32 logits, in eval mode).

Usage: torch_onnx.py --mnist DIR --out DIR [--train-n N] [--arch 784-64-32-10] [--opsets 9,13,17]
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn


def read_idx(path, magic, ndim):
    """An IDX file as a uint8 array, its magic and size checked."""
    with open(path, "rb") as f:
        data = f.read()
    head = np.frombuffer(data[:4 * (1 + ndim)], dtype=">u4")
    if head[0] != magic:
        sys.exit(f"torch_onnx.py: {path}: bad magic 0x{head[0]:08x}, need 0x{magic:08x}")
    shape = tuple(int(d) for d in head[1:])
    body = np.frombuffer(data[4 * (1 + ndim):], dtype=np.uint8)
    if body.size != int(np.prod(shape)):
        sys.exit(f"torch_onnx.py: {path}: {body.size} data bytes, need {int(np.prod(shape))}")
    return body.reshape(shape)


class ViewNet(nn.Module):
    """net with its Flatten replaced by x.view(-1, n_in) (torch exports a Reshape of a constant
    shape) or, with size0, by x.view(x.size(0), -1) (Shape -> Gather -> Unsqueeze -> Concat ->
    Reshape)."""

    def __init__(self, net, size0=False):
        super().__init__()
        self.n_in, self.size0 = net[1].in_features, size0
        self.body = nn.Sequential(*list(net)[1:])

    def forward(self, x):
        return self.body(x.view(x.size(0), -1) if self.size0 else x.view(-1, self.n_in))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mnist", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--train-n", type=int, default=5000)
    ap.add_argument("--arch", default="784-64-32-10")
    ap.add_argument("--opsets", default="9,13,17")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(1)
    t0 = time.time()

    tri = read_idx(os.path.join(a.mnist, "train-images-idx3-ubyte"), 0x803, 3)[:a.train_n]
    trl = read_idx(os.path.join(a.mnist, "train-labels-idx1-ubyte"), 0x801, 1)[:a.train_n]
    tei = read_idx(os.path.join(a.mnist, "t10k-images-idx3-ubyte"), 0x803, 3)
    tel = read_idx(os.path.join(a.mnist, "t10k-labels-idx1-ubyte"), 0x801, 1)
    # x = pixel / 255 in float32, as q2_mlp_scale_pixels computes it
    x_tr = torch.from_numpy(tri.astype(np.float32)).unsqueeze(1) / 255.0
    y_tr = torch.from_numpy(trl.astype(np.int64))
    x_te = torch.from_numpy(tei.astype(np.float32)).unsqueeze(1) / 255.0

    dims = [int(d) for d in a.arch.split("-")]
    layers = [nn.Flatten()]
    for l in range(len(dims) - 1):
        layers.append(nn.Linear(dims[l], dims[l + 1]))
        if l < len(dims) - 2:
            layers.append(nn.ReLU())
    net = nn.Sequential(*layers)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    net.train()
    g = torch.Generator().manual_seed(a.seed)
    perm = torch.randperm(a.train_n, generator=g)
    for k in range(0, a.train_n, 32):
        idx = perm[k:k + 32]
        opt.zero_grad()
        nn.functional.cross_entropy(net(x_tr[idx]), y_tr[idx]).backward()
        opt.step()
    train_s = time.time() - t0

    net.eval()
    with torch.no_grad():
        logits = net(x_te).numpy()
    np.save(os.path.join(a.out, "torch_logits.npy"), logits)
    correct = int((logits.argmax(axis=1) == tel).sum())

    os.makedirs(os.path.join(a.out, "npy"), exist_ok=True)
    lins = [m for m in net if isinstance(m, nn.Linear)]
    for l, lin in enumerate(lins):
        np.save(os.path.join(a.out, "npy", f"w{l}.npy"), lin.weight.detach().numpy().astype(np.float32))
        np.save(os.path.join(a.out, "npy", f"b{l}.npy"), lin.bias.detach().numpy().astype(np.float32))

    dummy = x_te[:1]
    axes = {"input": {0: "N"}, "logits": {0: "N"}}
    for k in (int(s) for s in a.opsets.split(",")):
        # below opset 10 also with the initializers listed as graph inputs, as IR < 4 files have them
        torch.onnx.export(net, dummy, os.path.join(a.out, f"torch_op{k}.onnx"), opset_version=k,
                          input_names=["input"], output_names=["logits"], dynamic_axes=axes,
                          keep_initializers_as_inputs=k < 10)
    soft = nn.Sequential(net, nn.Softmax(dim=1)).eval()
    torch.onnx.export(soft, dummy, os.path.join(a.out, "torch_softmax.onnx"), opset_version=13,
                      input_names=["input"], output_names=["logits"], dynamic_axes=axes)
    # a fixed batch of 1 (no dynamic_axes), and x.view(-1, 784) instead of nn.Flatten (a Reshape)
    torch.onnx.export(net, dummy, os.path.join(a.out, "torch_fixed.onnx"), opset_version=11,
                      input_names=["input"], output_names=["logits"])
    torch.onnx.export(ViewNet(net), dummy, os.path.join(a.out, "torch_view.onnx"), opset_version=15,
                      input_names=["input"], output_names=["logits"], dynamic_axes=axes)
    for k in (9, 13):
        torch.onnx.export(ViewNet(net, size0=True), dummy, os.path.join(a.out, f"torch_size0_op{k}.onnx"),
                          opset_version=k, input_names=["input"], output_names=["logits"], dynamic_axes=axes)
    print(f"torch_correct={correct} torch_n={len(tel)} torch_acc={100.0 * correct / len(tel):.2f} "
          f"train_s={train_s:.1f} torch={torch.__version__}")


if __name__ == "__main__":
    main()
