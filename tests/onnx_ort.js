// onnx_ort.js — runs an ONNX model in ONNX Runtime (npm's onnxruntime-node) on MNIST IDX images,
// for tests/t_onnx_cli.sh when `node -e "require('onnxruntime-node')"` works (NODE_PATH); never
// required. x = pixel / 255 in float32, input "input" (N, 784), output "logits".
// Usage: node onnx_ort.js MODEL.onnx IMAGES LABELS   -> prints correct=.. n=..
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function idx(path, magic, ndim) {
    const b = fs.readFileSync(path);
    if (b.readUInt32BE(0) !== magic) throw new Error(`${path}: bad magic`);
    const dims = [];
    for (let d = 0; d < ndim; d++) dims.push(b.readUInt32BE(4 + 4 * d));
    return { dims, data: b.subarray(4 + 4 * ndim) };
}

async function main() {
    const [model, images, labels] = process.argv.slice(2);
    const im = idx(images, 0x803, 3), lb = idx(labels, 0x801, 1);
    const n = im.dims[0], k = im.dims[1] * im.dims[2];
    const x = new Float32Array(n * k);
    for (let i = 0; i < n * k; i++) x[i] = Math.fround(im.data[i] / 255);
    const sess = await ort.InferenceSession.create(model);
    const out = await sess.run({ input: new ort.Tensor('float32', x, [n, k]) });
    const y = out.logits.data, c = out.logits.dims[1];
    let correct = 0;
    for (let i = 0; i < n; i++) {
        let best = 0;
        for (let j = 1; j < c; j++) if (y[i * c + j] > y[i * c + best]) best = j;
        if (best === lb.data[i]) correct++;
    }
    console.log(`correct=${correct} n=${n} onnxruntime=${require('onnxruntime-node/package.json').version}`);
}
main().catch((e) => { console.error(`onnx_ort.js: ${e.message}`); process.exit(1); });
