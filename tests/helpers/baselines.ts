/** Quality baselines on simulated sequences with known truth: best single frame, oracle global stacks. */
import type { Image } from '../../src/image/image.ts';
import type { SynthSequence } from '../../src/synth/simulate.ts';
import { scoreResult, shiftCubic } from '../../src/score/score.ts';

function toImage(width: number, height: number, data: ArrayLike<number>): Image {
  return { width, height, channels: 1, data: Float32Array.from(data) };
}

/** Frames ordered best first by their true quality (lower = sharper). */
export function trueOrder(seq: SynthSequence): number[] {
  return seq.meta.frames.map((f, i) => [f.quality, i]).sort((a, b) => a[0] - b[0]).map((p) => p[1]);
}

export function bestFrameScore(seq: SynthSequence) {
  const { width, height } = seq.meta;
  return scoreResult(seq.truth, toImage(width, height, seq.frames[trueOrder(seq)[0]]));
}

/** Mean of the best `percent` % frames by true quality, registered with the TRUE global shifts (cubic). */
export function oracleGlobalStackScore(seq: SynthSequence, percent: number) {
  const { width: W, height: H } = seq.meta;
  const order = trueOrder(seq);
  const n = Math.max(1, Math.round((percent / 100) * order.length));
  const acc = new Float64Array(W * H);
  for (const k of order.slice(0, n)) {
    const f = seq.meta.frames[k];
    const sh = shiftCubic({ width: W, height: H, data: Float64Array.from(seq.frames[k]) }, f.global_dy, f.global_dx);
    for (let i = 0; i < acc.length; i++) acc[i] += sh.data[i] / n;
  }
  const c = 12, cw = W - 2 * c, ch = H - 2 * c;
  const crop = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) crop[y * cw + x] = acc[(y + c) * W + x + c];
  return scoreResult(seq.truth, { width: cw, height: ch, channels: 1, data: crop });
}
