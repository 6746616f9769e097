/**
 * Small helpers shared by the global nodes (Rank, PatchSelect, Align, Mean): cancellation and
 * rounding. Kept separate from the AP/stacking helpers.
 */
import type { RunContext } from '../../graph/types.js';
import { CancelledError } from '../../runtime/events.js';
import { roundHalfEven } from '../../image/numeric.js';

export { roundHalfEven };

/** Throws a CancelledError when the run was aborted (call between frames). */
export function throwIfAborted(ctx: RunContext): void {
  if (ctx.signal.aborted) throw new CancelledError();
}

/** True when |v − round(v)| is below 1e−9 (treated as a whole-pixel value). */
export function isIntegral(v: number): boolean {
  return Math.abs(v - Math.round(v)) < 1e-9;
}
