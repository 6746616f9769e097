/**
 * 16-bit output samples and PNG scanlines.
 *
 * `quantiseRow`: floats on the 16-bit scale as 16-bit samples — clipped to 0…65535 and rounded half
 * up (for 0 < v < 65535, v + 0.5 is exact in float64 and truncation is floor); NaN → 0. The one rule
 * for 16-bit output (PNG, TIFF, FITS).
 *
 * `pngScanlinesUp16`: the raw PNG image data of a 16-bit image, before deflate: per row a filter
 * byte (0 "None" for the first row, 2 "Up" after it) and the big-endian sample bytes, each minus the
 * byte above (mod 256). This TypeScript version is the reference of the WebAssembly kernel.
 */

export function quantiseRow(cur: Uint16Array, data: Float32Array, s0: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = data[s0 + i];
    cur[i] = v >= 65535 ? 65535 : v > 0 ? (v + 0.5) | 0 : 0;
  }
}

/** One row of 16-bit samples as big-endian bytes, minus the bytes of the row above (`prev`; null: the first row). */
function upRow16(raw: Uint8Array, o: number, cur: Uint16Array, prev: Uint16Array | null, n: number): void {
  if (!prev) {
    for (let i = 0; i < n; i++) { const v = cur[i]; raw[o++] = v >> 8; raw[o++] = v & 255; }
    return;
  }
  for (let i = 0; i < n; i++) {
    const v = cur[i];
    const u = prev[i];
    raw[o++] = ((v >> 8) - (u >> 8)) & 255;
    raw[o++] = ((v & 255) - (u & 255)) & 255;
  }
}

/**
 * The PNG scanlines (filter byte + 2·`row` bytes per row, `rows` rows) of 16-bit samples: `data`
 * holds `row`·`rows` samples, floats (quantised by `quantiseRow`) or 16-bit integers.
 */
export function pngScanlinesUp16(data: Float32Array | Uint16Array, row: number, rows: number): Uint8Array {
  if (!(Number.isInteger(row) && Number.isInteger(rows) && row > 0 && rows > 0) || data.length !== row * rows) {
    throw new Error(`pngScanlinesUp16: ${data.length} samples for ${rows} rows of ${row}`);
  }
  const rowBytes = 2 * row;
  const raw = new Uint8Array(rows * (rowBytes + 1));
  // one call per row: small functions the JIT optimises after a few rows
  let cur = new Uint16Array(data instanceof Float32Array ? row : 0);
  let prev = new Uint16Array(cur.length);
  for (let y = 0, o = 0; y < rows; y++, o += rowBytes + 1) {
    raw[o] = y === 0 ? 0 : 2;
    if (data instanceof Float32Array) {
      quantiseRow(cur, data, y * row, row);
      upRow16(raw, o + 1, cur, y > 0 ? prev : null, row);
      [cur, prev] = [prev, cur];
    } else {
      upRow16(raw, o + 1, data.subarray(y * row, (y + 1) * row), y > 0 ? data.subarray((y - 1) * row, y * row) : null, row);
    }
  }
  return raw;
}
