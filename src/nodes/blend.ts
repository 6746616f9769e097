/**
 * Blend: turns the Stack node's parts into the stacked image (PSS §12.3, §12.4).
 *
 * stack = acc / Σω per pixel and channel; where the image has holes, the background (mean of the
 * globally best K frames, cubic up-sampled to the drizzled size) shows through with
 * fw = clip(Σω / (0.2·K), 0, 1): stack = (stack − bg)·fw + bg. The clipped warp borders are trimmed,
 * values clipped to [0, 65535], and drizzle 1.5x is halved (2:1 linear = 2×2 average).
 * The output stays float on the 16-bit scale (no uint16 rounding here; Save does that).
 */
import type { NodeDefinition } from '../graph/types.js';
import { getKernels } from '../image/kernels.js';
import type { Image, StackParts } from './data.js';
import { freshFloat32 } from '../image/fresh-memory.js';

export type BlendParams = Record<string, number | boolean | string | number[]>;

const BLEND_THRESHOLD = 0.2;

/** out = acc / Σω for pixels p0 … p1−1. */
function divideRow(out: Float32Array, acc: Float32Array, ws: Float32Array, p0: number, p1: number, C: number): void {
  for (let p = p0; p < p1; p++) {
    const inv = 1 / ws[p];
    for (let c = 0; c < C; c++) out[p * C + c] = acc[p * C + c] * inv;
  }
}

/** out = (out − bg)·fw + bg where fw = clip(Σω / lim, 0, 1) < 1, for pixels p0 … p1−1. */
function blendRow(out: Float32Array, b: Float32Array, ws: Float32Array, lim: number, p0: number, p1: number, C: number): void {
  for (let p = p0; p < p1; p++) {
    const f = ws[p] / lim;
    const fw = f < 0 ? 0 : f > 1 ? 1 : f;
    if (fw === 1) continue;
    for (let c = 0; c < C; c++) {
      const q = p * C + c;
      out[q] = (out[q] - b[q]) * fw + b[q];
    }
  }
}

/** Clip d[q0 … q1−1] to [0, 65535] (NaN → 0). */
function clipRow(d: Float32Array, q0: number, q1: number): void {
  for (let q = q0; q < q1; q++) {
    const v = d[q];
    d[q] = v > 0 ? (v < 65535 ? v : 65535) : 0;
  }
}

export const blendNode: NodeDefinition<BlendParams> = {
  type: 'Blend',
  version: 1,
  category: 'stacking',
  doc: 'Merges the stacked AP patches (weighted mean), blends in the background where AP coverage is weak, trims the warp borders (PSS §12.3).',
  inputs: { stackparts: { type: 'stackparts', doc: 'The Stack node\'s accumulated parts' } },
  outputs: { image: { type: 'image', doc: 'The stacked image, float on the 16-bit scale' } },
  params: {},
  async run(ctx, inputs) {
    const parts = inputs.stackparts as StackParts;
    const k = getKernels();
    const { width: wD, height: hD, channels: C } = parts;
    const acc = parts.weighted.data;
    const ws = parts.weightSum;
    const out = freshFloat32(wD * hD * C);
    // (per row: small functions the JIT optimises after a few rows; same operations, same order)
    for (let y = 0; y < hD; y++) divideRow(out, acc, ws, y * wD, (y + 1) * wD, C);
    if (parts.background) {
      let bg = parts.background;
      if (bg.width !== wD || bg.height !== hD) bg = k.resize(bg, { width: wD, height: hD }, 'cubic');
      const lim = BLEND_THRESHOLD * parts.k;
      const b = bg.data;
      for (let y = 0; y < hD; y++) blendRow(out, b, ws, lim, y * wD, (y + 1) * wD, C);
    }
    const { top, bottom, left, right } = parts.borders;
    if (top + bottom >= hD || left + right >= wD) {
      throw new Error(`Blend: the warp borders (${top}, ${bottom}, ${left}, ${right} px) leave nothing of the ${wD}x${hD} stack`);
    }
    let img: Image = { width: wD, height: hD, channels: C, data: out };
    if (top || bottom || left || right) img = k.crop(img, top, hD - bottom, left, wD - right);
    const d = img.data;
    const rowLen = img.width * C;
    for (let q = 0; q < d.length; q += rowLen) clipRow(d, q, Math.min(d.length, q + rowLen));
    if (parts.halve) img = k.resize(img, 0.5, 'linear');
    ctx.progress(1, 1);
    return { image: img };
  },
};
