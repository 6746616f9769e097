// Worker thread of MemoryPopulator (populate.ts). Plain JavaScript so it runs under any loader.
// For each request { view: Uint8Array on a SharedArrayBuffer } it commits the memory: with the native
// module (native/populate.c: MADV_HUGEPAGE + MADV_POPULATE_WRITE) when it loads, else by an atomic
// add of 0 to one word per page — a write fault that never changes a value another thread wrote.
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';

let native = null;
try {
  if (workerData?.nativePath) native = createRequire(import.meta.url)(workerData.nativePath);
} catch {
  native = null;
}

function touch(view) {
  const words = new Int32Array(view.buffer, view.byteOffset + ((4 - (view.byteOffset % 4)) % 4), Math.floor((view.byteLength - 3) / 4));
  for (let k = 0; k < words.length; k += 1024) Atomics.add(words, k, 0);
}

parentPort.on('message', (m) => {
  let how = 'touch';
  if (native && native.populate(m.view, true) === 0) how = 'native';
  else touch(m.view);
  parentPort.postMessage({ id: m.id, how });
});
