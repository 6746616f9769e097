import { describe, expect, it } from 'vitest';
import { createImage, type Image } from '../../src/image/image.ts';
import { apGridNode } from '../../src/nodes/apgrid.ts';
import type { Alignment, APGrid, LocalShifts, Selection } from '../../src/nodes/data.ts';
import { localRankNode } from '../../src/nodes/local-rank.ts';
import { shiftNode, type ShiftParams } from '../../src/nodes/shift.ts';
import { memoryFrameSet, testContext } from '../helpers/frames.ts';
import { rng } from '../image/helpers.ts';

/** A band-limited analytic texture (sum of sinusoids, periods 7..30 px), evaluable at float positions. */
function makeTexture(seed: number): (y: number, x: number) => number {
  const r = rng(seed);
  const waves = Array.from({ length: 24 }, () => {
    const period = 7 + r() * 23;
    const ang = r() * 2 * Math.PI;
    return { u: Math.sin(ang) / period, v: Math.cos(ang) / period, ph: r() * 2 * Math.PI, a: 1200 + r() * 1200 };
  });
  return (y, x) => {
    let s = 30000;
    for (const w of waves) s += w.a * Math.sin(2 * Math.PI * (w.u * y + w.v * x) + w.ph);
    return s;
  };
}

const W = 320, H = 240, PAD = 8;
const f = makeTexture(5);
const WARP = [1.25, -0.75];
/** Weight of the local warp at intersection position (y, x): 1 in a central region, 0 outside, smooth between. */
function warpWeight(y: number, x: number): number {
  const ramp = (d: number) => (d <= 0 ? 1 : d >= 12 ? 0 : 0.5 + 0.5 * Math.cos((Math.PI * d) / 12));
  return ramp(Math.max(0, Math.abs(y - 120) - 40)) * ramp(Math.max(0, Math.abs(x - 160) - 55));
}

const offsets = [[0, 0], [3, 5], [8, 1], [5, 8]];
const N = offsets.length;
/** Frame i: intersection pixel (y, x) is frame pixel (y + dy_i, x + dx_i); the content there is f(p + ℓ·w(p)). */
function frame(i: number, warp: boolean): Uint16Array {
  const [oy, ox] = offsets[i];
  const out = new Uint16Array((W + PAD) * (H + PAD));
  for (let Y = 0; Y < H + PAD; Y++) {
    for (let X = 0; X < W + PAD; X++) {
      const y = Y - oy, x = X - ox;
      const wt = warp ? warpWeight(y, x) : 0;
      out[Y * (W + PAD) + X] = Math.round(f(y + WARP[0] * wt, x + WARP[1] * wt));
    }
  }
  return out;
}

const reference: Image = createImage(W, H, 1);
for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) reference.data[y * W + x] = Math.round(f(y, x));

const alignment: Alignment = {
  mode: 'surface', reference: 0, shifts: new Float64Array(2 * N),
  intersection: { y0: 8, y1: 8 + H, x0: 8, x1: 8 + W },
  dy: Float64Array.from(offsets.map((o) => o[0])), dx: Float64Array.from(offsets.map((o) => o[1])), failed: [],
};

const frames = memoryFrameSet(Array.from({ length: N }, (_, i) => frame(i, true)), W + PAD, H + PAD);

async function setup(): Promise<{ grid: APGrid; sel: Selection }> {
  const grid = (await apGridNode.run(testContext(), { image: reference, frames }, { boxWidth: 48, searchWidth: 14, minStructure: 0.04, minBrightness: 10, points: [] })).apgrid as APGrid;
  const sel = (await localRankNode.run(testContext(), { frames, alignment, apgrid: grid }, { percent: 100, number: 0 })).selection as Selection;
  return { grid, sel };
}

async function shifts(grid: APGrid, sel: Selection, p: Partial<ShiftParams> = {}): Promise<{ ls: LocalShifts; ctx: ReturnType<typeof testContext> }> {
  const ctx = testContext();
  const ls = (await shiftNode.run(ctx, { frames, alignment, apgrid: grid, image: reference, selection: sel }, { searchWidth: 14, subpixel: true, deWarp: true, ...p })).localshifts as LocalShifts;
  return { ls, ctx };
}

describe('Shift node (PSS §10)', () => {
  it('recovers a known local warp (1.25, −0.75) within 0.25 px with sub-pixel on, and 0 elsewhere', async () => {
    const { grid, sel } = await setup();
    const { ls } = await shifts(grid, sel);
    expect(ls.frames).toEqual(sel.best);
    expect(ls.failures).toBe(0);
    expect(ls.histogram.reduce((a, b) => a + b, 0)).toBe(grid.points.length * N);
    let inside = 0, outside = 0, maxErrIn = 0, maxErrOut = 0;
    grid.points.forEach((ap, a) => {
      // Warp weight over the whole box: 1 → the full warp, 0 → none.
      let wmin = 1, wmax = 0;
      for (let y = ap.box.y0; y < ap.box.y1; y++) for (let x = ap.box.x0; x < ap.box.x1; x++) { const v = warpWeight(y, x); wmin = Math.min(wmin, v); wmax = Math.max(wmax, v); }
      for (let j = 0; j < N; j++) {
        const q = a * N + j;
        if (wmin === 1) {
          inside++;
          maxErrIn = Math.max(maxErrIn, Math.abs(ls.dy[q] - WARP[0]), Math.abs(ls.dx[q] - WARP[1]));
        } else if (wmax === 0) {
          outside++;
          maxErrOut = Math.max(maxErrOut, Math.abs(ls.dy[q]), Math.abs(ls.dx[q]));
        }
      }
    });
    console.log(`Shift: warp (1.25, -0.75) recovered with max error ${maxErrIn.toFixed(3)} px over ${inside} pairs; ` +
      `unwarped max |shift| ${maxErrOut.toFixed(3)} px over ${outside} pairs`);
    expect(inside).toBeGreaterThanOrEqual(N);
    expect(outside).toBeGreaterThanOrEqual(4 * N);
    expect(maxErrIn).toBeLessThan(0.25);
    expect(maxErrOut).toBeLessThan(0.25);
  });

  it('gives whole-pixel shifts with sub-pixel off (PSS without drizzle) and zeros with deWarp off', async () => {
    const { grid, sel } = await setup();
    const { ls } = await shifts(grid, sel, { subpixel: false });
    for (let q = 0; q < ls.dy.length; q++) expect(Number.isInteger(ls.dy[q]) && Number.isInteger(ls.dx[q])).toBe(true);
    const centre = grid.points.findIndex((ap) => Math.abs(ap.y - 120) < 20 && Math.abs(ap.x - 160) < 25);
    expect(centre).toBeGreaterThanOrEqual(0);
    for (let j = 0; j < N; j++) {
      expect(ls.dy[centre * N + j]).toBe(1);
      expect(ls.dx[centre * N + j]).toBe(-1);
    }
    const off = await shifts(grid, sel, { deWarp: false });
    expect(Array.from(off.ls.dy).every((v) => v === 0) && Array.from(off.ls.dx).every((v) => v === 0)).toBe(true);
    expect(off.ls.failures).toBe(0);
  });

  it('rejects a search width larger than the AP grid leaves room for', async () => {
    const { grid, sel } = await setup();
    await expect(shifts(grid, sel, { searchWidth: 20 })).rejects.toThrow(/Shift\.searchWidth/);
  });

  it('counts failures when the motion exceeds the search range (shift still applied as PSS)', async () => {
    // Frames shifted by 14 px relative to what the alignment claims: beyond ±11 px.
    const far = memoryFrameSet(Array.from({ length: 2 }, () => {
      const out = new Uint16Array((W + PAD) * (H + PAD));
      for (let Y = 0; Y < H + PAD; Y++) for (let X = 0; X < W + PAD; X++) out[Y * (W + PAD) + X] = Math.round(f(Y + 14, X));
      return out;
    }), W + PAD, H + PAD);
    const al2: Alignment = { ...alignment, shifts: new Float64Array(4), dy: new Float64Array(2), dx: new Float64Array(2) };
    const { grid } = await setup();
    const sel = (await localRankNode.run(testContext(), { frames: far, alignment: al2, apgrid: grid }, { percent: 100, number: 0 })).selection as Selection;
    const ctx = testContext();
    const ls = (await shiftNode.run(ctx, { frames: far, alignment: al2, apgrid: grid, image: reference, selection: sel }, { searchWidth: 14, subpixel: true, deWarp: true })).localshifts as LocalShifts;
    expect(ls.failures).toBeGreaterThan(0);
    expect(ls.ok.filter((v) => v === 0).length).toBe(ls.failures);
  });
});
