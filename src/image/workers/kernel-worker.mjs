// Worker thread of KernelPool (pool.ts). Plain JavaScript on purpose: it runs under any loader
// (node, tsx, vitest) because it needs no TypeScript. It owns one instance of kernels.wasm and
// executes call plans (module.ts `CallPlan`): grow memory, copy tables and input, call the
// export, copy the outputs into fresh buffers and transfer them back.
import { parentPort } from 'node:worker_threads';

/** @type {any} */
let ex = null;

/**
 * @param {WebAssembly.Memory} mem
 * @param {number} bytes
 */
function ensure(mem, bytes) {
  const have = mem.buffer.byteLength;
  if (bytes > have) mem.grow(Math.ceil((bytes - have) / 65536));
}

parentPort.on('message', (m) => {
  if (m.type === 'init') {
    ex = new WebAssembly.Instance(m.module, {}).exports;
    return;
  }
  try {
    const plan = m.plan;
    ensure(ex.memory, plan.bytes);
    const buf = ex.memory.buffer;
    for (const t of plan.tables) new Uint8Array(buf, t.offset, t.data.length).set(t.data);
    const inp = m.input;
    if (inp.BYTES_PER_ELEMENT === 1) new Uint8Array(buf, plan.inputOffset, inp.length).set(inp);
    else new Uint16Array(buf, plan.inputOffset, inp.length).set(inp);
    const result = ex[plan.fn](...plan.args);
    /** @type {ArrayBufferView[]} */
    const outs = [];
    for (const o of m.outputs) {
      // o: { offset, length, bytes: 1 | 2 | 4 | 8, into?: shared view to fill }
      const Ctor = o.bytes === 1 ? Uint8Array : o.bytes === 2 ? Uint16Array : o.bytes === 4 ? Float32Array : Float64Array;
      const src = new Ctor(buf, o.offset, o.length);
      if (o.into) {
        o.into.set(src);
        outs.push(null);
      } else {
        const a = new Ctor(o.length);
        a.set(src);
        outs.push(a);
      }
    }
    parentPort.postMessage({ id: m.id, result, outs }, outs.filter((a) => a).map((a) => a.buffer));
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String((e && e.stack) || e) });
  }
});
