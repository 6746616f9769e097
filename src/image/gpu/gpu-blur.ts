/**
 * A gpu.js backend for the heaviest first-pass kernel, the Gaussian blur (separable, reflect-101,
 * OpenCV's kernels from blur.ts). gpu.js picks its mode: 'gpu' uses WebGL/WebGL2/headless-gl/WebGPU when
 * a real device is present; on these machines (no GPU) its 'gpu' mode silently runs WebAssembly, and
 * 'cpu' runs plain JS. `gpuBackendMode()` says which mode actually ran. Results match the reference
 * kernels within 2e-3 on the 16-bit scale (float32 accumulation order differs).
 */
import { createRequire } from 'node:module';
import type { Image } from '../image.js';
import { gaussianKernel } from '../blur.js';

// gpu.js ships CommonJS; its types do not describe `this.thread` in kernel functions.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyKernel = any;
type GpuConstructor = new (o: { mode?: string }) => AnyKernel;
let GPU: GpuConstructor | null = null;
/**
 * gpu.js, loaded on first use (it costs ~0.1 s to load; a CommonJS `require` keeps it out of the CLI
 * bundle's start-up even though this module is bundled).
 */
function gpuConstructor(): GpuConstructor {
  if (!GPU) GPU = (createRequire(import.meta.url)('gpu.js') as { GPU: GpuConstructor }).GPU;
  return GPU;
}

export type GpuMode = 'gpu' | 'cpu' | 'webgl' | 'webgl2' | 'headlessgl' | 'webgpu';

/** Modes that mean a hardware device (gpu.js's 'webasm' and 'cpu' do not). */
export const HARDWARE_MODES = new Set(['webgl', 'webgl2', 'headlessgl', 'webgpu']);

function rowPass(this: AnyKernel, img: number[], taps: number[], r: number, w: number): number {
  const x = this.thread.x;
  const y = this.thread.y;
  let s = 0;
  for (let i = 0; i < 23; i++) {
    if (i <= 2 * r) {
      let xx = x + i - r;
      if (xx < 0) xx = -xx;
      if (xx >= w) xx = 2 * w - 2 - xx;
      s += img[y * w + xx] * taps[i];
    }
  }
  return s;
}

function colPass(this: AnyKernel, img: number[], taps: number[], r: number, w: number, h: number): number {
  const x = this.thread.x;
  const y = this.thread.y;
  let s = 0;
  for (let i = 0; i < 23; i++) {
    if (i <= 2 * r) {
      let yy = y + i - r;
      if (yy < 0) yy = -yy;
      if (yy >= h) yy = 2 * h - 2 - yy;
      s += img[yy * w + x] * taps[i];
    }
  }
  return s;
}

export class GpuBlur {
  private readonly gpu: AnyKernel;
  private readonly kernels = new Map<string, { row: AnyKernel; col: AnyKernel }>();
  mode: string | null = null;

  constructor(requested: GpuMode = 'gpu') {
    this.gpu = new (gpuConstructor())({ mode: requested });
  }

  private kernelsFor(w: number, h: number) {
    const key = `${w}x${h}`;
    let k = this.kernels.get(key);
    if (!k) {
      const row = this.gpu.createKernel(rowPass).setOutput([w, h]).setPrecision('single');
      const col = this.gpu.createKernel(colPass).setOutput([w, h]).setPrecision('single');
      k = { row, col };
      this.kernels.set(key, k);
    }
    return k;
  }

  /** OpenCV GaussianBlur(k×k) of a mono image, computed by gpu.js. ksize ≤ 11 (the noise levels used). */
  blur(img: Image, ksize: number): Image {
    if (img.channels !== 1) throw new Error('GpuBlur: mono images only');
    if (ksize > 23) throw new Error(`GpuBlur: kernel size ${ksize} above 23`);
    const taps = Array.from(gaussianKernel(ksize));
    const r = (ksize - 1) / 2;
    const { width: w, height: h } = img;
    const { row, col } = this.kernelsFor(w, h);
    const padded = taps.concat(new Array(23 - taps.length).fill(0));
    const a = row(img.data, padded, r, w) as Float32Array[];
    const flat = flatten(a, w, h);
    const b = col(flat, padded, r, w, h) as Float32Array[];
    this.mode = (row.kernel?.constructor?.mode as string) ?? null;
    return { width: w, height: h, channels: 1, data: flatten(b, w, h) };
  }

  /** Runs a tiny blur so that `mode` says which gpu.js mode really runs, and returns it. */
  detectMode(): string {
    this.blur({ width: 4, height: 4, channels: 1, data: new Float32Array(16) }, 3);
    return this.mode ?? 'unknown';
  }

  destroy(): void { this.gpu.destroy?.(); }
}

function flatten(rows: Float32Array[] | Float32Array, w: number, h: number): Float32Array {
  if (rows instanceof Float32Array) return rows;
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) out.set(rows[y], y * w);
  return out;
}

/** Which gpu.js mode runs for 'gpu' here: a hardware mode, or 'webasm'/'cpu' when there is no device. */
export function gpuBackendMode(): string {
  const b = new GpuBlur('gpu');
  const m = b.detectMode();
  b.destroy();
  return m;
}
