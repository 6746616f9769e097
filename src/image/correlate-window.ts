/**
 * `correlateWindow`: the normalised correlation map of one window of a frame against a template —
 * both phases of MLC (src/nodes/lib/mlc.ts) in one call:
 *   phase 1: `nccMap(GaussBlur(frame[y0:y1:2, x0:x1:2], ksize), template)`
 *   phase 2: `nccMap(frame[y0:y1, x0:x1], template)` (step 1, ksize 0 = no blur)
 * The frame may hold its samples as stored by the frame store (16-bit G) or as floats: the window
 * is cut without widening the whole frame first. This TypeScript version is the reference (float64
 * products and sums, exactly `nccMap` of `blurStrided`/`cropStrided`); the WebAssembly version
 * (wasm/module.ts) evaluates the cross term in float32 (see there for the agreement).
 */
import type { Image, Plane } from './image.ts';
import { blurStrided, cropStrided } from './region.ts';
import { nccMap } from './match.ts';

/** A mono frame whose samples are 16-bit integers (the frame store's G) or floats, on the 16-bit scale. */
export interface SamplePlane {
  readonly width: number;
  readonly height: number;
  /** 1 when given (checked: `data` must hold width·height samples). */
  readonly channels?: number;
  readonly data: Float32Array | Uint16Array;
}

export function correlateWindow(
  frame: SamplePlane, y0: number, y1: number, x0: number, x1: number, step: number, ksize: number, template: Plane,
): Image {
  if (frame.data.length !== frame.width * frame.height) {
    throw new Error(`correlateWindow: the frame must be a single-channel plane of ${frame.width}x${frame.height} samples`);
  }
  // crop/cropStrided only index `data`, so 16-bit samples are read (and widened) window by window.
  const img = { width: frame.width, height: frame.height, channels: 1, data: frame.data } as unknown as Image;
  const win = ksize > 0 ? blurStrided(img, y0, y1, x0, x1, step, ksize) : cropStrided(img, y0, y1, x0, x1, step);
  return nccMap(win, template);
}
