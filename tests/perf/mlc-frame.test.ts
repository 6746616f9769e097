/**
 * The Shift node's per-frame MLC in one WebAssembly call (`mlcFrames`, src/image/wasm/mlc-frame.ts)
 * against `mlc()` AP by AP, on real frames (moon-512 from ../shared/data, else the bundled sample):
 *  - with the WebAssembly kernels installed: bit-identical (every status, sh1, sh2), with and
 *    without the helper thread, and when the helper fails;
 *  - against the TypeScript reference kernels (float64 cross term): the same integer optimum in
 *    ≥ 99 % of the pairs, sub-pixel shifts within 0.05 px where it is the same (measured: 0.03 px,
 *    where a flat correlation peak turns the float32 cross term's ~1e-6 into the paraboloid fit).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getKernels, referenceKernels, setKernels, type Kernels } from '../../src/image/kernels.ts';
import { correlateWasmInstance, enableWasmKernels, rowHelperActive } from '../../src/image/wasm/node.ts';
import { openFrameSource } from '../../src/io/open-source.ts';
import { createImage, type Image, type Rect } from '../../src/image/image.ts';
import { mlcFrames, mlcReferences, penaltyWeights, phase1Radius, MLC_STATUS } from '../../src/nodes/lib/mlc.ts';
import { memoryFrameSet } from '../helpers/frames.ts';
import { SHARED_DATA } from '../helpers/shared-data.ts';
import { ensureWasmBuilt, FAILING_HELPER } from './setup.ts';

const MOON = join(SHARED_DATA, 'synthetic/moon-512/frames.ser');
const SAMPLE = join(__dirname, '../../samples/moon-small/frames.ser');
const S = 14;
const GW = 7;

let before: Kernels;
let G: { width: number; height: number; data: Uint16Array }[] = [];
let ref: Image;
let boxes: Rect[] = [];

beforeAll(async () => {
  ensureWasmBuilt();
  before = getKernels();
  const src = await openFrameSource(existsSync(MOON) ? MOON : SAMPLE);
  const { width: W, height: H } = src.info;
  const frames: Uint16Array[] = [];
  for (let i = 0; i < 6; i++) {
    const f = await src.read(i);
    frames.push(f.data instanceof Uint16Array ? Uint16Array.from(f.data) : Uint16Array.from(f.data, (v) => v * 256));
  }
  await src.close();
  const fs = memoryFrameSet(frames, W, H, { noise: GW });
  for (let i = 0; i < frames.length; i++) {
    const g = await fs.blurredSamplesView(i);
    G.push({ width: W, height: H, data: Uint16Array.from(g.data as Uint16Array) });
  }
  ref = createImage(W, H, 1, Float32Array.from(G[0].data));
  // 40x40 boxes every 23 px, odd 41x39 ones, and boxes too close to the border for one phase or both
  for (let y = 20; y + 40 <= H - 20; y += 23) for (let x = 20; x + 40 <= W - 20; x += 23) boxes.push({ y0: y, y1: y + 40, x0: x, x1: x + 40 });
  boxes.push({ y0: 31, y1: 70, x0: 45, x1: 86 }, { y0: 5, y1: 45, x0: 60, x1: 100 }, { y0: H - 48, y1: H - 8, x0: 100, x1: 140 }, { y0: 100, y1: 140, x0: 2, x1: 42 });
});

afterAll(() => setKernels(before));

function spec(subpixel = true) {
  return {
    refs: boxes.map((b) => mlcReferences(ref, b)), boxes, s1: phase1Radius(S), weights: penaltyWeights(phase1Radius(S)), gw: GW, subpixel,
  };
}

/** Per frame: all APs, with offsets that push some windows out of the frame. */
const OFFSETS: [number, number][] = [[0, 0], [3, -2], [-5, 4], [1, 1], [-2, -6], [6, 0]];

function runAll(m: ReturnType<typeof mlcFrames>): Float64Array[] {
  const jobs = Int32Array.from(boxes.keys());
  return G.map((g, i) => m.run(g, jobs, OFFSETS[i][0], OFFSETS[i][1]));
}

describe('mlcFrames: one wasm call per frame', () => {
  it('is bit-identical with mlc() AP by AP on the wasm kernels, with the helper thread, and when it fails', async () => {
    expect(enableWasmKernels()).toBe(true);
    const inst = correlateWasmInstance()!;
    const t0 = Date.now();
    while (!rowHelperActive() && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
    expect(rowHelperActive()).toBe(true);
    for (const sub of [true, false]) {
      const fast = mlcFrames(spec(sub), S);
      const slow = mlcFrames(spec(sub), S, { perAp: true });
      expect([fast.kind, slow.kind]).toEqual(['wasm', 'per-AP']);
      const a = runAll(fast);
      const b = runAll(slow);
      for (let i = 0; i < a.length; i++) expect(Buffer.from(a[i].buffer).equals(Buffer.from(b[i].buffer)), `frame ${i} subpixel ${sub}`).toBe(true);
      // the runs exercise success and the failures (window out of the frame, optimum on the rim)
      const statuses = new Set(a.flatMap((r) => Array.from({ length: r.length / 5 }, (_, j) => MLC_STATUS[r[5 * j]])));
      expect(statuses.has('ok') && statuses.has('bounds1')).toBe(true);
      if (sub) expect(a.some((r) => r.some((v, k) => k % 5 >= 3 && !Number.isInteger(v)))).toBe(true);
    }
    // a helper that fails: this thread computes its half too (same results)
    const helper = (inst as unknown as { splitter: unknown }).splitter;
    try {
      inst.attachRowSplitter(FAILING_HELPER);
      const a = runAll(mlcFrames(spec(), S));
      const b = runAll(mlcFrames(spec(), S, { perAp: true }));
      for (let i = 0; i < a.length; i++) expect(Buffer.from(a[i].buffer).equals(Buffer.from(b[i].buffer))).toBe(true);
    } finally {
      inst.attachRowSplitter(helper as Parameters<typeof inst.attachRowSplitter>[0]);
    }
  });

  it('other kernel calls on the instance between frames do not disturb it (tables laid out again)', () => {
    enableWasmKernels();
    const m = mlcFrames(spec(), S);
    const jobs = Int32Array.from(boxes.keys());
    const a = m.run(G[1], jobs, 3, -2);
    getKernels().correlateWindow(G[2], 50, 150, 50, 150, 2, GW, mlcReferences(ref, boxes[0]).refHalf); // resets the instance
    const b = m.run(G[1], jobs, 3, -2);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(() => m.run(G[1], Int32Array.of(boxes.length), 0, 0)).toThrow(/out of range/);
  });

  it('agrees with the TypeScript reference kernels (same integer optimum in >= 99 % of pairs, sub-pixel within 0.05 px; measured 0.03)', () => {
    enableWasmKernels();
    const a = runAll(mlcFrames(spec(), S));
    setKernels(referenceKernels);
    const r = runAll(mlcFrames(spec(), S));
    expect(mlcFrames(spec(), S).kind).toBe('per-AP');
    enableWasmKernels();
    let pairs = 0;
    let same = 0;
    let maxSub = 0;
    for (let i = 0; i < a.length; i++) {
      for (let j = 0; j < a[i].length; j += 5) {
        pairs++;
        const intA = [a[i][j], a[i][j + 1], a[i][j + 2], Math.round(a[i][j + 3]), Math.round(a[i][j + 4])];
        const intR = [r[i][j], r[i][j + 1], r[i][j + 2], Math.round(r[i][j + 3]), Math.round(r[i][j + 4])];
        if (intA.every((v, k) => v === intR[k])) {
          same++;
          maxSub = Math.max(maxSub, Math.abs(a[i][j + 3] - r[i][j + 3]), Math.abs(a[i][j + 4] - r[i][j + 4]));
        }
      }
    }
    expect(pairs).toBeGreaterThan(100);
    expect(same / pairs).toBeGreaterThanOrEqual(0.99);
    expect(maxSub).toBeLessThan(0.05);
  });
});
