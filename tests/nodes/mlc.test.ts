import { describe, expect, it } from 'vitest';
import { createImage, type Image } from '../../src/image/image.ts';
import { getKernels } from '../../src/image/kernels.ts';
import { rng } from '../image/helpers.ts';
import { halfReference, maxMlcShift, mlc, mlcReferences, penaltyWeights, phase1Radius } from '../../src/nodes/lib/mlc.ts';

/** A smooth random texture on the 16-bit scale (mean ~30000, std ~6000). */
function texture(w: number, h: number, seed: number, sigma = 2.5): Image {
  const r = rng(seed);
  const raw = createImage(w, h, 1);
  for (let i = 0; i < raw.data.length; i++) raw.data[i] = r();
  const sm = getKernels().gaussianBlurSigma(raw, sigma);
  const { mean, std } = getKernels().meanStd(sm);
  for (let i = 0; i < sm.data.length; i++) sm.data[i] = 30000 + ((sm.data[i] - mean) / std) * 6000;
  return sm;
}

const K = getKernels();
const base = texture(200, 200, 7);
const G_ref = K.gaussianBlur(base, 7);
/** The frame whose content is displaced by +d (out(y,x) = in(y − dy, x − dx)), blurred like G_i. */
const frameShiftedBy = (dy: number, dx: number) => K.gaussianBlur(K.shiftImage(base, dy, dx, 'cubic'), 7);
const box = { y0: 70, y1: 130, x0: 70, x1: 130 };
const { refFull, refHalf } = mlcReferences(G_ref, box);

describe('mlc (PSS §6.2 multilevel correlation)', () => {
  it('recovers integer shifts with the PSS sign (s = −d)', () => {
    for (const [dy, dx] of [[0, 0], [5, -7], [-13, 18], [22, 3], [-1, -29]]) {
      const r = mlc(refFull, refHalf, frameShiftedBy(dy, dx), box, 34, 7);
      expect(r.ok1 && r.ok2, `d=(${dy},${dx}) ${r.failure}`).toBe(true);
      expect(Math.abs(r.sh1[0] % 2)).toBe(0);
      expect(r.sh1[0] + r.sh2[0]).toBe(-dy || 0);
      expect(r.sh1[1] + r.sh2[1]).toBe(-dx || 0);
      expect(r.sh2Int).toEqual(r.sh2);
    }
  });

  it('recovers sub-pixel shifts with the paraboloid (< 0.1 px) and integers without it', () => {
    const errs: number[] = [];
    for (const [dy, dx] of [[2.3, -4.6], [-7.5, 0.25], [0.4, 0.4], [10.8, -11.1], [-3.65, 6.2]]) {
      const G = frameShiftedBy(dy, dx);
      const r = mlc(refFull, refHalf, G, box, 34, 7, { subpixel: true });
      expect(r.ok1 && r.ok2).toBe(true);
      const ty = r.sh1[0] + r.sh2[0];
      const tx = r.sh1[1] + r.sh2[1];
      errs.push(Math.abs(ty + dy), Math.abs(tx + dx));
      expect(Math.abs(r.sh2[0] - r.sh2Int[0])).toBeLessThanOrEqual(1);
      const ri = mlc(refFull, refHalf, G, box, 34, 7);
      expect(Math.abs(ri.sh1[0] + ri.sh2[0] + dy)).toBeLessThanOrEqual(0.5 + 1e-9);
      expect(Math.abs(ri.sh1[1] + ri.sh2[1] + dx)).toBeLessThanOrEqual(0.5 + 1e-9);
      expect(Number.isInteger(ri.sh2[0]) && Number.isInteger(ri.sh2[1])).toBe(true);
    }
    const max = Math.max(...errs);
    console.log(`mlc sub-pixel: max |error| ${max.toFixed(3)} px, mean ${(errs.reduce((a, b) => a + b) / errs.length).toFixed(3)} px`);
    expect(max).toBeLessThan(0.1);
  });

  it('fails on the rim when the motion exceeds the search width (no throw)', () => {
    // Sw = 14: s1 = 5, accepted phase-1 shifts ±8, total ±11 (maxMlcShift).
    expect(phase1Radius(14)).toBe(5);
    expect(maxMlcShift(14)).toBe(11);
    expect(maxMlcShift(34)).toBe(31);
    const ok = mlc(refFull, refHalf, frameShiftedBy(7, -5), box, 14, 7);
    expect(ok.ok1 && ok.ok2).toBe(true);
    expect([ok.sh1[0] + ok.sh2[0], ok.sh1[1] + ok.sh2[1]]).toEqual([-7, 5]);
    const far = mlc(refFull, refHalf, frameShiftedBy(16, 0), box, 14, 7);
    expect(far.ok1).toBe(false);
    expect(far.ok2).toBe(false);
    expect(far.failure).toBe('rim1');
    expect(far.sh1).toEqual([0, 0]);
    expect(far.sh2).toEqual([0, 0]);
  });

  it('search width 5 never succeeds (PSS quirk P10)', () => {
    const r = mlc(refFull, refHalf, G_ref, box, 5, 7);
    expect(r.ok1).toBe(false);
  });

  it('returns ok=false instead of reading outside the frame', () => {
    const edge = { y0: 10, y1: 70, x0: 70, x1: 130 };
    const refs = mlcReferences(G_ref, edge);
    const r = mlc(refs.refFull, refs.refHalf, G_ref, edge, 34, 7);
    expect(r).toMatchObject({ ok1: false, ok2: false, failure: 'bounds1' });
    // Phase 1 fits, but the phase-2 window moved by sh1 does not.
    const b2 = { y0: 30, y1: 90, x0: 70, x1: 130 };
    const refs2 = mlcReferences(G_ref, b2);
    const r2 = mlc(refs2.refFull, refs2.refHalf, frameShiftedBy(-20, 0), b2, 34, 7); // sh1_y = 20 → window from 30 − 20 − 4 = 6
    expect(r2.ok1).toBe(true);
    const r3 = mlc(refs2.refFull, refs2.refHalf, frameShiftedBy(-28, 0), b2, 34, 7); // window from 30 − 28 − 4 < 0
    expect(r3).toMatchObject({ ok1: true, ok2: false, failure: 'bounds2' });
    expect(r3.sh1[0]).toBe(28);
  });

  it('checks reference sizes', () => {
    expect(() => mlc(refFull, refFull, G_ref, box, 34, 7)).toThrow(/refHalf/);
    expect(halfReference(refFull).width).toBe(30);
  });

  it('penaltyWeights follows §10.1 and weights change only near-ties', () => {
    const w = penaltyWeights(5);
    expect(w.length).toBe(121);
    expect(w[60]).toBe(1);
    expect(w[0]).toBeCloseTo(0.9995, 7);
    expect(w[120]).toBeCloseTo(0.9995, 7);
    expect(w[5]).toBeCloseTo(1 - 0.00025, 7); // (u, v) = (0, 5): (−1)² + 0
    expect(penaltyWeights(0)).toEqual(new Float32Array([1]));
    const r = mlc(refFull, refHalf, frameShiftedBy(-4, 3), box, 14, 7, { weights: w });
    expect([r.sh1[0] + r.sh2[0], r.sh1[1] + r.sh2[1]]).toEqual([4, -3]);
    expect(() => mlc(refFull, refHalf, G_ref, box, 34, 7, { weights: w })).toThrow(/weight matrix/);
  });
});
