/**
 * The Stack node's weight sum Σω (PSS §12.1) and where the background is needed (§12.2).
 *
 * Σω[Y, X] = 1e−30 + Σ over the AP patches covering (Y, X) of K·min(wy[Y − y0], wx[X − x0]), summed
 * in patch order, each term added in float64 and the sum rounded to float32 (the accumulator is a
 * Float32Array). `rampWeightSum` also counts the holes (Σω < 1e−10) and the pixels under the blend
 * threshold (Σω < lim = 0.2·K) and marks the background tiles holding one. The TypeScript loop is the
 * reference; the WebAssembly kernel `stackWeights` computes the same, bit for bit.
 */
import { WasmMemoryError } from '../../image/wasm/module.js';
import { sharedWasmInstance, wasmKernelsEnabled } from '../../image/wasm/node.js';
import { freshFloat32 } from '../../image/fresh-memory.js';

/** One AP patch on the drizzled grid with its ramps (rampWeights). */
export interface WeightedPatch {
  y0: number;
  y1: number;
  x0: number;
  x1: number;
  wy: Float32Array;
  wx: Float32Array;
}

export interface WeightSum {
  weightSum: Float32Array;
  /** Pixels with Σω < 1e−10 (covered by no patch). */
  holes: number;
  /** Pixels with Σω < lim. */
  below: number;
  /** tiles[ty · tilesX + tx] = 1 when tile (ty, tx) (tile × tile drizzled pixels) holds a pixel with Σω < lim. */
  tiles: Uint8Array;
  tilesX: number;
  tilesY: number;
}

function checkPatches(patches: readonly WeightedPatch[], hD: number, wD: number): void {
  for (const p of patches) {
    if (!(p.y0 >= 0 && p.y0 <= p.y1 && p.y1 <= hD && p.x0 >= 0 && p.x0 <= p.x1 && p.x1 <= wD)) {
      throw new RangeError(`rampWeightSum: patch [${p.y0},${p.y1})x[${p.x0},${p.x1}) outside the ${wD}x${hD} image`);
    }
    if (p.wy.length < p.y1 - p.y0 || p.wx.length < p.x1 - p.x0) throw new RangeError('rampWeightSum: a ramp is shorter than its patch');
  }
}

/** The reference (TypeScript) computation. */
export function rampWeightSumTS(patches: readonly WeightedPatch[], hD: number, wD: number, K: number, lim: number, tile: number): WeightSum {
  checkPatches(patches, hD, wD);
  const ws = freshFloat32(hD * wD).fill(1e-30);
  for (const { y0, y1, x0, x1, wy, wx } of patches) {
    for (let Y = y0; Y < y1; Y++) {
      const rb = Y * wD;
      const a = wy[Y - y0];
      for (let X = x0; X < x1; X++) {
        const b = wx[X - x0];
        ws[rb + X] += K * (a < b ? a : b);
      }
    }
  }
  const tilesX = Math.ceil(wD / tile);
  const tilesY = Math.ceil(hD / tile);
  const tiles = new Uint8Array(tilesX * tilesY);
  let holes = 0;
  let below = 0;
  for (let Y = 0; Y < hD; Y++) {
    const tb = Math.floor(Y / tile) * tilesX;
    for (let X = 0; X < wD; X++) {
      const v = ws[Y * wD + X];
      if (v < lim) {
        below++;
        tiles[tb + Math.floor(X / tile)] = 1;
      }
      if (v < 1e-10) holes++;
    }
  }
  return { weightSum: ws, holes, below, tiles, tilesX, tilesY };
}

/** `rampWeightSumTS` in WebAssembly (same results); null when the kernels are not in use. */
function rampWeightSumWasm(patches: readonly WeightedPatch[], hD: number, wD: number, K: number, lim: number, tile: number): WeightSum | null {
  const inst = wasmKernelsEnabled() ? sharedWasmInstance() : null;
  const fn = inst?.exports.stackWeights;
  if (!inst || !fn) return null;
  checkPatches(patches, hD, wD);
  const N = hD * wD;
  const tilesX = Math.ceil(wD / tile);
  const tilesY = Math.ceil(hD / tile);
  inst.reset();
  const ws = inst.alloc(N * 4);
  const recs = inst.alloc(patches.length * 24);
  const ramps = patches.map((p) => [inst.alloc((p.y1 - p.y0) * 4), inst.alloc((p.x1 - p.x0) * 4)]);
  const tp = inst.alloc(tilesX * tilesY);
  const counts = inst.alloc(8);
  const rec = inst.i32(recs, patches.length * 6);
  patches.forEach((p, r) => {
    rec.set([p.y0, p.y1, p.x0, p.x1, ramps[r][0], ramps[r][1]], 6 * r);
    inst.f32(ramps[r][0], p.y1 - p.y0).set(p.wy.subarray(0, p.y1 - p.y0));
    inst.f32(ramps[r][1], p.x1 - p.x0).set(p.wx.subarray(0, p.x1 - p.x0));
  });
  inst.u8(tp, tilesX * tilesY).fill(0);
  fn(ws, wD, hD, recs, patches.length, K, lim, tile, tilesX, tp, counts);
  const c = inst.i32(counts, 2);
  return {
    weightSum: inst.copyF32(ws, N), holes: c[0], below: c[1], tiles: Uint8Array.from(inst.u8(tp, tilesX * tilesY)), tilesX, tilesY,
  };
}

/** Σω and its statistics (WebAssembly when in use, else the reference; identical results). */
export function rampWeightSum(patches: readonly WeightedPatch[], hD: number, wD: number, K: number, lim: number, tile: number): WeightSum {
  try {
    const r = rampWeightSumWasm(patches, hD, wD, K, lim, tile);
    if (r) return r;
  } catch (e) {
    if (!(e instanceof WasmMemoryError)) throw e;
  }
  return rampWeightSumTS(patches, hD, wD, K, lim, tile);
}

/**
 * Rows of the undrizzled h×w image with the x-runs [x0, x1) where the background is needed: every
 * pixel when `all`, else the tiles (TILE × TILE undrizzled pixels, i.e. the drizzled tiles of `ws`)
 * marked in `ws.tiles`, each grown by `margin` px and clipped to the image. Runs are maximal (touching
 * or overlapping tiles merge), ordered by row then x.
 */
export function backgroundRuns(
  ws: Pick<WeightSum, 'tiles' | 'tilesX' | 'tilesY'>, h: number, w: number, TILE: number, margin: number, all: boolean,
): { y: number; x0: number; x1: number }[] {
  const runs: { y: number; x0: number; x1: number }[] = [];
  if (all) {
    for (let y = 0; y < h; y++) if (w > 0) runs.push({ y, x0: 0, x1: w });
    return runs;
  }
  const rects: { y0: number; y1: number; x0: number; x1: number }[] = [];
  for (let ty = 0; ty < ws.tilesY; ty++) {
    for (let tx = 0; tx < ws.tilesX; tx++) {
      if (!ws.tiles[ty * ws.tilesX + tx]) continue;
      const y0 = ty * TILE;
      const x0 = tx * TILE;
      rects.push({
        y0: Math.max(0, y0 - margin), y1: Math.min(h, Math.min(y0 + TILE, h) + margin),
        x0: Math.max(0, x0 - margin), x1: Math.min(w, Math.min(x0 + TILE, w) + margin),
      });
    }
  }
  for (let y = 0; y < h; y++) {
    const spans = rects.filter((r) => r.y0 <= y && y < r.y1).map((r) => [r.x0, r.x1]).sort((a, b) => a[0] - b[0]);
    let cur: [number, number] | null = null;
    for (const [a, b] of spans) {
      if (cur && a <= cur[1]) cur[1] = Math.max(cur[1], b);
      else {
        if (cur) runs.push({ y, x0: cur[0], x1: cur[1] });
        cur = [a, b];
      }
    }
    if (cur) runs.push({ y, x0: cur[0], x1: cur[1] });
  }
  return runs;
}

/**
 * Background runs (ordered by row, then x) as rectangles: runs with the same [x0, x1) on consecutive rows
 * join (each pixel is still sampled exactly as in its run — the taps of a target depend only on its own
 * coordinate — but the column taps are computed once per rectangle instead of once per row).
 */
export function runRectangles(runs: readonly { y: number; x0: number; x1: number }[]): { y0: number; lenY: number; x0: number; x1: number }[] {
  const done: { y0: number; lenY: number; x0: number; x1: number }[] = [];
  let open = new Map<string, { y0: number; lenY: number; x0: number; x1: number }>();
  let row = -1;
  let next = new Map<string, { y0: number; lenY: number; x0: number; x1: number }>();
  const endRow = () => {
    for (const [key, r] of open) if (next.get(key) !== r) done.push(r);
    open = next;
    next = new Map();
  };
  for (const run of runs) {
    if (run.y !== row) { endRow(); row = run.y; }
    const key = `${run.x0},${run.x1}`;
    const r = open.get(key);
    if (r && r.y0 + r.lenY === run.y) { r.lenY++; next.set(key, r); }
    else next.set(key, { y0: run.y, lenY: 1, x0: run.x0, x1: run.x1 });
  }
  endRow();
  endRow();
  return done;
}
