/**
 * PSS post-processing layers (reference §13.2): multi-scale unsharp masking in the style of Registax 6.
 *
 *   L0 = I
 *   for each layer k (radius r, amount α, bilateral fraction β, bilateral range ρ, denoise δ):
 *     G  = GaussBlur_σ(L_k), σ = r/3                       (float, kernel round(8σ+1)|1, reflect-101)
 *     B  = Bilateral(L_k, σ_space = r/3, σ_color = 256·ρ)  (only when β > 1e−5)
 *     L_{k+1} = β·B + (1−β)·G
 *     D_k = L_k − L_{k+1};   if δ > 1e−5: D_k = δ·GaussBlur_σ(D_k) + (1−δ)·D_k
 *   out = clip(L_last + Σ α_k·D_k, 0, 65535)
 *
 * α = 1 everywhere is the identity. The sum is accumulated in float64, so the identity holds to float32
 * rounding of the final value. Unlike PSS the result is not truncated to integers (the image port carries
 * float data; Save rounds). Luminance-only on colour images works on V = max(R, G, B) and scales each pixel's
 * RGB by V'/V (what the HSV round trip does; a black pixel becomes grey V').
 */
import { createImage, type Image } from '../../image/image.js';
import { getKernels } from '../../image/kernels.js';
import { bilateralFilter } from './sharpen-bilateral.js';
import { freshFloat32, freshFloat64 } from '../../image/fresh-memory.js';

export interface SharpenLayer {
  /** Radius r in pixels (σ = r/3), 0.1 … 9.9. */
  radius: number;
  /** Amount α (1 = neutral, > 1 sharpens, < 1 softens). */
  amount: number;
  /** Bilateral fraction β, 0 (Gaussian) … 1 (bilateral). */
  bilateral: number;
  /** Bilateral range ρ in 8-bit units (the filter uses 256·ρ). */
  bilateralRange: number;
  /** Denoise δ, 0 … 1: blends the layer's detail with its own blur. */
  denoise: number;
}

const TINY = 1e-5;

/** Applies the layer stack to every channel of `img` together (no luminance handling). Returns a new, clipped image. */
export function applyLayers(img: Image, layers: readonly SharpenLayer[], signal?: AbortSignal): Image {
  if (layers.length > 0 && layers.every((l) => l.denoise <= TINY)) return applyPlainLayers(img, layers, signal);
  const v = layerSum(img, layers, signal);
  const out = freshFloat32(v.length);
  inChunks(v.length, (i0, i1) => clipInto(out, v, i0, i1));
  return createImage(img.width, img.height, img.channels, out);
}

/**
 * `applyLayers` when no layer denoises (the usual case): the levels first, then one pass computing each
 * sample's sum exactly as layerSum does (float64, 0 + α_1·D_1 + … + L_last, in that order) and
 * clipping it, without the float64 image of sums.
 */
function applyPlainLayers(img: Image, layers: readonly SharpenLayer[], signal?: AbortSignal): Image {
  const K = getKernels();
  const levels: Float32Array[] = [img.data];
  let L = img;
  for (const layer of layers) {
    signal?.throwIfAborted();
    L = nextLevel(L, layer, K);
    levels.push(L.data);
  }
  const amounts = layers.map((l) => l.amount);
  const n = img.data.length;
  const out = freshFloat32(n);
  if (layers.length === 1) inChunks(n, (i0, i1) => oneLayerInto(out, amounts[0], levels[0], levels[1], i0, i1));
  else inChunks(n, (i0, i1) => layersInto(out, amounts, levels, i0, i1));
  return createImage(img.width, img.height, img.channels, out);
}
function oneLayerInto(out: Float32Array, a: number, cur: Float32Array, nxt: Float32Array, i0: number, i1: number): void {
  for (let i = i0; i < i1; i++) out[i] = clip16(0 + a * (cur[i] - nxt[i]) + nxt[i]);
}
function layersInto(out: Float32Array, amounts: readonly number[], levels: readonly Float32Array[], i0: number, i1: number): void {
  const k = amounts.length;
  const last = levels[k];
  for (let i = i0; i < i1; i++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += amounts[j] * (levels[j][i] - levels[j + 1][i]);
    out[i] = clip16(s + last[i]);
  }
}

// The image loops below run in chunks of CHUNK samples, one small function call each: the JIT
// optimises such a function after a few calls, while one long loop over a whole image (run once per
// process) would spend most of its time unoptimised. Same operations, same order.
const CHUNK = 4096;
function inChunks(n: number, f: (i0: number, i1: number) => void): void {
  for (let i = 0; i < n; i += CHUNK) f(i, Math.min(n, i + CHUNK));
}
function clipInto(out: Float32Array, v: Float64Array, i0: number, i1: number): void {
  for (let i = i0; i < i1; i++) out[i] = clip16(v[i]);
}
function addDetail(acc: Float64Array, a: number, cur: Float32Array, nxt: Float32Array, i0: number, i1: number): void {
  for (let i = i0; i < i1; i++) acc[i] += a * (cur[i] - nxt[i]);
}
function addLast(acc: Float64Array, last: Float32Array, i0: number, i1: number): void {
  for (let i = i0; i < i1; i++) acc[i] += last[i];
}

/** [0, 65535]; NaN → 0. */
function clip16(v: number): number {
  return v > 0 ? (v < 65535 ? v : 65535) : 0;
}

/**
 * The whole layer pipeline: on all channels, or (colour + luminanceOnly) on V = max(R, G, B) with the
 * colour ratios kept. Output clipped to [0, 65535].
 */
export function sharpenImage(img: Image, layers: readonly SharpenLayer[], luminanceOnly: boolean, signal?: AbortSignal): Image {
  if (img.channels === 1 || !luminanceOnly) return applyLayers(img, layers, signal);
  const P = img.width * img.height;
  const src = img.data;
  const V = freshFloat32(P);
  for (let p = 0, i = 0; p < P; p++, i += 3) V[p] = Math.max(src[i], src[i + 1], src[i + 2]);
  // V' is not clipped before the ratio is applied; each channel is clipped afterwards.
  const Vs = layerSum(createImage(img.width, img.height, 1, V), layers, signal);
  const out = freshFloat32(src.length);
  for (let p = 0, i = 0; p < P; p++, i += 3) {
    const v = V[p];
    const vn = Vs[p];
    for (let c = 0; c < 3; c++) {
      const x = v > 0 ? src[i + c] * (vn / v) : vn;
      out[i + c] = clip16(x);
    }
  }
  return createImage(img.width, img.height, 3, out);
}

/** L_last + Σ α_k·D_k in float64, not clipped (the reference of the fused pass in applyPlainLayers). */
export function layerSum(img: Image, layers: readonly SharpenLayer[], signal?: AbortSignal): Float64Array {
  const K = getKernels();
  const n = img.data.length;
  const acc = freshFloat64(n);
  let L = img;
  for (const layer of layers) {
    signal?.throwIfAborted();
    const next = nextLevel(L, layer, K);
    const a = layer.amount;
    const cur = L.data;
    const nxt = next.data;
    if (layer.denoise > TINY) {
      const d = layer.denoise;
      const D = freshFloat32(n);
      for (let i = 0; i < n; i++) D[i] = cur[i] - nxt[i];
      const Db = K.gaussianBlurSigma(createImage(L.width, L.height, L.channels, D), layer.radius / 3).data;
      for (let i = 0; i < n; i++) acc[i] += a * (d * Db[i] + (1 - d) * D[i]);
    } else {
      inChunks(n, (i0, i1) => addDetail(acc, a, cur, nxt, i0, i1));
    }
    L = next;
  }
  const last = L.data;
  inChunks(n, (i0, i1) => addLast(acc, last, i0, i1));
  return acc;
}

function nextLevel(L: Image, layer: SharpenLayer, K: ReturnType<typeof getKernels>): Image {
  const sigma = layer.radius / 3;
  const beta = layer.bilateral;
  if (beta <= TINY) return K.gaussianBlurSigma(L, sigma);
  const B = bilateralFilter(L, { sigmaSpace: sigma, sigmaColor: 256 * layer.bilateralRange });
  if (beta >= 1 - TINY) return B;
  const G = K.gaussianBlurSigma(L, sigma);
  const n = L.data.length;
  const mix = freshFloat32(n);
  for (let i = 0; i < n; i++) mix[i] = beta * B.data[i] + (1 - beta) * G.data[i];
  return createImage(L.width, L.height, L.channels, mix);
}
