/**
 * The Shift node's multilevel correlations, one wasm call per frame (`mlcFrame` in
 * assembly/kernels.ts): the per-AP setup (templates, blur tables, weights) is laid out once per run
 * in the instance's memory; each frame then copies in only the rows of G its windows need, the list
 * of APs and gets back every AP's phase shifts. With the row helper thread (row-helper.ts) the
 * second half of a frame's APs runs there at the same time, on its own scratch.
 *
 * Results are bit-identical with `mlc()` (src/nodes/lib/mlc.ts) on the WebAssembly `correlateWindow`:
 * the same kernels in the same order (tests/image/mlc-frame.test.ts).
 */
import type { Image, Rect } from '../image.ts';
import { gaussianKernel } from '../blur.ts';
import { blurTables, Layout, WasmMemoryError, type WasmKernelInstance } from './module.ts';

/** What stays the same for every frame of a run. */
export interface MlcFrameSpec {
  /** Per AP: `refFull` = reference[box], `refHalf` = refFull[0::2, 0::2] (mlcReferences). */
  readonly refs: readonly { readonly refFull: Image; readonly refHalf: Image }[];
  /** Per AP: the box in reference coordinates. */
  readonly boxes: readonly Rect[];
  /** Phase-1 search radius s1 (phase1Radius(searchWidth)). */
  readonly s1: number;
  /** Phase-1 penalty weights, (2s1+1)² (or null). */
  readonly weights: Float32Array | null;
  /** Kernel size of the phase-1 window blur (the frames' noise level). */
  readonly gw: number;
  readonly subpixel: boolean;
}

/** Status codes of `mlcFrame` (per job). */
export const MLC_STATUS = ['ok', 'rim1', 'bounds1', 'rim2', 'bounds2'] as const;

/** APs of one frame below which the helper thread is not worth a hand-over. */
const SPLIT_MIN_JOBS = 4;
const REC = 13;
const PHASE2_RADIUS = 4;

export class WasmMlcFrames {
  private mark: { readonly top: number; readonly epoch: number } | null = null;
  private apsPtr = 0;
  private paramsPtr = 0;
  private scratch: [number, number] = [0, 0];
  private readonly e: number;

  constructor(private readonly inst: WasmKernelInstance, private readonly spec: MlcFrameSpec) {
    if (!inst.exports.mlcFrame) throw new Error('kernels.wasm has no mlcFrame (rebuild with npm run build:wasm)');
    if (spec.refs.length !== spec.boxes.length) throw new Error(`mlcFrame: ${spec.refs.length} references for ${spec.boxes.length} boxes`);
    const n1 = 2 * Math.max(spec.s1, 0) + 1;
    if (spec.weights && spec.weights.length !== n1 * n1) throw new Error(`mlcFrame: ${spec.weights.length} weights, expected ${n1}x${n1}`);
    spec.boxes.forEach((b, a) => {
      const { refFull, refHalf } = spec.refs[a];
      const bh = b.y1 - b.y0;
      const bw = b.x1 - b.x0;
      if (refFull.width !== bw || refFull.height !== bh || refHalf.width !== Math.ceil(bw / 2) || refHalf.height !== Math.ceil(bh / 2)) {
        throw new Error(`mlcFrame: the references of AP ${a} do not match its ${bw}x${bh} box`);
      }
    });
    this.e = 2 * spec.s1;
  }

  /** Lays out the per-run tables and two scratch sets (one per thread) after a reset. */
  private setup(): void {
    const { inst, spec } = this;
    const e = Math.max(this.e, 0);
    const A = spec.boxes.length;
    const k = gaussianKernel(spec.gw);
    inst.reset();
    const params = inst.alloc(32);
    const aps = inst.alloc(A * REC * 4);
    const n1 = 2 * Math.max(spec.s1, 0) + 1;
    const wts = spec.weights ? inst.alloc(n1 * n1 * 4) : 0;
    // templates, and the blur tables of each distinct phase-1 window size
    const tplPtr: number[][] = [];
    const tables = new Map<string, { kp: number; xsrc: number; ytab: number; data: { offset: number; data: Uint8Array }[] }>();
    let maxWin = 0;
    let maxRow = 0;
    let maxRows = 0;
    for (let a = 0; a < A; a++) {
      const { refFull, refHalf } = spec.refs[a];
      tplPtr.push([inst.alloc(refHalf.data.length * 4), inst.alloc(refFull.data.length * 4)]);
      const b = spec.boxes[a];
      const Ww = Math.ceil((b.x1 - b.x0 + 2 * e) / 2);
      const Hw = Math.ceil((b.y1 - b.y0 + 2 * e) / 2);
      const W2 = b.x1 - b.x0 + 2 * PHASE2_RADIUS;
      const H2 = b.y1 - b.y0 + 2 * PHASE2_RADIUS;
      maxWin = Math.max(maxWin, Ww * Hw, W2 * H2);
      maxRow = Math.max(maxRow, Ww + 1, W2 + 1);
      maxRows = Math.max(maxRows, Hw + 1, H2 + 1);
      const key = `${Ww}x${Hw}`;
      if (!tables.has(key)) {
        const t = blurTables(new Layout(0), Ww, Hw, 1, k);
        const base = inst.alloc(t.end);
        tables.set(key, { kp: base + t.kp, xsrc: base + t.xsrc, ytab: base + t.ytab, data: t.tables.map((tb) => ({ offset: base + tb.offset, data: tb.data })) });
      }
    }
    // per thread: win, I, ii, map, ring, pad, rowp (the blur scratch sized for the widest window)
    const r = (k.length - 1) >> 1;
    const scratch: [number, number] = [0, 0];
    const sizes = [maxWin * 4, maxWin * 4, maxRows * maxRow * 8, maxWin * 4, (2 * r + 1) * maxRow * 4, (maxRow + 2 * r) * 4, 2 * r * 4 + 4];
    const sets: number[][] = [];
    for (let t = 0; t < 2; t++) {
      scratch[t] = inst.alloc(32);
      sets.push(sizes.map((s) => inst.alloc(s)));
    }
    // all allocations done: fill (views are valid until the next grow)
    const i32 = (p: number, n: number) => inst.i32(p, n);
    i32(params, 6).set([spec.s1, this.e, n1, wts, spec.subpixel ? 1 : 0, r]);
    if (spec.weights) inst.f32(wts, spec.weights.length).set(spec.weights);
    const rec = i32(aps, A * REC);
    for (let a = 0; a < A; a++) {
      const { refFull, refHalf } = spec.refs[a];
      const b = spec.boxes[a];
      inst.f32(tplPtr[a][0], refHalf.data.length).set(refHalf.data);
      inst.f32(tplPtr[a][1], refFull.data.length).set(refFull.data);
      const Ww = Math.ceil((b.x1 - b.x0 + 2 * e) / 2);
      const Hw = Math.ceil((b.y1 - b.y0 + 2 * e) / 2);
      const t = tables.get(`${Ww}x${Hw}`)!;
      rec.set([b.y0, b.y1, b.x0, b.x1, tplPtr[a][0], refHalf.width, refHalf.height, tplPtr[a][1], refFull.width, refFull.height, t.kp, t.xsrc, t.ytab], a * REC);
    }
    const buf = inst.exports.memory.buffer;
    for (const t of tables.values()) for (const tb of t.data) new Uint8Array(buf, tb.offset, tb.data.length).set(tb.data);
    for (let t = 0; t < 2; t++) i32(scratch[t], 7).set(sets[t]);
    this.apsPtr = aps;
    this.paramsPtr = params;
    this.scratch = scratch;
    this.mark = inst.mark();
  }

  /**
   * Measures the APs `jobs` (indices into the spec) in one frame: `G` holds the frame's blurred
   * samples (16-bit), its boxes move by the frame's integer global offset (dy, dx). Returns 5 floats
   * per job: status (MLC_STATUS index), sh1y, sh1x, sh2y, sh2x (zeros where a phase failed).
   * Throws WasmMemoryError when the memory cannot grow.
   */
  run(G: { width: number; height: number; data: Uint16Array }, jobs: Int32Array, dy: number, dx: number): Float64Array {
    const { inst, spec } = this;
    const n = jobs.length;
    const { width: W, height: H, data } = G;
    if (data.length !== W * H) throw new Error(`mlcFrame: the frame must hold ${W}x${H} samples`);
    if (n === 0) return new Float64Array(0);
    if (!this.mark || !inst.resetTo(this.mark)) this.setup();
    // the rows the windows can touch: phase 1 ±e, phase 2 ±(e − 2 + 4)
    const m = Math.max(this.e, 0) + PHASE2_RADIUS;
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = 0; j < n; j++) {
      const a = jobs[j];
      if (!(a >= 0 && a < spec.boxes.length)) throw new Error(`mlcFrame: AP ${a} out of range`);
      lo = Math.min(lo, spec.boxes[a].y0 + dy - m);
      hi = Math.max(hi, spec.boxes[a].y1 + dy + m);
    }
    const gy0 = Math.max(0, Math.min(H, lo));
    const gy1 = Math.max(gy0, Math.min(H, hi));
    const gPtr = inst.alloc((gy1 - gy0) * W * 2);
    const jobsPtr = inst.alloc(n * 4);
    const out = inst.alloc(n * 5 * 8);
    inst.u16(gPtr, (gy1 - gy0) * W).set(data.subarray(gy0 * W, gy1 * W));
    inst.i32(jobsPtr, n).set(jobs);
    const fn = inst.exports.mlcFrame!;
    const helper = inst.readySplitter;
    if (helper && n >= SPLIT_MIN_JOBS) {
      const mid = n >> 1;
      helper.startMlcFrame([this.apsPtr, this.paramsPtr, gPtr, gy0, W, H, jobsPtr + mid * 4, n - mid, dy, dx, out + mid * 40, this.scratch[1]]);
      fn(this.apsPtr, this.paramsPtr, gPtr, gy0, W, H, jobsPtr, mid, dy, dx, out, this.scratch[0]);
      try {
        helper.wait();
      } catch {
        fn(this.apsPtr, this.paramsPtr, gPtr, gy0, W, H, jobsPtr + mid * 4, n - mid, dy, dx, out + mid * 40, this.scratch[0]);
      }
    } else {
      fn(this.apsPtr, this.paramsPtr, gPtr, gy0, W, H, jobsPtr, n, dy, dx, out, this.scratch[0]);
    }
    return Float64Array.from(inst.f64(out, n * 5));
  }
}

