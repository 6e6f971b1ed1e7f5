#!/usr/bin/env bash
# t_torch_onnx.sh — a model from PyTorch itself (issue 15): tests/torch_onnx.py trains a 784-64-32-10
# MLP in PyTorch (the system python's python3-torch; seeded, one thread) for one epoch on the first
# 5,000 MNIST training images and exports it with torch.onnx.export at opsets 9 (its weights also
# listed as graph inputs), 13 and 17, with a final Softmax at opset 13, with a fixed batch at
# opset 11, with x.view(-1, 784) (a Reshape) at opset 15, with x.view(x.size(0), -1) (Shape,
# Gather, Unsqueeze, Concat, Reshape) at opsets 9 and 13, and as .npy files. Required:
#   * every ONNX import and the .npy import give the same .mlp, byte for byte;
#   * q2mlp's float accuracy on the 10,000 test images equals PyTorch's, the same number correct
#     (both compute x = pixel / 255 in float32 and argmax over float32 logits; only the summation
#     order of the dot products differs, which moves a logit by ~1e-6 — the test prints the
#     smallest top-1 margin PyTorch saw, the scale at which an image could flip);
#   * pack -> eval (reference and fast path agree) -> q2mlp-cosim (0 mismatches) runs on it.
# Prints how long each part took. Skipped (77) when /usr/bin/python3 lacks torch, onnx or numpy.
. "$(dirname "$0")/lib.sh"
cd "$root"
PY=/usr/bin/python3
"$PY" -c 'import torch, onnx, numpy' 2>/dev/null ||
    skip "$PY cannot import torch, onnx and numpy (apt-get install python3-torch python3-onnx python3-numpy)"
need_mnist
t_start=$SECONDS
cosim=$BUILD/bin/q2mlp-cosim

# ---- PyTorch: train, evaluate, export ---------------------------------------------------------------
run "$PY" tests/torch_onnx.py --mnist "$MNIST_DIR" --out "$tmp" --train-n 5000 --arch 784-64-32-10 --opsets 9,13,17
check "torch_onnx.py trains, evaluates and exports (${took} s)" test $rc -eq 0
[ $rc -eq 0 ] || { sed 's/^/    | /' "$tmp/err" | tail -n 15; summary; }
torch_line=$(tail -n 1 "$tmp/out")
echo "# pytorch: $torch_line"

# ---- q2mlp: import both ways ---------------------------------------------------------------------------
t0=$SECONDS
check_quiet "import --dir of the .npy files" "$Q2MLP" import --dir "$tmp/npy" --arch 784-64-32-10 -o "$tmp/npy.mlp"
for f in torch_op9 torch_op13 torch_op17 torch_softmax torch_fixed torch_view torch_size0_op9 torch_size0_op13; do
    check_quiet "import --onnx $f.onnx" "$Q2MLP" import --onnx "$tmp/$f.onnx" --arch 784-64-32-10 -o "$tmp/$f.mlp"
    check "  $f.mlp is the .npy import byte for byte (the same weights bit for bit)" cmp "$tmp/$f.mlp" "$tmp/npy.mlp"
done

# ---- the same accuracy ------------------------------------------------------------------------------------
q2_line=$("$Q2MLP" eval --model "$tmp/torch_op13.mlp" --images "$TEI" --labels "$TEL" --gemm own)
echo "# q2mlp:   $q2_line"
tc=$(kv torch_correct "$torch_line") qc=$(kv correct "$q2_line")
echo "# correct on the 10000 test images: pytorch $tc, q2mlp $qc ($(kv torch_acc "$torch_line") % vs $(kv accuracy "$q2_line") %)"
margin=$("$PY" -c "import numpy as np; l = np.sort(np.load('$tmp/torch_logits.npy'), axis=1); print('%.3g' % (l[:, -1] - l[:, -2]).min())")
echo "# the smallest top-1 margin of PyTorch's logits: $margin"
check "q2mlp's float accuracy equals PyTorch's (the same number correct)" test "${tc:-x}" = "${qc:-y}"
echo "# import and eval: $((SECONDS - t0)) s"

# ---- pack -> eval -> cosim ---------------------------------------------------------------------------------
t0=$SECONDS
check_quiet "pack the PyTorch model (layer scope, rule opt, 32 lanes, 1000 calibration images)" \
    "$BIN/q2mlp" pack --model "$tmp/torch_op13.mlp" --scope layer --rule opt --lanes 32 --calib 1000 \
    --images "$TRI" --labels "$TRL" --quiet -o "$tmp/torch.q2"
run "$Q2MLP" eval --model "$tmp/torch.q2" --images "$TEI" --labels "$TEL" --engine both --limit 2000
echo "# 2-bit: $(head -n 1 "$tmp/out")"
check "eval of the .q2: reference and fast path agree on 2000 images" test $rc -eq 0
if [ -x "$cosim" ]; then
    run "$cosim" --model "$tmp/torch.q2" --images "$TEI" --labels "$TEL" --limit 50 --seed 1
    echo "# cosim: $(head -n 1 "$tmp/out")"
    check "q2mlp-cosim: 50 images through accel_core, 0 mismatches" grep -q '^images=50 mismatches=0 ' "$tmp/out"
else
    check "q2mlp-cosim is built ($cosim)" false
fi
echo "# pack, eval, cosim: $((SECONDS - t0)) s"
echo "# t_torch_onnx.sh took $((SECONDS - t_start)) s"
summary
