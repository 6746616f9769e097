// Helper thread of NccRowHelper (src/image/wasm/row-helper.ts). Plain JavaScript (runs under any
// loader). It instantiates kernels-mt.wasm on the main thread's shared memory and computes the bands
// of correlation rows (job 0, nccRows), half of one frame's alignment points (job 1, mlcFrame) or a
// band of a first pass's or a big blur's rows (jobs 2 and 3, firstPassRows and blurRows, on a second
// memory it is given) or of a Stack frame's accumulator rows (job 4, stackRecords, on a third) it is asked for:
// a message says "a job is ready" (its kind and memory); its arguments are in a small
// shared control block and the images are already in the shared memory; completion is signalled
// through the control block (the main thread waits for it synchronously with Atomics.wait).
import { workerData, parentPort } from 'node:worker_threads';

const { module, memory, control } = workerData;
/** Instances by memory: 0 = the one given at start, more attached later ({ attach, index }). */
const instances = [new WebAssembly.Instance(module, { env: { memory } }).exports];
const state = new Int32Array(control, 0, 4); // [1] done, [2] failed
const args = new Float64Array(control, 16, 19);
const a = (n) => Array.from(args.subarray(0, n));

parentPort.on('message', (msg) => {
  if (typeof msg === 'object' && msg !== null && msg.attach) {
    instances[msg.index] = new WebAssembly.Instance(module, { env: { memory: msg.attach } }).exports;
    parentPort.postMessage({ attached: msg.index });
    return;
  }
  // a job: its kind in the low 4 bits, the memory's index above them
  let failed = 0;
  try {
    const ex = instances[msg >> 4];
    const kind = msg & 15;
    if (kind === 1) ex.mlcFrame(...a(12));
    else if (kind === 2) ex.firstPassRows(...a(18));
    else if (kind === 3) ex.blurRows(...a(17));
    else if (kind === 4) ex.stackRecords(...a(19));
    else ex.nccRows(...a(11));
  } catch {
    failed = 1;
  }
  Atomics.store(state, 2, failed);
  Atomics.store(state, 1, 1);
  Atomics.notify(state, 1);
});
parentPort.postMessage('ready');
