/** 3×3 Laplacian as OpenCV's `Laplacian(img, CV_32F)` with ksize 1 computes it. */
import { createImage, type Image } from './image.ts';
import { reflect101 } from './numeric.ts';

/**
 * Kernel [[0,1,0],[1,−4,1],[0,1,0]] (sign: a bright isolated point gives a negative centre, a
 * convex function such as x²+y² gives +4), border reflect-101, float32 output. Any channel
 * count (channels independent).
 */
export function laplacian3x3(img: Image): Image {
  const { width: w, height: h, channels: C, data } = img;
  const rowLen = w * C;
  const out = new Float32Array(data.length);
  const xl = reflect101(-1, w) * C; // left neighbour column of x = 0
  const xr = reflect101(w, w) * C; // right neighbour column of x = w − 1
  for (let y = 0; y < h; y++) {
    const row = y * rowLen;
    const up = reflect101(y - 1, h) * rowLen;
    const dn = reflect101(y + 1, h) * rowLen;
    // Interior columns (x = 1 … w−2): neighbours at ±C.
    for (let i = C; i < rowLen - C; i++) {
      out[row + i] = data[up + i] + data[dn + i] + data[row + i - C] + data[row + i + C] - 4 * data[row + i];
    }
    // x = 0 and x = w − 1 (the same column when w = 1).
    for (let c = 0; c < C; c++) {
      const i0 = c;
      const right0 = w > 1 ? C + c : xr + c;
      out[row + i0] = data[up + i0] + data[dn + i0] + data[row + xl + c] + data[row + right0] - 4 * data[row + i0];
      if (w > 1) {
        const i1 = rowLen - C + c;
        out[row + i1] = data[up + i1] + data[dn + i1] + data[row + i1 - C] + data[row + xr + c] - 4 * data[row + i1];
      }
    }
  }
  return createImage(w, h, C, out);
}
