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

/** The colour of each site of the 2x2 cell, indexed by (y & 1) · 2 + (x & 1). */
function coloursOf(pattern: BayerPattern): Uint8Array {
  const colourOf = new Uint8Array(4);
  for (let k = 0; k < 4; k++) colourOf[k] = bayerColourAt(pattern, k >> 1, k & 1);
  return colourOf;
}

function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
  return i;
}

/**
 * Bilinear demosaicing (see the module comment): the interior rows in row functions without per-pixel
 * closures, the border pixels as `debayerBilinearReference` does them. The same operations on the same
 * values, so the output equals the reference's bit for bit (tested).
 */
export function debayerBilinear(src: ArrayLike<number>, width: number, height: number, pattern: BayerPattern, scale = 1): Float32Array {
  if (width < 3 || height < 3) return debayerBilinearReference(src, width, height, pattern, scale);
  const out = new Float32Array(width * height * 3);
  const colourOf = coloursOf(pattern);
  for (let y = 0; y < height; y++) {
    if (y === 0 || y === height - 1) {
      for (let x = 0; x < width; x++) debayerPixel(src, width, height, colourOf, scale, out, y, x);
      continue;
    }
    debayerPixel(src, width, height, colourOf, scale, out, y, 0);
    debayerInteriorRow(src, width, colourOf, scale, out, y);
    debayerPixel(src, width, height, colourOf, scale, out, y, width - 1);
  }
  return out;
}

/** Pixels 1 … width−2 of an interior row y (every neighbour inside the frame). */
function debayerInteriorRow(src: ArrayLike<number>, width: number, colourOf: Uint8Array, scale: number, out: Float32Array, y: number): void {
  const r = y * width;
  const up = r - width;
  const dn = r + width;
  const py = (y & 1) << 1;
  for (let x = 1; x < width - 1; x++) {
    const c = colourOf[py | (x & 1)];
    const o = (r + x) * 3;
    const v = src[r + x];
    if (c === 1) {
      const rowColour = colourOf[py | ((x + 1) & 1)];
      out[o + 1] = v * scale;
      out[o + rowColour] = ((src[r + x - 1] + src[r + x + 1]) * 0.5) * scale;
      out[o + (2 - rowColour)] = ((src[up + x] + src[dn + x]) * 0.5) * scale;
    } else {
      out[o + c] = v * scale;
      out[o + 1] = ((src[up + x] + src[dn + x] + src[r + x - 1] + src[r + x + 1]) * 0.25) * scale;
      out[o + (2 - c)] = ((src[up + x - 1] + src[up + x + 1] + src[dn + x - 1] + src[dn + x + 1]) * 0.25) * scale;
    }
  }
}

/** One pixel of `debayerBilinearReference` (neighbours reflected at the borders). */
function debayerPixel(
  src: ArrayLike<number>, width: number, height: number, colourOf: Uint8Array, scale: number, out: Float32Array, y: number, x: number,
): void {
  const px = pixelScratch;
  pixelValues(src, width, height, colourOf, 1, px, y, x); // (· 1: the samples themselves)
  const o = (y * width + x) * 3;
  out[o] = px[0] * scale;
  out[o + 1] = px[1] * scale;
  out[o + 2] = px[2] * scale;
}
const pixelScratch = new Float64Array(3);

/** The definition of the bilinear demosaicing, pixel by pixel (the reference of `debayerBilinear`). */
export function debayerBilinearReference(src: ArrayLike<number>, width: number, height: number, pattern: BayerPattern, scale = 1): Float32Array {
  const out = new Float32Array(width * height * 3);
  const colourOf = coloursOf(pattern);
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

/**
 * The frame store's stored original of a Bayer frame in one pass: exactly its 16-bit storage (round half
 * up, clamp to [0, 65535]) of `debayerBilinear` applied to the float frame raw · s, without the two float
 * arrays. `s` must keep every raw · s exact in float32 (the frame store's power-of-two scales do), so the
 * float frame's samples are the raw products. Written into `into` (3·w·h samples) when given.
 */
export function debayerStored16(
  raw: Uint8Array | Uint16Array, width: number, height: number, pattern: BayerPattern, s: number, into?: Uint16Array,
): Uint16Array {
  const n = width * height;
  if (raw.length !== n || (into && into.length !== 3 * n)) throw new Error(`debayerStored16: ${raw.length} samples for ${width}x${height}`);
  const out = into ?? new Uint16Array(3 * n);
  const colourOf = coloursOf(pattern);
  const px = new Float64Array(3);
  for (let y = 0; y < height; y++) {
    const border = y === 0 || y === height - 1 || width < 3;
    if (!border) storedInteriorRow(raw, width, colourOf, s, out, y);
    for (let x = 0; x < width; x++) {
      if (!border && x > 0 && x < width - 1) continue;
      pixelValues(raw, width, height, colourOf, s, px, y, x);
      const o = (y * width + x) * 3;
      out[o] = store16(px[0]);
      out[o + 1] = store16(px[1]);
      out[o + 2] = store16(px[2]);
    }
  }
  return out;
}

/** float32 rounding, then the frame store's 16-bit storage (the Uint16Array store truncates v + 0.5). */
function store16(x: number): number {
  const v = Math.fround(x);
  return v > 0 ? (v < 65535 ? v + 0.5 : 65535) : 0;
}

function storedInteriorRow(raw: Uint8Array | Uint16Array, width: number, colourOf: Uint8Array, s: number, out: Uint16Array, y: number): void {
  const r = y * width;
  const up = r - width;
  const dn = r + width;
  const py = (y & 1) << 1;
  for (let x = 1; x < width - 1; x++) {
    const c = colourOf[py | (x & 1)];
    const o = (r + x) * 3;
    const v = raw[r + x] * s;
    if (c === 1) {
      const rowColour = colourOf[py | ((x + 1) & 1)];
      out[o + 1] = store16(v);
      out[o + rowColour] = store16((raw[r + x - 1] * s + raw[r + x + 1] * s) * 0.5);
      out[o + (2 - rowColour)] = store16((raw[up + x] * s + raw[dn + x] * s) * 0.5);
    } else {
      out[o + c] = store16(v);
      out[o + 1] = store16((raw[up + x] * s + raw[dn + x] * s + raw[r + x - 1] * s + raw[r + x + 1] * s) * 0.25);
      out[o + (2 - c)] = store16((raw[up + x - 1] * s + raw[up + x + 1] * s + raw[dn + x - 1] * s + raw[dn + x + 1] * s) * 0.25);
    }
  }
}

/**
 * The R, G, B values of pixel (y, x) of the mosaic `raw` · s (borders reflected) into px, in the
 * reference's operations: the pixel's own sample, the cross / diagonal means of four, or the row / column
 * means of two neighbours.
 */
function pixelValues(
  raw: ArrayLike<number>, width: number, height: number, colourOf: Uint8Array, s: number, px: Float64Array, y: number, x: number,
): void {
  const at = (yy: number, xx: number) => raw[reflect(yy, height) * width + reflect(xx, width)] * s;
  const c = colourOf[((y & 1) << 1) | (x & 1)];
  const v = raw[y * width + x] * s;
  if (c === 1) {
    const rowColour = colourOf[((y & 1) << 1) | ((x + 1) & 1)];
    px[1] = v;
    px[rowColour] = (at(y, x - 1) + at(y, x + 1)) * 0.5;
    px[2 - rowColour] = (at(y - 1, x) + at(y + 1, x)) * 0.5;
  } else {
    px[c] = v;
    px[1] = (at(y - 1, x) + at(y + 1, x) + at(y, x - 1) + at(y, x + 1)) * 0.25;
    px[2 - c] = (at(y - 1, x - 1) + at(y - 1, x + 1) + at(y + 1, x - 1) + at(y + 1, x + 1)) * 0.25;
  }
}
