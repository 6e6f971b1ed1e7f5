#!/usr/bin/python3
"""peers.py — q2mlp against the engines a user would otherwise use, in one run (`make bench-peers`).

Every engine is a long-lived worker process speaking one line protocol (sw/cli/cmd_bench.c):
q2mlp float (`q2mlp bench --serve float`, GEMM auto, and the own SGEMM beside it when auto chose
OpenBLAS), q2mlp fast 2-bit (`--serve fast`, the kernel this CPU picks, and AVX2 beside it when that
is not AVX2), PyTorch CPU (sw/bench/worker_torch.py) and ONNX Runtime (sw/bench/worker_ort.js). For
each batch size, ROUNDS rounds go round robin over the engines (the order rotated each round); in
a round every engine starts at the same batch of the same image file and runs consecutive batches
for SECS seconds. One thread each. The figure is the median over the rounds.

stdout: one key=value line per engine and batch size, then the ratios the goals name (of the
wall-clock medians, and as *_cpu of the CPU-second ones). img_s is images per wall second, img_cpu_s per CPU second of the worker
process, which a machine shared with other jobs disturbs much less; gmac_cpu_s and peak_frac
(the fast path's multiply-accumulates per cycle against its instruction's peak, MACS_PER_CYCLE x
the clock probe) use it. MACs are the dense 668,672 per image of 784-512-512-10; the fast path
skips input quads that are zero in all images of a tile and issues fewer, which the issued_*
figures count (the worker's macs=). Every line states
the CPU, the Linux kernel and the engine's kernel path. An engine that cannot run prints
`skipped: <why>`, never a number. Standard library only.

usage: peers.py --q2mlp BIN --model F.mlp --q2 F.q2 --npy DIR --onnx F.onnx --images F
                [--ort-modules DIR] [--rounds N] [--secs T] [--batches 1,256]"""
import argparse
import os
import platform
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# int8 multiply-accumulates per cycle per core of each fast-path kernel's instruction at its full
# issue rate: vpmaddubsw ymm (32 MACs) on 2 ports; vpdpbusd zmm (64 MACs) on 2 ports (server cores
# with two 512-bit units; one-unit cores reach half). AMX, where present, is not used by q2mlp.
MACS_PER_CYCLE = {"avx2": 64, "avx512vnni": 128}


def cpu_info():
    model, flags = "unknown", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                k, _, v = line.partition(":")
                k = k.strip()
                if k == "model name" and model == "unknown":
                    model = v.strip()
                elif k == "flags" and not flags:
                    flags = set(v.split())
    except OSError:
        pass
    isa = [x for x in ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8") if x in flags]
    return re.sub(r"\s+", "_", model), ",".join(isa) or "none"


def npy_macs(npy_dir):
    """Multiply-accumulates per image: the sum of n_in * n_out over the layers' .npy shapes."""
    macs, l = 0, 0
    while os.path.exists(os.path.join(npy_dir, "w%d.npy" % l)):
        with open(os.path.join(npy_dir, "w%d.npy" % l), "rb") as f:
            head = f.read(256).decode("latin1")
        shape = [int(x) for x in re.search(r"'shape': \(([^)]*)\)", head).group(1).split(",") if x.strip()]
        macs += shape[0] * shape[1]
        l += 1
    return macs


class Worker:
    def __init__(self, name, argv, env=None):
        self.name, self.path, self.skip = name, "", None
        try:
            self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                      env=env, bufsize=1)
        except OSError as e:
            self.p, self.skip = None, "cannot start %s: %s" % (argv[0], e.strerror)
            return
        first = self.p.stdout.readline().strip()
        if first.startswith("ready "):
            self.path = " ".join(w for w in first.split()[1:] if not w.startswith("engine="))
        else:
            self.skip = first[len("skipped: "):] if first.startswith("skipped: ") else \
                "did not start (%s)" % (first or "no output; see stderr")
            self.close()

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        reply = self.p.stdout.readline().split()
        if not reply or reply[0] != "ok":
            raise RuntimeError("%s: '%s' -> %s" % (self.name, line, reply or "EOF"))
        return dict(kv.split("=", 1) for kv in reply[1:])

    def run(self, batch, k, secs):
        """(images per wall second, images and issued MACs (fast path, else 0) per CPU second)"""
        r = self.ask("run %d %d %g" % (batch, k, secs))
        cpu = max(float(r["cpu"]), 1e-9)
        return int(r["n"]) / float(r["t"]), int(r["n"]) / cpu, int(r.get("macs", 0)) / cpu

    def close(self):
        if self.p and self.p.poll() is None:
            try:
                self.p.stdin.write("quit\n")
                self.p.stdin.close()
            except BrokenPipeError:
                pass
            self.p.wait(timeout=30)


def start_workers(a):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    q = [a.q2mlp, "bench", "--images", a.images]
    ws = [Worker("q2mlp-float", q + ["--serve", "float", "--model", a.model], env)]
    if "gemm-blas" in ws[0].path:
        ws.append(Worker("q2mlp-float-own", q + ["--serve", "float", "--model", a.model, "--gemm", "own"], env))
    ws.append(Worker("q2mlp-fast", q + ["--serve", "fast", "--q2", a.q2], env))
    if "kernel-avx2" not in ws[-1].path and "avx2" in cpu_info()[1]:
        ws.append(Worker("q2mlp-fast-avx2", q + ["--serve", "fast", "--q2", a.q2, "--kernel", "avx2"], env))
    ws.append(Worker("pytorch", ["/usr/bin/python3", os.path.join(HERE, "worker_torch.py"), a.npy, a.images], env))
    if not os.path.exists(a.onnx):
        ort = Worker("onnxruntime", ["true"])
        ort.skip = "no ONNX file %s" % a.onnx
        ws.append(ort)
    else:
        ws.append(Worker("onnxruntime", ["node", os.path.join(HERE, "worker_ort.js"), a.onnx, a.images,
                                         a.ort_modules], env))
    return ws


def measure(ws, batches, rounds, secs):
    """rates[(name, batch)] = [(img/s, img/CPU-s) per round]; clock: the median clock probe (GHz,
    cycles per CPU second)."""
    live = [w for w in ws if not w.skip]
    rates, clocks = {}, []
    probe = next((w for w in live if w.name.startswith("q2mlp")), None)
    for b in batches:
        for w in live:  # warm-up: caches, lazy initialisation, the CPU's clock
            w.run(b, 0, min(secs, 0.1))
        for r in range(rounds):
            if probe:
                clocks.append(float(probe.ask("clock")["ghz"]))
            order = live[r % len(live):] + live[:r % len(live)]
            for w in order:
                rates.setdefault((w.name, b), []).append(w.run(b, 37 * r, secs))
    return rates, statistics.median(clocks) if clocks else 0.0


def report(ws, rates, clock, batches, macs, rounds):
    cpu, isa = cpu_info()
    where = "cpu=%s cpu_isa=%s linux=%s" % (cpu, isa, platform.release())
    load = open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "?"
    med, med_cpu = {}, {}
    for b in batches:
        for w in ws:
            if w.skip:
                print("bench=peers engine=%s batch=%d %s skipped: %s" % (w.name, b, where, w.skip))
                continue
            v = [x[0] for x in rates[(w.name, b)]]
            m = med[(w.name, b)] = statistics.median(v)
            c = med_cpu[(w.name, b)] = statistics.median(x[1] for x in rates[(w.name, b)])
            line = "bench=peers engine=%s batch=%d img_s=%.0f min=%.0f max=%.0f img_cpu_s=%.0f gmac_cpu_s=%.1f" % (
                w.name, b, m, min(v), max(v), c, c * macs / 1e9)
            k = re.search(r"kernel-(\S+)", w.path)
            if w.name.startswith("q2mlp-fast") and k and k.group(1) in MACS_PER_CYCLE and clock:
                peak = MACS_PER_CYCLE[k.group(1)] * clock
                issued = statistics.median(x[2] for x in rates[(w.name, b)]) / 1e9
                line += " int8_peak_gmac_s=%.0f peak_frac=%.2f issued_gmac_cpu_s=%.1f issued_peak_frac=%.2f" % (
                    peak, c * macs / 1e9 / peak, issued, issued / peak)
            print("%s %s %s clock_ghz=%.2f rounds=%d load=%s" % (line, w.path, where, clock, rounds, load))
    for b in batches:
        def ratio(x, y, table):
            return "%.2f" % (table[(x, b)] / table[(y, b)]) if (x, b) in table and (y, b) in table else "n/a"
        pairs = [("fast_vs_ort", "q2mlp-fast", "onnxruntime"), ("fast_avx2_vs_ort", "q2mlp-fast-avx2", "onnxruntime"),
                 ("fast_vs_torch", "q2mlp-fast", "pytorch"), ("float_vs_ort", "q2mlp-float", "onnxruntime"),
                 ("float_vs_torch", "q2mlp-float", "pytorch"), ("float_own_vs_float", "q2mlp-float-own", "q2mlp-float"),
                 ("fast_vs_float", "q2mlp-fast", "q2mlp-float")]
        print("bench=peers-ratio batch=%d %s %s %s" % (
            b, " ".join("%s=%s" % (k, ratio(x, y, med)) for k, x, y in pairs),
            " ".join("%s_cpu=%s" % (k, ratio(x, y, med_cpu)) for k, x, y in pairs), where))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for opt in ("--q2mlp", "--model", "--q2", "--npy", "--onnx", "--images"):
        ap.add_argument(opt, required=True)
    ap.add_argument("--ort-modules", default=os.path.expanduser("~/.cache/q2mlp/ort/node_modules"))
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--secs", type=float, default=0.3)
    ap.add_argument("--batches", default="1,256")
    a = ap.parse_args()
    batches = [int(x) for x in a.batches.split(",")]
    ws = start_workers(a)
    try:
        rates, clock = measure(ws, batches, a.rounds, a.secs)
        report(ws, rates, clock, batches, npy_macs(a.npy), a.rounds)
    finally:
        for w in ws:
            w.close()


if __name__ == "__main__":
    sys.exit(main())
