// Helper thread of NccRowHelper (src/image/wasm/row-helper.ts). Plain JavaScript (runs under any
// loader). It instantiates kernels-mt.wasm on the main thread's shared memory and computes the bands
// of correlation rows (job 0, nccRows) or half of one frame's alignment points (job 1, mlcFrame) it
// is asked for: a message says "a job is ready" (its kind); its arguments are in a small
// shared control block and the images are already in the shared memory; completion is signalled
// through the control block (the main thread waits for it synchronously with Atomics.wait).
import { workerData, parentPort } from 'node:worker_threads';

const { module, memory, control } = workerData;
const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
const state = new Int32Array(control, 0, 4); // [1] done, [2] failed
const args = new Float64Array(control, 16, 12);

parentPort.on('message', (job) => {
  let failed = 0;
  try {
    if (job === 1) ex.mlcFrame(args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[9], args[10], args[11]);
    else ex.nccRows(args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[9], args[10]);
  } catch {
    failed = 1;
  }
  Atomics.store(state, 2, failed);
  Atomics.store(state, 1, 1);
  Atomics.notify(state, 1);
});
parentPort.postMessage('ready');
