/**
 * Bilinear demosaicing of a Bayer mosaic into interleaved RGB. The pattern names the 2x2 cell at the
 * top-left pixel (RGGB: R at (0,0), G at (0,1) and (1,0), B at (1,1)). Borders use reflect-101.
 * Input and output share the value scale (float32).
 */
export type BayerPattern = 'RGGB' | 'GRBG' | 'GBRG' | 'BGGR';

/** Colour (0=R,1=G,2=B) of the mosaic site at (y, x). */
export function bayerColourAt(pattern: BayerPattern, y: number, x: number): 0 | 1 | 2 {
  const ch = pattern[(y & 1) * 2 + (x & 1)];
  return ch === 'R' ? 0 : ch === 'G' ? 1 : 2;
}

function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
  return i;
}

export function debayerBilinear(src: ArrayLike<number>, width: number, height: number, pattern: BayerPattern, scale = 1): Float32Array {
  const out = new Float32Array(width * height * 3);
  const colourOf = new Uint8Array(4);
  for (let k = 0; k < 4; k++) colourOf[k] = bayerColourAt(pattern, k >> 1, k & 1);
  const interior = (y: number, x: number) => y > 0 && x > 0 && y < height - 1 && x < width - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = colourOf[((y & 1) << 1) | (x & 1)];
      const o = (y * width + x) * 3;
      const inside = interior(y, x);
      const at = inside
        ? (yy: number, xx: number) => src[yy * width + xx]
        : (yy: number, xx: number) => src[reflect(yy, height) * width + reflect(xx, width)];
      const v = src[y * width + x];
      const cross = (at(y - 1, x) + at(y + 1, x) + at(y, x - 1) + at(y, x + 1)) * 0.25;
      const diag = (at(y - 1, x - 1) + at(y - 1, x + 1) + at(y + 1, x - 1) + at(y + 1, x + 1)) * 0.25;
      const horiz = (at(y, x - 1) + at(y, x + 1)) * 0.5;
      const vert = (at(y - 1, x) + at(y + 1, x)) * 0.5;
      if (c === 1) {
        // Green site: the row neighbours are one colour, the column neighbours the other.
        const rowColour = colourOf[((y & 1) << 1) | ((x + 1) & 1)];
        out[o + 1] = v * scale;
        out[o + rowColour] = horiz * scale;
        out[o + (2 - rowColour)] = vert * scale;
      } else {
        out[o + c] = v * scale;
        out[o + 1] = cross * scale;
        out[o + (2 - c)] = diag * scale;
      }
    }
  }
  return out;
}
