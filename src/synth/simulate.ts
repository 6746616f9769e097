/**
 * Seeing simulator: renders a lucky-imaging frame sequence of a procedural truth scene.
 *
 * Model (the same as ../shared/data/synthetic/moon-512/README.md describes, with its parameters):
 *  - truth: the procedural scene softened by a Gaussian of `truthSigma` px (the optics);
 *  - frame quality q_k: log-normal, median 1, log-spread `spread` (lower = sharper), the normal
 *    deviate truncated at ±2.5;
 *  - global jitter: a damped random walk (AR(1), coefficient `jitterCorr`) plus white jitter;
 *    `jitter` is the rms length of the 2-D displacement (per axis jitter/√2);
 *    3/4 of the variance is in the walk, 1/4 white;
 *  - local warp: a smooth random displacement field (correlation length `warpScale` px), zero
 *    mean over the frame, rms length exactly warp·q_k;
 *  - blur: Gaussian with sigma blur·q_k·(1 + blurLocal·f(x, y)), f a smooth field with max |f| = 1
 *    (three sigma levels blended per pixel in variance);
 *  - noise: Poisson shot noise (`well` electrons for signal 1) plus Gaussian read noise (`read`
 *    electrons); ADU = gain · electrons / well + offset, rounded and clipped to the bit depth.
 *
 * Frame k at pixel (y, x) shows the truth at (y + global_dy, x + global_dx) (plus the local warp):
 * to register frame k onto the truth, shift its content by (+global_dy, +global_dx).
 *
 * All randomness comes from seeded streams (prng.ts): the truth depends on (kind, seed, size) only,
 * the quality and jitter series on the seed and the series parameters, frame k's warp, blur map and
 * noise on (seed, k). Same options → identical bytes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import type { Image } from '../image/image.js';
import { encodeSer } from '../io/ser.js';
import { Rng } from './prng.js';
import { smoothRandomField } from './noise.js';
import { renderScene, type SceneKind } from './truth.js';

export interface SynthOptions {
  kind: SceneKind;
  width: number;
  height: number;
  frames: number;
  seed: number;
  /** rms length of the global displacement, px. */
  jitter: number;
  /** AR(1) coefficient of the random-walk part of the jitter (0 = all white). */
  jitterCorr: number;
  /** rms length of the local warp at quality 1, px. */
  warp: number;
  /** Correlation length of the warp field, px. */
  warpScale: number;
  /** Gaussian blur sigma at quality 1, px. */
  blur: number;
  /** Log-normal spread of the frame quality (std of ln q). */
  spread: number;
  /** Relative variation of the blur sigma across the frame (±). */
  blurLocal: number;
  /** Electrons for signal 1. */
  well: number;
  /** Read noise, electrons rms. */
  read: number;
  /** ADU per unit signal. Default 60000 (16-bit) or 230 (8-bit). */
  gain: number;
  /** ADU offset. Default 800 (16-bit) or 6 (8-bit). */
  offset: number;
  bitDepth: 8 | 16;
  /** Frame rate for the SER timestamps. */
  fps: number;
  /** moon: draw the limb with black sky. */
  limb: boolean;
  /**
   * Gaussian sigma (px) the scene is softened by before it becomes the truth — the optics'
   * diffraction-limited image; the seeing blur comes on top of it.
   */
  truthSigma: number;
}

export const DEFAULT_SYNTH_OPTIONS: SynthOptions = {
  kind: 'moon', width: 320, height: 240, frames: 60, seed: 1,
  jitter: 4, jitterCorr: 0.85, warp: 1.2, warpScale: 40, blur: 1.6, spread: 0.45, blurLocal: 0.35,
  well: 4000, read: 4, gain: 60000, offset: 800, bitDepth: 16, fps: 30, limb: false, truthSigma: 1.0,
};

export interface SynthFrameMeta {
  k: number;
  global_dy: number;
  global_dx: number;
  quality: number;
  blur_sigma: number;
  warp_rms: number;
}

export interface SynthMeta {
  args: Record<string, unknown>;
  width: number;
  height: number;
  frames: SynthFrameMeta[];
  adu: { gain_per_unit: number; offset: number };
}

export interface SynthSequence {
  options: SynthOptions;
  /** The truth on the 0..65535 scale (signal · 65535). */
  truth: Image;
  /** Frames as stored (Uint16Array for 16-bit, Uint8Array for 8-bit), row-major mono. */
  frames: (Uint16Array | Uint8Array)[];
  meta: SynthMeta;
}

/** Fills in defaults (bit-depth dependent gain/offset) and checks the options. */
export function resolveSynthOptions(partial: Partial<SynthOptions> = {}): SynthOptions {
  const bitDepth = partial.bitDepth ?? 16;
  const o: SynthOptions = {
    ...DEFAULT_SYNTH_OPTIONS,
    gain: bitDepth === 8 ? 230 : 60000,
    offset: bitDepth === 8 ? 6 : 800,
    ...Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)),
  } as SynthOptions;
  const posInt = (n: number) => Number.isInteger(n) && n > 0;
  if (!posInt(o.width) || !posInt(o.height) || o.width < 16 || o.height < 16) throw new Error(`bad size ${o.width}x${o.height}`);
  if (!posInt(o.frames)) throw new Error(`bad frame count ${o.frames}`);
  if (!Number.isInteger(o.seed)) throw new Error(`seed must be an integer`);
  if (o.kind !== 'moon' && o.kind !== 'planet') throw new Error(`unknown kind '${o.kind}' (moon|planet)`);
  if (o.bitDepth !== 8 && o.bitDepth !== 16) throw new Error('bit depth must be 8 or 16');
  for (const k of ['jitter', 'warp', 'blur', 'spread', 'blurLocal', 'read', 'offset', 'truthSigma'] as const) {
    if (!(o[k] >= 0)) throw new Error(`${k} must be ≥ 0`);
  }
  if (!(o.warpScale > 0) || !(o.well > 0) || !(o.gain > 0) || !(o.fps > 0)) throw new Error('warpScale, well, gain and fps must be > 0');
  if (!(o.jitterCorr >= 0 && o.jitterCorr < 1)) throw new Error('jitterCorr must be in [0, 1)');
  if (!(o.blurLocal < 1)) throw new Error('blurLocal must be < 1');
  return o;
}

/** Quality and global-shift series (deterministic in seed, frames and the series parameters). */
export function simulateSeries(o: SynthOptions): { quality: number[]; dy: number[]; dx: number[] } {
  const rng = new Rng(o.seed, 'series');
  const quality: number[] = [], dy: number[] = [], dx: number[] = [];
  const perAxis = o.jitter / Math.SQRT2;
  const walkSd = perAxis * Math.sqrt(0.75), whiteSd = perAxis * Math.sqrt(0.25);
  const rho = o.jitterCorr;
  const innov = walkSd * Math.sqrt(1 - rho * rho);
  let wy = walkSd * rng.normal(), wx = walkSd * rng.normal();
  for (let k = 0; k < o.frames; k++) {
    if (k > 0) { wy = rho * wy + innov * rng.normal(); wx = rho * wx + innov * rng.normal(); }
    dy.push(wy + whiteSd * rng.normal());
    dx.push(wx + whiteSd * rng.normal());
    // log-normal, the normal deviate truncated at ±2.5 (no frame is perfect or hopeless)
    quality.push(Math.exp(o.spread * Math.max(-2.5, Math.min(2.5, rng.normal()))));
  }
  return { quality, dy, dx };
}

// ---------------------------------------------------------------------------------------------
// per-frame rendering

function catmullRom(t: number, w: Float64Array): void {
  const t2 = t * t, t3 = t2 * t;
  w[0] = -0.5 * t3 + t2 - 0.5 * t;
  w[1] = 1.5 * t3 - 2.5 * t2 + 1;
  w[2] = -1.5 * t3 + 2 * t2 + 0.5 * t;
  w[3] = 0.5 * t3 - 0.5 * t2;
}

/** Bicubic (Catmull-Rom) sample of a canvas at (y, x), coordinates clamped to the canvas. */
function sampleBicubic(c: Float32Array, cw: number, ch: number, y: number, x: number, wy: Float64Array, wx: Float64Array): number {
  if (x < 1) x = 1; else if (x > cw - 3) x = cw - 3;
  if (y < 1) y = 1; else if (y > ch - 3) y = ch - 3;
  const x0 = Math.floor(x), y0 = Math.floor(y);
  catmullRom(x - x0, wx);
  catmullRom(y - y0, wy);
  let s = 0;
  for (let j = 0; j < 4; j++) {
    const o = (y0 - 1 + j) * cw + x0 - 1;
    s += wy[j] * (wx[0] * c[o] + wx[1] * c[o + 1] + wx[2] * c[o + 2] + wx[3] * c[o + 3]);
  }
  return s;
}

function gaussKernel(sigma: number): Float32Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) { k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma)); s += k[i + r]; }
  for (let i = 0; i < k.length; i++) k[i] /= s;
  return k;
}

/**
 * Gaussian blur of a w×h image, output only for the inner region [pad, w−pad)×[pad, h−pad)
 * (the caller gives enough margin: pad ≥ the kernel radius).
 */
function blurInner(src: Float32Array, w: number, h: number, pad: number, sigma: number): Float32Array {
  const ow = w - 2 * pad, oh = h - 2 * pad;
  const out = new Float32Array(ow * oh);
  if (sigma < 0.1) {
    for (let y = 0; y < oh; y++) out.set(src.subarray((y + pad) * w + pad, (y + pad) * w + pad + ow), y * ow);
    return out;
  }
  const k = gaussKernel(sigma);
  const r = (k.length - 1) >> 1;
  if (r > pad) throw new Error('blur margin too small');
  // vertical pass over the rows needed, on the columns needed
  const tmp = new Float32Array(oh * w);
  for (let y = 0; y < oh; y++) {
    const to = y * w;
    for (let j = -r; j <= r; j++) {
      const kj = k[j + r], so = (y + pad + j) * w;
      for (let x = pad - r; x < w - pad + r; x++) tmp[to + x] += kj * src[so + x];
    }
  }
  for (let y = 0; y < oh; y++) {
    const to = y * w, oo = y * ow;
    for (let x = 0; x < ow; x++) {
      let s = 0;
      const c = to + x + pad;
      for (let j = -r; j <= r; j++) s += k[j + r] * tmp[c + j];
      out[oo + x] = s;
    }
  }
  return out;
}

interface Canvas {
  data: Float32Array;
  width: number;
  height: number;
  /** Truth coordinate of canvas pixel (0, 0) is (−margin, −margin). */
  margin: number;
}

/** Renders frame k's signal (0..1, before noise). */
function renderFrameSignal(o: SynthOptions, canvas: Canvas, q: number, gdy: number, gdx: number, rng: Rng): Float32Array {
  const { width: W, height: H } = o;
  const s = o.blur * q;
  const sMax = s * (1 + o.blurLocal);
  const pad = Math.max(1, Math.ceil(3 * sMax)) + 1;
  const ew = W + 2 * pad, eh = H + 2 * pad;

  // local warp: two smooth fields, zero mean and rms length warp·q over the frame
  const warpRms = o.warp * q;
  const spacing = Math.max(2, o.warpScale / 1.2);
  const fy = smoothRandomField(ew, eh, spacing, rng);
  const fx = smoothRandomField(ew, eh, spacing, rng);
  let my = 0, mx = 0, n = 0;
  for (let y = pad; y < pad + H; y++) for (let x = pad; x < pad + W; x++) { my += fy[y * ew + x]; mx += fx[y * ew + x]; n++; }
  my /= n; mx /= n;
  let ms = 0;
  for (let y = pad; y < pad + H; y++) for (let x = pad; x < pad + W; x++) {
    ms += (fy[y * ew + x] - my) ** 2 + (fx[y * ew + x] - mx) ** 2;
  }
  const wsc = ms > 0 ? warpRms / Math.sqrt(ms / n) : 0;

  // blur map: f in [-1, 1], large-scale
  const bf = smoothRandomField(W, H, Math.max(8, 0.45 * Math.max(W, H)), rng);
  let bmean = 0;
  for (let i = 0; i < bf.length; i++) bmean += bf[i];
  bmean /= bf.length;
  let bmax = 0;
  for (let i = 0; i < bf.length; i++) bmax = Math.max(bmax, Math.abs(bf[i] - bmean));

  // warped (sharp) extended frame
  const warped = new Float32Array(ew * eh);
  const wyb = new Float64Array(4), wxb = new Float64Array(4);
  const cm = canvas.margin;
  for (let y = 0; y < eh; y++) {
    for (let x = 0; x < ew; x++) {
      const i = y * ew + x;
      const ty = y - pad + gdy + (fy[i] - my) * wsc + cm;
      const tx = x - pad + gdx + (fx[i] - mx) * wsc + cm;
      warped[i] = sampleBicubic(canvas.data, canvas.width, canvas.height, ty, tx, wyb, wxb);
    }
  }

  // spatially varying blur: levels blended in variance
  if (!(s > 0)) {
    const out = new Float32Array(W * H);
    for (let y = 0; y < H; y++) out.set(warped.subarray((y + pad) * ew + pad, (y + pad) * ew + pad + W), y * W);
    return out;
  }
  const nLevels = o.blurLocal > 0 ? 3 : 1;
  const sigmas: number[] = [];
  for (let l = 0; l < nLevels; l++) sigmas.push(nLevels === 1 ? s : s * (1 - o.blurLocal + (2 * o.blurLocal * l) / (nLevels - 1)));
  const levels = sigmas.map((sg) => blurInner(warped, ew, eh, pad, sg));
  if (nLevels === 1) return levels[0];
  const out = new Float32Array(W * H);
  const vars = sigmas.map((sg) => sg * sg);
  for (let i = 0; i < W * H; i++) {
    const f = bmax > 0 ? (bf[i] - bmean) / bmax : 0;
    const sg = s * (1 + o.blurLocal * f);
    const v = sg * sg;
    let l = 0;
    while (l < nLevels - 2 && v > vars[l + 1]) l++;
    let t = (v - vars[l]) / (vars[l + 1] - vars[l]);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    out[i] = levels[l][i] * (1 - t) + levels[l + 1][i] * t;
  }
  return out;
}

/** Simulates a whole sequence in memory. */
export function simulateSequence(partial: Partial<SynthOptions> = {}): SynthSequence {
  const o = resolveSynthOptions(partial);
  const { width: W, height: H } = o;
  const series = simulateSeries(o);
  const qMax = Math.max(...series.quality);
  const shiftMax = Math.max(...series.dy.map(Math.abs), ...series.dx.map(Math.abs));
  // canvas margin: shift + a generous warp bound + blur margin; sampling clamps beyond it
  const margin = Math.ceil(shiftMax + 4 * o.warp * qMax + 3 * o.blur * qMax * (1 + o.blurLocal) + 6);
  const tpad = Math.ceil(3 * o.truthSigma) + 1;
  const cw = W + 2 * margin, ch = H + 2 * margin;
  const scene = renderScene(o.kind, o.seed, W, H, { x0: -margin - tpad, y0: -margin - tpad, width: cw + 2 * tpad, height: ch + 2 * tpad }, { limb: o.limb });
  const canvas: Canvas = { width: cw, height: ch, margin, data: blurInner(scene, cw + 2 * tpad, ch + 2 * tpad, tpad, o.truthSigma) };
  const truthData = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    const so = (y + margin) * canvas.width + margin;
    for (let x = 0; x < W; x++) truthData[y * W + x] = canvas.data[so + x] * 65535;
  }
  const maxAdu = o.bitDepth === 8 ? 255 : 65535;
  const frames: (Uint16Array | Uint8Array)[] = [];
  const metaFrames: SynthFrameMeta[] = [];
  const gPerE = o.gain / o.well;
  for (let k = 0; k < o.frames; k++) {
    const q = series.quality[k];
    const rng = new Rng(o.seed, `frame ${k}`);
    const sig = renderFrameSignal(o, canvas, q, series.dy[k], series.dx[k], rng);
    const out = o.bitDepth === 8 ? new Uint8Array(W * H) : new Uint16Array(W * H);
    for (let i = 0; i < W * H; i++) {
      const e = rng.poisson(Math.max(0, sig[i]) * o.well) + o.read * rng.normal();
      const adu = Math.round(gPerE * e + o.offset);
      out[i] = adu < 0 ? 0 : adu > maxAdu ? maxAdu : adu;
    }
    frames.push(out);
    metaFrames.push({ k, global_dy: series.dy[k], global_dx: series.dx[k], quality: q, blur_sigma: o.blur * q, warp_rms: o.warp * q });
  }
  const meta: SynthMeta = {
    args: {
      truth: o.kind, generator: 'luckygraph src/synth/generate.ts', size: `${W}x${H}`, frames: o.frames, seed: o.seed,
      jitter: o.jitter, jitter_corr: o.jitterCorr, warp: o.warp, warp_scale: o.warpScale, blur: o.blur,
      blur_spread: o.spread, blur_local: o.blurLocal, well: o.well, read: o.read, bit_depth: o.bitDepth,
      fps: o.fps, limb: o.limb, truth_sigma: o.truthSigma,
    },
    width: W,
    height: H,
    frames: metaFrames,
    adu: { gain_per_unit: o.gain, offset: o.offset },
  };
  return { options: o, truth: { width: W, height: H, channels: 1, data: truthData }, frames, meta };
}

/** Fixed capture start used for SER timestamps (keeps output byte-identical run to run). */
export const SYNTH_START_MS = Date.UTC(2024, 0, 15, 21, 0, 0);

/** SER file bytes of a simulated sequence (mono, with a timestamp trailer). */
export function sequenceSerBytes(seq: SynthSequence): Buffer {
  const o = seq.options;
  const timestamps = seq.frames.map((_, k) => SYNTH_START_MS + Math.round((k * 1000) / o.fps));
  return encodeSer({
    width: o.width, height: o.height, colorLayout: 'mono', bitDepth: o.bitDepth,
    observer: 'luckygraph synth', instrument: `seeing simulator (${o.kind})`, telescope: `seed ${o.seed}`,
    startMs: SYNTH_START_MS, timestamps,
  }, seq.frames);
}

/** 16-bit gray PNG bytes of the truth. */
export function truthPngBytes(seq: SynthSequence): Uint8Array {
  const { width, height, data } = seq.truth;
  const u = new Uint16Array(width * height);
  for (let i = 0; i < u.length; i++) u[i] = Math.max(0, Math.min(65535, Math.round(data[i])));
  return encodePng({ width, height, data: u, depth: 16, channels: 1 });
}

/** Writes frames.ser, truth.png and meta.json into `dir` (created if needed). */
export function writeSequence(dir: string, seq: SynthSequence): { ser: string; truth: string; meta: string } {
  mkdirSync(dir, { recursive: true });
  const paths = { ser: join(dir, 'frames.ser'), truth: join(dir, 'truth.png'), meta: join(dir, 'meta.json') };
  writeFileSync(paths.ser, sequenceSerBytes(seq));
  writeFileSync(paths.truth, truthPngBytes(seq));
  writeFileSync(paths.meta, JSON.stringify(seq.meta, null, 1) + '\n');
  return paths;
}
