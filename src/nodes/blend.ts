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

/**
 * One output row: for the stack's pixels p0 … p1−1 (row-major on the drizzled grid) and channels,
 * v = acc / Σω (float32), where Σω < lim blended with the background, v = (v − bg)·fw + bg with
 * fw = clip(Σω / lim, 0, 1) (float32), then clipped to [0, 65535] (NaN → 0), written from out[o] on.
 * `b` null: no background. (The operations and float32 roundings of dividing, blending and clipping
 * the whole image in turn, fused so that only the trimmed output is written.)
 */
function blendOutRow(
  out: Float32Array, o: number, acc: Float32Array, ws: Float32Array, b: Float32Array | null, lim: number, p0: number, p1: number, C: number,
): void {
  const fround = Math.fround;
  for (let p = p0; p < p1; p++) {
    const w = ws[p];
    const inv = 1 / w;
    let fw = 1;
    if (b) {
      const f = w / lim;
      fw = f < 0 ? 0 : f > 1 ? 1 : f;
    }
    for (let c = 0; c < C; c++, o++) {
      const q = p * C + c;
      let v = fround(acc[q] * inv);
      if (fw !== 1) v = fround((v - b![q]) * fw + b![q]);
      out[o] = v > 0 ? (v < 65535 ? v : 65535) : 0;
    }
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
    let b: Float32Array | null = null;
    if (parts.background) {
      let bg = parts.background;
      if (bg.width !== wD || bg.height !== hD) bg = k.resize(bg, { width: wD, height: hD }, 'cubic');
      b = bg.data;
    }
    const lim = BLEND_THRESHOLD * parts.k;
    const { top, bottom, left, right } = parts.borders;
    if (top + bottom >= hD || left + right >= wD) {
      throw new Error(`Blend: the warp borders (${top}, ${bottom}, ${left}, ${right} px) leave nothing of the ${wD}x${hD} stack`);
    }
    // Divide, blend, trim the borders and clip in one pass (row functions the JIT optimises after a few rows).
    const w = wD - left - right;
    const h = hD - top - bottom;
    const out = freshFloat32(w * h * C);
    for (let y = 0; y < h; y++) {
      const p0 = (top + y) * wD + left;
      blendOutRow(out, y * w * C, acc, ws, b, lim, p0, p0 + w, C);
    }
    let img: Image = { width: w, height: h, channels: C, data: out };
    if (parts.halve) img = k.resize(img, 0.5, 'linear');
    ctx.progress(1, 1);
    return { image: img };
  },
};
