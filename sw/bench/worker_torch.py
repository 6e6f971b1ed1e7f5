#!/usr/bin/python3
"""worker_torch.py — PyTorch CPU as a worker of the peer benchmark (sw/bench/peers.py): the float
MLP of NPY_DIR (the .npy files of `q2mlp bench --npy-out`, the same weights as the ONNX file) as
nn.Sequential(Linear, ReLU, ..., Linear), eval mode, no_grad, torch.set_num_threads(1).
Protocol: sw/cli/cmd_bench.c (ready / run B K T / clock / quit). Without torch it prints
"skipped: <why>" and exits 0.

usage: worker_torch.py NPY_DIR IMAGES_IDX"""
import os
import sys
import time


def load_images(path):
    with open(path, "rb") as f:
        buf = f.read()
    magic, n, rows, cols = (int.from_bytes(buf[4 * i:4 * i + 4], "big") for i in range(4))
    if magic != 0x803 or len(buf) != 16 + n * rows * cols:
        sys.exit("worker_torch.py: %s is not an IDX image file" % path)
    return buf[16:], n, rows * cols


def blas_core():
    """Debian's torch does nn.Linear through libblas.so.3, which is OpenBLAS here: its kernel."""
    try:
        import ctypes
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return "openblas-core-" + lib.openblas_get_corename().decode()
    except (OSError, AttributeError):
        return "blas-unknown"


def main(npy_dir, images):
    try:
        import numpy as np
        import torch
    except ImportError as e:
        print("skipped: %s for %s (Debian python3-torch, make deps)" % (e, sys.executable), flush=True)
        return
    torch.set_num_threads(1)
    layers, l = [], 0
    while os.path.exists(os.path.join(npy_dir, "w%d.npy" % l)):
        w = torch.from_numpy(np.load(os.path.join(npy_dir, "w%d.npy" % l)))
        b = torch.from_numpy(np.load(os.path.join(npy_dir, "b%d.npy" % l)))
        lin = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            lin.weight.copy_(w)
            lin.bias.copy_(b)
        layers += [lin, torch.nn.ReLU()]
        l += 1
    model = torch.nn.Sequential(*layers[:-1]).eval()
    px, n, n_in = load_images(images)
    x = torch.from_numpy(np.frombuffer(px, dtype=np.uint8).reshape(n, n_in).astype(np.float32) / 255.0)
    print("ready engine=pytorch path=torch-%s,%s" % (torch.__version__, blas_core()), flush=True)
    with torch.no_grad():
        for line in sys.stdin:
            f = line.split()
            if not f or f[0] == "quit":
                break
            if f[0] != "run":
                sys.exit("worker_torch.py: bad command %r" % line)
            b, k, secs = int(f[1]), int(f[2]), float(f[3])
            n_bat, done = n // b, 0
            t0, c0 = time.perf_counter(), time.process_time()
            while True:
                s = (k % n_bat) * b
                model(x[s:s + b])
                k, done = k + 1, done + b
                t = time.perf_counter() - t0
                if t >= secs:
                    break
            print("ok n=%d t=%.6f cpu=%.6f" % (done, t, time.process_time() - c0), flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[-1])
    main(sys.argv[1], sys.argv[2])
