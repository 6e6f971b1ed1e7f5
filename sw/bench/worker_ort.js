// worker_ort.js — ONNX Runtime (npm onnxruntime-node, its CPU execution provider) as a worker of
// the peer benchmark (sw/bench/peers.py): the ONNX file, one intra-op and one inter-op thread,
// sequential execution, all graph optimizations. Protocol: sw/cli/cmd_bench.c (ready / run B K T /
// quit). Inputs are the pixels / 255 as float32, converted once at start.
// Without the module it prints "skipped: <why>" and exits 0.
//
// usage: node worker_ort.js MODEL.onnx IMAGES_IDX NODE_MODULES_DIR
'use strict';
const fs = require('fs');
const path = require('path');
const readline = require('readline');

function loadImages(file) {
  const buf = fs.readFileSync(file);
  const magic = buf.readUInt32BE(0), n = buf.readUInt32BE(4);
  const nIn = buf.readUInt32BE(8) * buf.readUInt32BE(12);
  if (magic !== 0x803 || buf.length !== 16 + n * nIn) throw new Error(file + ' is not an IDX image file');
  const x = new Float32Array(n * nIn);
  for (let i = 0; i < n * nIn; i++) x[i] = buf[16 + i] / 255;
  return { x, n, nIn };
}

async function main() {
  const [model, images, modDir] = process.argv.slice(2);
  let ort;
  try {
    ort = require(path.join(modDir, 'onnxruntime-node'));
  } catch (e) {
    console.log('skipped: onnxruntime-node not in ' + modDir + ' (' + e.code + '; make bench-peers-deps)');
    return;
  }
  const version = require(path.join(modDir, 'onnxruntime-node', 'package.json')).version;
  const sess = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1,
    executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const { x, n, nIn } = loadImages(images);
  const inName = sess.inputNames[0];
  console.log('ready engine=onnxruntime path=onnxruntime-node-' + version + ',cpu-ep');
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    const f = line.trim().split(/\s+/);
    if (!f[0] || f[0] === 'quit') break;
    if (f[0] !== 'run') throw new Error('bad command ' + line);
    const b = +f[1], secs = +f[3];
    let k = +f[2], done = 0, t;
    const nBat = Math.floor(n / b), t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
    // each batch's tensor is a view of x (subarray: no copy)
    for (;;) {
      const s = (k % nBat) * b;
      const feed = { [inName]: new ort.Tensor('float32', x.subarray(s * nIn, (s + b) * nIn), [b, nIn]) };
      await sess.run(feed);
      k++;
      done += b;
      t = Number(process.hrtime.bigint() - t0) / 1e9;
      if (t >= secs) break;
    }
    const c = process.cpuUsage(c0);
    console.log('ok n=' + done + ' t=' + t.toFixed(6) + ' cpu=' + ((c.user + c.system) / 1e6).toFixed(6));
  }
  rl.close();
}

main().catch((e) => { console.error('worker_ort.js: ' + e.message); process.exit(1); });
