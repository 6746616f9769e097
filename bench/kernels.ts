/**
 * Kernel benchmark: reference (TypeScript) vs WebAssembly SIMD, median ms per call on a 1280×960
 * frame (and on the window/template sizes MLC uses), plus the fused first pass and the worker pool.
 *
 *   node bin/run-ts.js bench/kernels.ts [--runs N] [--json]
 *
 * Times are whole calls as the stacker sees them (argument checks, copies into and out of wasm
 * memory, allocation of the result). Runs of the two implementations are interleaved so that a
 * busy machine affects both alike.
 */
import { referenceKernels as R, type Kernels } from '../src/image/kernels.ts';
import { createImage, type Image } from '../src/image/image.ts';
import { createWasmInstance, wasmKernels as W, wasmLoadError } from '../src/image/wasm/node.ts';
import { FrameSet } from '../src/runtime/frame-store.ts';
import type { FrameSource, RawFrame } from '../src/io/frame-source.ts';
import { KernelPool } from '../src/image/workers/pool.ts';
import { rng } from '../tests/image/helpers.ts';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1]) || 15;
const JSON_OUT = args.includes('--json');

const inst = createWasmInstance();
if (!inst) {
  console.error(`bench/kernels: kernels.wasm unavailable: ${wasmLoadError()} (run npm run build:wasm)`);
  process.exit(1);
}

/** A moon-like 8-bit frame ×256: smooth texture plus noise, integer samples. */
function frame(w: number, h: number, seed: number): Image {
  const r = rng(seed);
  const img = createImage(w, h, 1);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = 128 + 50 * Math.sin(x * 0.05 + seed) * Math.cos(y * 0.037) + 20 * Math.sin((x + y) * 0.21) + (r() - 0.5) * 12;
      img.data[y * w + x] = Math.max(0, Math.min(255, Math.round(v))) * 256;
    }
  }
  return img;
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s[s.length >> 1];
}

interface Row { kernel: string; size: string; refMs: number; wasmMs: number; ratio: number }
const rows: Row[] = [];

function bench(kernel: string, size: string, ref: () => unknown, fast: () => unknown, runs = RUNS): void {
  ref();
  fast(); // warm up (JIT tiers, wasm memory growth)
  fast();
  const tr: number[] = [];
  const tw: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    ref();
    tr.push(performance.now() - t);
    t = performance.now();
    fast();
    tw.push(performance.now() - t);
  }
  const refMs = median(tr);
  const wasmMs = median(tw);
  rows.push({ kernel, size, refMs, wasmMs, ratio: refMs / wasmMs });
  if (!JSON_OUT) {
    console.log(`${kernel.padEnd(22)} ${size.padEnd(26)} ref ${refMs.toFixed(3).padStart(9)} ms   wasm ${wasmMs.toFixed(3).padStart(8)} ms   ×${(refMs / wasmMs).toFixed(1)}`);
  }
}

const Wd = 1280;
const Hd = 960;
const F = frame(Wd, Hd, 1);
const G = R.gaussianBlur(F, 7);
const FRGB = createImage(Wd, Hd, 3);
for (let i = 0; i < FRGB.data.length; i++) FRGB.data[i] = F.data[Math.floor(i / 3)];
const k = (K: Kernels) => K;

if (!JSON_OUT) console.log(`kernels on ${Wd}x${Hd} (median of ${RUNS}; ratio = reference / wasm)`);
bench('gaussianBlur k=7', `${Wd}x${Hd} mono`, () => R.gaussianBlur(F, 7), () => k(W).gaussianBlur(F, 7));
bench('gaussianBlur k=7', `${Wd}x${Hd} RGB`, () => R.gaussianBlur(FRGB, 7), () => W.gaussianBlur(FRGB, 7), Math.max(5, RUNS >> 1));
bench('gaussianBlurSigma σ=2', `${Wd}x${Hd} mono`, () => R.gaussianBlurSigma(F, 2), () => W.gaussianBlurSigma(F, 2));
const Dh = R.decimate2(G);
bench('laplacian3x3', `${Dh.width}x${Dh.height} (decimated)`, () => R.laplacian3x3(Dh), () => W.laplacian3x3(Dh));
bench('laplacian3x3', `${Wd}x${Hd}`, () => R.laplacian3x3(G), () => W.laplacian3x3(G));

// MLC sizes of the default preset on this frame size: global patch ≈ 420×316 (Sg = 34 → s1 = 15),
// AP boxes 48×48 (S = 14 → s1 = 5); phase 2 searches ±4 at full resolution.
const gy0 = 300, gx0 = 400, gh = 316, gw = 420;
const refFull = R.crop(G, gy0, gy0 + gh, gx0, gx0 + gw);
const refHalf = R.cropStrided(refFull, 0, gh, 0, gw, 2);
const e = 30;
bench('blurStrided (MLC ph.1)', `${(gw + 2 * e) / 2}x${(gh + 2 * e) / 2} from G`,
  () => R.blurStrided(G, gy0 - e + 2, gy0 + gh + e + 2, gx0 - e - 2, gx0 + gw + e - 2, 2, 7),
  () => W.blurStrided(G, gy0 - e + 2, gy0 + gh + e + 2, gx0 - e - 2, gx0 + gw + e - 2, 2, 7));
const win1 = R.blurStrided(G, gy0 - e + 2, gy0 + gh + e + 2, gx0 - e - 2, gx0 + gw + e - 2, 2, 7);
const win2 = R.crop(G, gy0 - 4 + 1, gy0 + gh + 4 + 1, gx0 - 4 - 1, gx0 + gw + 4 - 1);
bench('nccMap (global ph.1)', `${win1.width}x${win1.height} / ${refHalf.width}x${refHalf.height}`, () => R.nccMap(win1, refHalf), () => W.nccMap(win1, refHalf), Math.max(5, RUNS >> 1));
bench('nccMap (global ph.2)', `${win2.width}x${win2.height} / ${refFull.width}x${refFull.height}`, () => R.nccMap(win2, refFull), () => W.nccMap(win2, refFull), Math.max(5, RUNS >> 1));
bench('nccMap f32 (global ph.1)', `${win1.width}x${win1.height} / ${refHalf.width}x${refHalf.height}`, () => R.nccMap(win1, refHalf), () => inst.nccMap(win1, refHalf, 'f32'), Math.max(5, RUNS >> 1));
const apFull = R.crop(G, 500, 548, 600, 648);
const apHalf = R.cropStrided(apFull, 0, 48, 0, 48, 2);
const apWin1 = R.blurStrided(G, 490, 558, 590, 658, 2, 7);
const apWin2 = R.crop(G, 497, 553, 595, 651);
bench('nccMap (AP ph.1)', `${apWin1.width}x${apWin1.height} / 24x24`, () => R.nccMap(apWin1, apHalf), () => W.nccMap(apWin1, apHalf), RUNS * 20);
bench('nccMap (AP ph.2)', `${apWin2.width}x${apWin2.height} / 48x48`, () => R.nccMap(apWin2, apFull), () => W.nccMap(apWin2, apFull), RUNS * 20);

// The frame store's first pass (b, G, L of one stored 8-bit frame): FrameSet with the reference
// kernels vs the fused wasm kernel.
const stored = new Uint8Array(Wd * Hd);
for (let i = 0; i < stored.length; i++) stored[i] = F.data[i] / 256;
function memorySource(data: Uint8Array): FrameSource {
  return {
    info: {
      path: '(memory)', format: 'ser', container: 'memory', frameCount: 1, width: Wd, height: Hd,
      bitDepth: 8, bytesPerSample: 1, colorLayout: 'mono', planes: 1, warnings: [],
    },
    async read(i: number): Promise<RawFrame> { return { index: i, width: Wd, height: Hd, planes: 1, bitDepth: 8, data }; },
    async *frames() { yield await this.read(0); },
    async close() {},
  };
}
async function refFirstPass(): Promise<void> {
  const fs = new FrameSet(memorySource(stored), { convert: { debayer: 'auto', scale: 256 }, noise: 7, blackCutoff: 3840, level: 0 }, 1);
  await fs.blurred(0);
  await fs.laplacian(0);
  await fs.brightness(0);
}
{
  const job = { data: stored, width: Wd, height: Hd, noise: 7, blackCutoff: 3840 };
  await refFirstPass();
  inst.firstPass(job);
  const tr: number[] = [];
  const tw: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    await refFirstPass();
    tr.push(performance.now() - t);
    t = performance.now();
    inst.firstPass(job);
    tw.push(performance.now() - t);
  }
  const refMs = median(tr);
  const wasmMs = median(tw);
  rows.push({ kernel: 'first pass (b, G, L)', size: `${Wd}x${Hd} 8-bit`, refMs, wasmMs, ratio: refMs / wasmMs });
  if (!JSON_OUT) {
    console.log(`${'first pass (b, G, L)'.padEnd(22)} ${`${Wd}x${Hd} 8-bit`.padEnd(26)} ref ${refMs.toFixed(3).padStart(9)} ms   wasm ${wasmMs.toFixed(3).padStart(8)} ms   ×${(refMs / wasmMs).toFixed(1)}`);
  }

  // Worker pool throughput on a batch of frames (ms per frame, wall clock). The results are kept,
  // as the frame store keeps G and L, so both paths pay for fresh result memory.
  const N = 48;
  const frames = Array.from({ length: 8 }, (_, i) => {
    const a = new Uint8Array(stored);
    a[i] ^= 1;
    return a;
  });
  let kept: unknown[] = [];
  let t = performance.now();
  for (let i = 0; i < N; i++) kept.push(inst.firstPass({ ...job, data: frames[i % 8] }));
  const single = (performance.now() - t) / N;
  kept = [];
  const pools: { threads: number; msPerFrame: number }[] = [];
  for (const threads of [1, 2, 4]) {
    const pool = KernelPool.require({ threads });
    await Promise.all(Array.from({ length: threads }, () => pool.firstPass(job)));
    t = performance.now();
    kept = await Promise.all(Array.from({ length: N }, (_, i) => pool.firstPass({ ...job, data: frames[i % 8] })));
    pools.push({ threads, msPerFrame: (performance.now() - t) / N });
    kept = [];
    await pool.close();
  }
  if (JSON_OUT) {
    console.log(JSON.stringify({ runs: RUNS, rows, firstPassBatch: { singleThreadMsPerFrame: single, pools } }, null, 2));
  } else {
    console.log(`first pass, batch of ${N} frames (results kept): main thread ${single.toFixed(2)} ms/frame; ` +
      pools.map((p) => `pool×${p.threads} ${p.msPerFrame.toFixed(2)} ms/frame`).join('; '));
  }
}
