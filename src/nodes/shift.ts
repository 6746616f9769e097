/**
 * Shift: measures the local shift (de-warp) of every selected (AP, frame) pair with the two-phase
 * multilevel correlation (PSS §10.1, §6.2).
 *
 * For pair (a, i): MLC of the AP's reference boxes cut from the UN-blurred reference image
 * (refFull = R[box], refHalf = refFull[0::2, 0::2]) against the blurred frame G_i at the box moved by
 * the frame's rounded global offsets, with PSS's phase-1 distance penalty weights. The local shift is
 * ℓ = sh1 + sh2; it is used even when phase 2 failed (sh1 only) or phase 1 failed (0), as PSS does;
 * `ok` = both phases succeeded. Frames are visited in index order, one pass over G_i, measuring all
 * APs that selected the frame. Histogram: bins of round(|ℓ|) px over successful pairs; failures counted.
 *
 * Difference from PSS, on purpose: `subpixel` (default on) refines every measurement with the §10.3
 * paraboloid. PSS does that only when drizzling, so without drizzle its local shifts are whole pixels
 * (pitfall P16/P17); sub-pixel shifts let the Stack node place patches exactly. Turn it off to get
 * PSS's integer shifts. deWarp off gives ℓ = 0 for every pair (PSS `alignment_points_de_warp`),
 * reported as successful zero shifts, and reads no frames.
 */
import type { NodeDefinition } from '../graph/types.js';
import type { Image } from '../image/image.js';
import type { FrameSet } from '../runtime/frame-store.js';
import type { Alignment, APGrid, LocalShifts, Selection } from './data.js';
import { checkAbort, checkConsistency, integerOffsets, monoImage, pairsByFrame, roundHalfEven } from './lib/ap-common.js';
import { mlcFrames, mlcReferences, penaltyWeights, phase1Radius } from './lib/mlc.js';

export interface ShiftParams extends Record<string, number | boolean | string | number[]> {
  searchWidth: number;
  subpixel: boolean;
  deWarp: boolean;
}

export const shiftNode: NodeDefinition<ShiftParams> = {
  type: 'Shift',
  version: 1,
  category: 'alignment',
  doc:
    'Measures the local shift of each alignment point in each of its selected frames (two-phase normalised ' +
    'correlation against the reference, PSS §10), optionally to sub-pixel precision.',
  inputs: {
    frames: { type: 'frames', doc: 'The frame set (blurred frames are correlated)' },
    alignment: { type: 'alignment', doc: 'Global frame offsets' },
    apgrid: { type: 'apgrid', doc: 'The alignment points' },
    image: { type: 'image', doc: 'The reference (mean) image the AP boxes are cut from' },
    selection: { type: 'selection', doc: 'The frames selected per AP' },
  },
  outputs: { localshifts: { type: 'localshifts', doc: 'Local shift of every selected (AP, frame) pair' } },
  params: {
    searchWidth: { kind: 'int', min: 6, max: 30, step: 2, default: 14, unit: 'px', doc: 'Search width S (max local shift 2·⌊(S−4)/2⌋+1 px); must not exceed APGrid.searchWidth' },
    subpixel: { kind: 'bool', default: true, doc: 'Refine shifts to sub-pixel (PSS does this only when drizzling)' },
    deWarp: { kind: 'bool', default: true, doc: 'Measure local shifts; off = global alignment only (all local shifts 0)' },
  },
  async run(ctx, inputs, p) {
    const frames = inputs.frames as FrameSet;
    const al = inputs.alignment as Alignment;
    const grid = inputs.apgrid as APGrid;
    const sel = inputs.selection as Selection;
    const ref = monoImage(inputs.image as Image);
    checkConsistency('Shift', frames, al, grid, sel);
    if (ref.width !== grid.width || ref.height !== grid.height) {
      throw new Error(`Shift: the reference image is ${ref.width}x${ref.height}, the AP grid was built on ${grid.width}x${grid.height}`);
    }
    const S = p.searchWidth;
    let margin = Infinity;
    for (const ap of grid.points) {
      margin = Math.min(margin, ap.box.y0, ap.box.x0, grid.height - ap.box.y1, grid.width - ap.box.x1);
    }
    if (grid.points.length && margin < S) {
      throw new Error(
        `Shift.searchWidth: ${S} px needs every AP box ${S} px inside the image, but the AP grid leaves only ${margin} px ` +
        `(APGrid.searchWidth ${grid.searchWidth}); lower Shift.searchWidth to ${Math.max(6, margin - (margin % 2))} or raise APGrid.searchWidth`,
      );
    }
    const A = sel.apCount;
    const K = sel.k;
    const pairs = A * K;
    const dyOut = new Float32Array(pairs);
    const dxOut = new Float32Array(pairs);
    const ok = new Uint8Array(pairs);
    const histogram: number[] = [];
    let failures = 0;
    const result = (): { localshifts: LocalShifts } => ({
      localshifts: { apCount: A, k: K, frames: sel.best.slice(), dy: dyOut, dx: dxOut, ok, histogram, failures },
    });
    if (!p.deWarp) {
      ok.fill(1);
      if (pairs) histogram.push(pairs);
      ctx.progress(1, 1);
      return result();
    }

    const refs = grid.points.map((ap) => mlcReferences(ref, ap.box));
    const weights = penaltyWeights(phase1Radius(S));
    const frameMlc = mlcFrames(
      { refs, boxes: grid.points.map((ap) => ap.box), s1: phase1Radius(S), weights, gw: frames.noise, subpixel: p.subpixel }, S,
    );
    const { dy, dx } = integerOffsets(al);
    const used = pairsByFrame(sel, K);
    const needed: number[] = [];
    for (let i = 0; i < used.length; i++) if (used[i].length) needed.push(i);
    for (let n = 0; n < needed.length; n++) {
      checkAbort(ctx.signal);
      const i = needed[n];
      const G = await frames.blurredSamplesView(i);
      const qs = used[i];
      const jobs = new Int32Array(qs.length);
      for (let j = 0; j < qs.length; j++) jobs[j] = Math.floor(qs[j] / K);
      const r = frameMlc.run(G, jobs, dy[i], dx[i]);
      for (let j = 0; j < qs.length; j++) {
        const q = qs[j];
        const ly = r[5 * j + 1] + r[5 * j + 3];
        const lx = r[5 * j + 2] + r[5 * j + 4];
        dyOut[q] = ly;
        dxOut[q] = lx;
        if (r[5 * j] === 0) {
          ok[q] = 1;
          const bin = roundHalfEven(Math.hypot(ly, lx));
          while (histogram.length <= bin) histogram.push(0);
          histogram[bin]++;
        } else {
          failures++;
        }
      }
      ctx.progress(n + 1, needed.length);
    }
    if (pairs > 0 && failures / pairs > 0.5) {
      ctx.warn(`Shift: ${failures} of ${pairs} local shift measurements failed (${((100 * failures) / pairs).toFixed(1)} %); consider raising searchWidth`);
    }
    return result();
  },
};
