/**
 * FITS: own reader and writer for 2-D images and (3, H, W) colour cubes (fitsjs is unusable in Node).
 *
 * Reading (first HDU with image data: the primary HDU, or the first IMAGE extension when the primary is empty):
 *  - BITPIX 8 (BZERO 0, BSCALE 1)                     → Uint8Array, bitDepth 8.
 *  - BITPIX 16, BSCALE 1, BZERO 32768                 → Uint16Array, bitDepth 16 (the usual unsigned 16-bit).
 *  - BITPIX 16, BSCALE 1, BZERO 0 (signed)            → Uint16Array, bitDepth 16, negative values clipped to 0.
 *  - anything else (BITPIX 32, −32, −64, other BZERO/BSCALE) → Float32Array, bitDepth 32, physical values
 *    (raw · BSCALE + BZERO) brought to the 16-bit scale by `toSixteenBitScale`:
 *      · a LGSCALE card (written by luckygraph) gives the factor exactly;
 *      · otherwise float data whose maximum is ≤ 1.0 are multiplied by 65535 (the 0..1 convention of Siril,
 *        AutoStakkert etc.); larger float values are taken as already on the 16-bit scale;
 *      · integer data whose maximum exceeds 65535 are scaled by 65535 / (largest value the type can hold);
 *      · NaN and ±Inf become 0.
 *  - NAXIS3 = 3 colour cubes are planar (R, G, B planes) and are interleaved on read.
 *  - Row order: FITS images are stored bottom-up (the first row is the bottom, as PSS/astropy/Siril display them),
 *    so rows are flipped on read and on write; a round trip is the identity. A ROWORDER = 'TOP-DOWN' card turns
 *    the flip off on read.
 *
 * Writing: BITPIX 16 with BZERO 32768 (the caller passes uint16) or BITPIX −32 (the caller passes float32 values,
 * luckygraph stores v / 65535 and records LGSCALE = 65535). Provenance: CREATOR = provenance.Software,
 * HISTORY lines for short entries (for people), and the whole record as ASCII JSON split over
 * "COMMENT LGPROV …" cards (for `readFitsProvenance`).
 */
import type { ByteReader, DecodedImage, ImageHeader } from './image-file.js';

const BLOCK = 2880;
const CARD = 80;

export function isFits(b: Uint8Array): boolean {
  if (b.length < 10) return false;
  const s = String.fromCharCode(...b.subarray(0, 10));
  return /^SIMPLE {2}= {0,20}/.test(s);
}

export interface FitsCard {
  key: string;
  value?: string | number | boolean;
  /** Columns 9–80 for commentary cards (COMMENT, HISTORY, blank). */
  text: string;
}

export function parseCard(raw: string): FitsCard {
  const key = raw.slice(0, 8).trimEnd();
  if (raw.slice(8, 10) !== '= ') return { key, text: raw.slice(8) };
  const rest = raw.slice(10);
  const t = rest.trimStart();
  let value: string | number | boolean | undefined;
  if (t.startsWith("'")) {
    let s = '';
    let i = 1;
    for (; i < t.length; i++) {
      if (t[i] === "'") {
        if (t[i + 1] === "'") {
          s += "'";
          i++;
        } else break;
      } else s += t[i];
    }
    value = s.trimEnd();
  } else {
    const v = t.split('/')[0].trim();
    if (v === 'T') value = true;
    else if (v === 'F') value = false;
    else if (v !== '') {
      const num = Number(v.replace(/[dD]/, 'E'));
      value = Number.isNaN(num) ? v : num;
    }
  }
  return { key, value, text: raw.slice(8) };
}

export interface FitsHdu {
  cards: FitsCard[];
  headerStart: number;
  dataStart: number;
  /** Bytes of data (without padding). */
  dataBytes: number;
}

function num(cards: FitsCard[], key: string, dflt?: number): number | undefined {
  const c = cards.find((x) => x.key === key);
  return typeof c?.value === 'number' ? c.value : dflt;
}

function str(cards: FitsCard[], key: string): string | undefined {
  const c = cards.find((x) => x.key === key);
  return typeof c?.value === 'string' ? c.value : undefined;
}

async function readHdu(r: ByteReader, start: number): Promise<FitsHdu> {
  const cards: FitsCard[] = [];
  const dec = new TextDecoder('latin1');
  for (let pos = start; ; pos += BLOCK) {
    const b = await r.read(pos, BLOCK);
    if (b.length < BLOCK) throw new Error('truncated FITS header (no END card)');
    const text = dec.decode(b);
    for (let i = 0; i < BLOCK; i += CARD) {
      const card = parseCard(text.slice(i, i + CARD));
      if (card.key === 'END') {
        const bitpix = num(cards, 'BITPIX');
        const naxis = num(cards, 'NAXIS', 0)!;
        let count = naxis > 0 ? 1 : 0;
        for (let k = 1; k <= naxis; k++) count *= num(cards, `NAXIS${k}`, 0)!;
        const pcount = num(cards, 'PCOUNT', 0)!;
        const gcount = num(cards, 'GCOUNT', 1)!;
        const dataBytes = bitpix ? (Math.abs(bitpix) / 8) * gcount * (pcount + count) : 0;
        return { cards, headerStart: start, dataStart: pos + BLOCK, dataBytes };
      }
      cards.push(card);
    }
  }
}

export interface FitsLayout extends ImageHeader {
  hdu: FitsHdu;
  bitpix: number;
  bzero: number;
  bscale: number;
  /** True when rows are stored bottom-up (the default) and must be flipped. */
  flip: boolean;
  /** LGSCALE card value, if any. */
  lgscale?: number;
}

/** Finds the image HDU and works out how it decodes. Reads only headers. */
export async function readFitsLayout(r: ByteReader): Promise<FitsLayout> {
  const first = await r.read(0, 10);
  if (!isFits(first)) throw new Error('not a FITS file (no SIMPLE card)');
  let hdu = await readHdu(r, 0);
  if (hdu.cards.find((c) => c.key === 'SIMPLE')?.value !== true) throw new Error('not a standard FITS file (SIMPLE = F)');
  const hasImage = (h: FitsHdu, primary: boolean) =>
    (primary || str(h.cards, 'XTENSION') === 'IMAGE') && num(h.cards, 'NAXIS', 0)! > 0 && h.dataBytes > 0;
  for (let guard = 0, primary = true; !hasImage(hdu, primary); guard++, primary = false) {
    const next = hdu.dataStart + Math.ceil(hdu.dataBytes / BLOCK) * BLOCK;
    if (guard > 64 || next + BLOCK > r.size) throw new Error('FITS file has no image data');
    hdu = await readHdu(r, next);
    if (str(hdu.cards, 'XTENSION') === 'BINTABLE' && hdu.cards.find((c) => c.key === 'ZIMAGE')?.value === true) {
      throw new Error('unsupported FITS (tile-compressed image, fpack); decompress it with funpack first');
    }
  }
  const cards = hdu.cards;
  const bitpix = num(cards, 'BITPIX')!;
  if (![8, 16, 32, -32, -64].includes(bitpix)) throw new Error(`unsupported FITS (BITPIX ${bitpix})`);
  const naxis = num(cards, 'NAXIS')!;
  const width = num(cards, 'NAXIS1', 0)!;
  const height = num(cards, 'NAXIS2', 0)!;
  if (naxis < 2 || width <= 0 || height <= 0) throw new Error(`unsupported FITS (NAXIS ${naxis}, not a 2-D image)`);
  let depth = 1;
  for (let k = 3; k <= naxis; k++) {
    const nk = num(cards, `NAXIS${k}`, 1)!;
    if (k === 3) depth = nk;
    else if (nk !== 1) throw new Error(`unsupported FITS (NAXIS${k} = ${nk})`);
  }
  if (depth !== 1 && depth !== 3) throw new Error(`unsupported FITS (cube with NAXIS3 = ${depth}; need 1 or 3 planes)`);
  const bzero = num(cards, 'BZERO', 0)!;
  const bscale = num(cards, 'BSCALE', 1)!;
  let bitDepth: 8 | 16 | 32 = 32;
  if (bitpix === 8 && bzero === 0 && bscale === 1) bitDepth = 8;
  else if (bitpix === 16 && bscale === 1 && (bzero === 0 || bzero === 32768)) bitDepth = 16;
  const roworder = str(cards, 'ROWORDER')?.toUpperCase();
  const lgscale = num(cards, 'LGSCALE');
  return {
    format: 'fits',
    width,
    height,
    planes: depth === 3 ? 3 : 1,
    bitDepth,
    hdu,
    bitpix,
    bzero,
    bscale,
    flip: roworder !== 'TOP-DOWN',
    lgscale,
  };
}

export async function readFitsHeader(r: ByteReader): Promise<ImageHeader> {
  const l = await readFitsLayout(r);
  return { format: 'fits', width: l.width, height: l.height, planes: l.planes, bitDepth: l.bitDepth };
}

export interface SixteenBitScaleOptions {
  /** Exact factor to apply (e.g. from LGSCALE); skips the heuristics. */
  scale?: number;
  /** Source samples are integers; `fullScale` is the largest value the type can hold (after BSCALE/BZERO). */
  integer?: { fullScale: number };
  /** TIFF shortcut: 32-bit integer samples. */
  integerBits?: 32;
  signed?: boolean;
}

/**
 * Brings float data to the 16-bit scale in place: NaN/±Inf → 0; then an explicit `scale`, or for float data
 * a maximum ≤ 1.0 means ×65535, or for integer data a maximum above 65535 means ×65535/fullScale.
 */
export function toSixteenBitScale(data: Float32Array, opts: SixteenBitScaleOptions = {}): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) data[i] = 0;
    else if (v > max) max = v;
  }
  if (max === -Infinity) max = 0;
  let factor = 1;
  const integer = opts.integer ?? (opts.integerBits ? { fullScale: opts.signed ? 2147483647 : 4294967295 } : undefined);
  if (opts.scale !== undefined) factor = opts.scale;
  else if (integer) factor = max > 65535 ? 65535 / integer.fullScale : 1;
  else factor = max <= 1.0 ? 65535 : 1;
  if (factor !== 1) for (let i = 0; i < data.length; i++) data[i] *= factor;
  return data;
}

/** Decodes the image HDU of a FITS file held in memory. */
export async function decodeFits(bytes: Uint8Array): Promise<DecodedImage> {
  const reader: ByteReader = { size: bytes.length, read: async (p, n) => bytes.subarray(p, Math.min(bytes.length, p + n)) };
  const l = await readFitsLayout(reader);
  const { width: w, height: h, planes, bitpix, bzero, bscale } = l;
  const bpp = Math.abs(bitpix) / 8;
  const plane = w * h;
  const need = plane * planes * bpp;
  const start = l.hdu.dataStart;
  if (start + need > bytes.length) throw new Error(`truncated FITS data (${bytes.length - start} of ${need} bytes)`);
  // Destination index of stored sample (c, fy, x).
  const rowOf = (fy: number) => (l.flip ? h - 1 - fy : fy);
  if (l.bitDepth === 8) {
    const out = new Uint8Array(plane * planes);
    for (let c = 0; c < planes; c++)
      for (let fy = 0; fy < h; fy++) {
        const src = start + (c * h + fy) * w;
        let d = rowOf(fy) * w * planes + c;
        for (let x = 0; x < w; x++, d += planes) out[d] = bytes[src + x];
      }
    return { width: w, height: h, planes, bitDepth: 8, data: out };
  }
  if (l.bitDepth === 16) {
    const out = new Uint16Array(plane * planes);
    const unsigned = bzero === 32768;
    for (let c = 0; c < planes; c++)
      for (let fy = 0; fy < h; fy++) {
        let s = start + ((c * h + fy) * w) * 2;
        let d = rowOf(fy) * w * planes + c;
        for (let x = 0; x < w; x++, d += planes, s += 2) {
          const hi = bytes[s];
          const lo = bytes[s + 1];
          if (unsigned) out[d] = ((hi ^ 0x80) << 8) | lo;
          else out[d] = hi & 0x80 ? 0 : (hi << 8) | lo; // signed: negative → 0
        }
      }
    return { width: w, height: h, planes, bitDepth: 16, data: out };
  }
  // Other types: decode to float in stored order (one monomorphic loop per type), then reorder and scale.
  const count = plane * planes;
  const phys = new Float32Array(count);
  const dv = new DataView(bytes.buffer, bytes.byteOffset + start, need);
  if (bitpix === 8) for (let i = 0; i < count; i++) phys[i] = dv.getUint8(i);
  else if (bitpix === 16) for (let i = 0; i < count; i++) phys[i] = dv.getInt16(i * 2);
  else if (bitpix === 32) for (let i = 0; i < count; i++) phys[i] = dv.getInt32(i * 4);
  else if (bitpix === -32) for (let i = 0; i < count; i++) phys[i] = dv.getFloat32(i * 4);
  else for (let i = 0; i < count; i++) phys[i] = dv.getFloat64(i * 8);
  const out = new Float32Array(count);
  const identity = bscale === 1 && bzero === 0;
  for (let c = 0; c < planes; c++)
    for (let fy = 0; fy < h; fy++) {
      let s = (c * h + fy) * w;
      let d = rowOf(fy) * w * planes + c;
      if (identity) for (let x = 0; x < w; x++, d += planes, s++) out[d] = phys[s];
      else for (let x = 0; x < w; x++, d += planes, s++) out[d] = phys[s] * bscale + bzero;
    }
  const floatLike = bitpix < 0 || bscale !== Math.round(bscale);
  const rawMax = bitpix === 8 ? 255 : 2 ** (bitpix - 1) - 1;
  toSixteenBitScale(out, l.lgscale !== undefined ? { scale: l.lgscale } : floatLike ? {} : { integer: { fullScale: rawMax * bscale + bzero } });
  return { width: w, height: h, planes, bitDepth: 32, data: out };
}

// ---------------------------------------------------------------------------------------------------
// Writer

function asciiEscape(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

function fitCard(s: string): string {
  return s.length >= CARD ? s.slice(0, CARD) : s.padEnd(CARD);
}

function valueCard(key: string, value: string | number | boolean, comment?: string): string {
  let v: string;
  if (typeof value === 'string') {
    let q = asciiEscape(value).replace(/'/g, "''");
    if (q.length > 68) {
      q = q.slice(0, 68);
      const trailing = q.length - q.replace(/'+$/, '').length;
      if (trailing % 2 === 1) q = q.slice(0, -1); // do not split a doubled quote
    }
    v = `'${q.padEnd(8)}'`;
  } else if (typeof value === 'boolean') v = (value ? 'T' : 'F').padStart(20);
  else v = (Number.isInteger(value) ? String(value) : value.toExponential(9).toUpperCase()).padStart(20);
  return fitCard(`${key.padEnd(8)}= ${v}${comment ? ` / ${comment}` : ''}`);
}

function commentaryCards(key: 'HISTORY' | 'COMMENT', text: string, width = 72): string[] {
  const out: string[] = [];
  const t = asciiEscape(text);
  for (let i = 0; i < t.length || i === 0; i += width) out.push(fitCard(`${key.padEnd(8)}${t.slice(i, i + width)}`));
  return out;
}

const PROV_TAG = 'LGPROV ';
const PROV_CHUNK = CARD - 8 - PROV_TAG.length; // 65

export interface FitsWriteOptions {
  provenance?: Record<string, string>;
  /** Written as LGSCALE for float data: pixel value on the 16-bit scale = stored value × LGSCALE. */
  floatScale?: number;
}

/**
 * Encodes a FITS file. `data` is interleaved (RGBRGB… top row first, as in Image) and holds the values to store:
 * Uint8Array → BITPIX 8, Uint16Array → BITPIX 16 with BZERO 32768, Float32Array → BITPIX −32.
 */
export function encodeFits(
  width: number,
  height: number,
  planes: 1 | 3,
  data: Uint8Array | Uint16Array | Float32Array,
  opts: FitsWriteOptions = {},
): Uint8Array {
  if (data.length !== width * height * planes) throw new Error(`encodeFits: ${data.length} samples for ${width}x${height}x${planes}`);
  const bitpix = data instanceof Float32Array ? -32 : data instanceof Uint16Array ? 16 : 8;
  const cards: string[] = [
    valueCard('SIMPLE', true, 'conforms to FITS standard'),
    valueCard('BITPIX', bitpix, bitpix === -32 ? '32-bit IEEE float' : bitpix === 16 ? '16-bit integers (unsigned via BZERO)' : '8-bit unsigned'),
    valueCard('NAXIS', planes === 3 ? 3 : 2),
    valueCard('NAXIS1', width, 'width'),
    valueCard('NAXIS2', height, 'height'),
  ];
  if (planes === 3) cards.push(valueCard('NAXIS3', 3, 'colour planes R, G, B'));
  cards.push(valueCard('EXTEND', true));
  if (bitpix === 16) {
    cards.push(valueCard('BZERO', 32768, 'unsigned 16-bit: value = stored + 32768'));
    cards.push(valueCard('BSCALE', 1));
  }
  if (bitpix === -32 && opts.floatScale !== undefined) {
    cards.push(valueCard('LGSCALE', opts.floatScale, '16-bit scale value = data * LGSCALE'));
  }
  cards.push(valueCard('ROWORDER', 'BOTTOM-UP', 'first stored row is the bottom of the image'));
  const prov = opts.provenance ?? {};
  if (prov.Software !== undefined) cards.push(valueCard('CREATOR', prov.Software));
  const entries = Object.entries(prov);
  if (entries.length > 0) {
    for (const [k, v] of entries) {
      const line = `${k}: ${v}`;
      if (asciiEscape(line).length <= 4 * 72) cards.push(...commentaryCards('HISTORY', line));
    }
    cards.push(...commentaryCards('COMMENT', 'luckygraph provenance: JSON object split over the LGPROV cards below'));
    const json = asciiEscape(JSON.stringify(prov));
    for (let i = 0; i < json.length; i += PROV_CHUNK) cards.push(fitCard(`COMMENT ${PROV_TAG}${json.slice(i, i + PROV_CHUNK)}`));
  }
  cards.push(fitCard('END'));
  const headerBytes = Math.ceil((cards.length * CARD) / BLOCK) * BLOCK;
  const bpp = Math.abs(bitpix) / 8;
  const dataBytes = width * height * planes * bpp;
  const out = new Uint8Array(headerBytes + Math.ceil(dataBytes / BLOCK) * BLOCK);
  out.fill(0x20, 0, headerBytes);
  const header = cards.join('');
  for (let i = 0; i < header.length; i++) out[i] = header.charCodeAt(i);
  const dv = new DataView(out.buffer, headerBytes, dataBytes);
  let s = 0; // stored sample index
  for (let c = 0; c < planes; c++)
    for (let fy = 0; fy < height; fy++) {
      const y = height - 1 - fy; // bottom row first
      let i = y * width * planes + c;
      if (bitpix === 16) {
        const d16 = data as Uint16Array;
        let o = headerBytes + s * 2;
        for (let x = 0; x < width; x++, i += planes, o += 2) {
          const v = d16[i];
          out[o] = (v >> 8) ^ 0x80;
          out[o + 1] = v & 0xff;
        }
      } else if (bitpix === -32) {
        const f = data as Float32Array;
        let o = s * 4;
        for (let x = 0; x < width; x++, i += planes, o += 4) dv.setFloat32(o, f[i]);
      } else {
        let o = headerBytes + s;
        for (let x = 0; x < width; x++, i += planes) out[o++] = data[i];
      }
      s += width;
    }
  return out;
}

/**
 * Provenance of a FITS file: the LGPROV JSON written by luckygraph; for other files CREATOR (as "Software")
 * and the HISTORY lines joined with newlines (as "HISTORY").
 */
export async function readFitsProvenance(r: ByteReader): Promise<Record<string, string>> {
  const first = await r.read(0, 10);
  if (!isFits(first)) throw new Error('not a FITS file (no SIMPLE card)');
  const { cards } = await readHdu(r, 0);
  let json = '';
  let found = false;
  for (const c of cards) {
    if (c.key === 'COMMENT' && c.text.startsWith(PROV_TAG)) {
      found = true;
      json += c.text.slice(PROV_TAG.length, PROV_TAG.length + PROV_CHUNK).padEnd(PROV_CHUNK);
    }
  }
  if (found) {
    try {
      const parsed = JSON.parse(json.trimEnd());
      if (parsed && typeof parsed === 'object') return parsed as Record<string, string>;
    } catch {
      /* fall through to the plain cards */
    }
  }
  const out: Record<string, string> = {};
  const creator = str(cards, 'CREATOR');
  if (creator !== undefined) out.Software = creator;
  const history = cards.filter((c) => c.key === 'HISTORY').map((c) => c.text.trimEnd());
  if (history.length) out.HISTORY = history.join('\n');
  return out;
}
