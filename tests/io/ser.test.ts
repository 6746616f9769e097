import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSer, openSer, writeSer, SER_HEADER_BYTES } from '../../src/io/ser.ts';
import type { ColorLayout } from '../../src/io/frame-source.ts';
import { toImage } from '../../src/io/convert.ts';

const dir = mkdtempSync(join(tmpdir(), 'lg-ser-'));
const layouts: ColorLayout[] = ['mono', 'RGGB', 'GRBG', 'GBRG', 'BGGR', 'RGB', 'BGR'];

function frames(n: number, samples: number, max: number): Uint16Array[] {
  return Array.from({ length: n }, (_, k) => Uint16Array.from({ length: samples }, (_, i) => (i * 7919 + k * 104729) % (max + 1)));
}

describe('SER', () => {
  for (const layout of layouts) {
    for (const depth of [8, 12, 16]) {
      it(`round-trips ${layout} ${depth}-bit`, async () => {
        const planes = layout === 'RGB' || layout === 'BGR' ? 3 : 1;
        const w = 13, h = 7;
        const fr = frames(3, w * h * planes, 2 ** depth - 1);
        const p = join(dir, `${layout}-${depth}.ser`);
        const ts = [Date.UTC(2024, 0, 1, 1, 2, 3), Date.UTC(2024, 0, 1, 1, 2, 4), Date.UTC(2024, 0, 1, 1, 2, 5)];
        await writeSer(p, { width: w, height: h, colorLayout: layout, bitDepth: depth, observer: 'Me', instrument: 'Cam', telescope: 'C11', startMs: ts[0], timestamps: ts }, fr);
        const s = await openSer(p);
        expect(s.info).toMatchObject({ frameCount: 3, width: w, height: h, bitDepth: depth, colorLayout: layout, planes });
        expect(s.info.ser).toMatchObject({ observer: 'Me', instrument: 'Cam', telescope: 'C11', byteOrder: 'little', dateTimeUtc: '2024-01-01T01:02:03.000Z' });
        expect(s.info.timestamps).toEqual(ts);
        for (let i = 0; i < 3; i++) expect(Array.from((await s.read(i)).data)).toEqual(Array.from(fr[i]));
        await s.close();
      });
    }
  }

  it('reads into a lent buffer: same samples, viewing that buffer (8-bit, 16-bit little and big endian)', async () => {
    for (const [depth, order] of [[8, 'little'], [16, 'little'], [16, 'big']] as const) {
      const w = 9, h = 5;
      const fr = frames(3, w * h, 2 ** depth - 1);
      const p = join(dir, `into-${depth}-${order}.ser`);
      await writeSer(p, { width: w, height: h, colorLayout: 'mono', bitDepth: depth, byteOrder: order }, fr);
      const s = await openSer(p);
      const lent = new ArrayBuffer(w * h * (depth / 8));
      // and into a view at an offset within a shared buffer
      const shared = new SharedArrayBuffer(64 + w * h * (depth / 8));
      const at = await s.read(1, new Uint8Array(shared, 64, w * h * (depth / 8)));
      expect(at.data.buffer).toBe(shared);
      expect(at.data.byteOffset).toBe(64);
      expect(Array.from(at.data)).toEqual(Array.from(fr[1]));
      for (let i = 2; i >= 0; i--) {
        const r = await s.read(i, new Uint8Array(lent));
        expect(r.data.buffer, `${depth}-bit ${order}`).toBe(lent);
        expect(Array.from(r.data), `${depth}-bit ${order} frame ${i}`).toEqual(Array.from(fr[i]));
      }
      // A buffer that is too small is not used.
      const fresh = await s.read(1, new Uint8Array(4));
      expect(fresh.data.buffer.byteLength).toBe(w * h * (depth / 8));
      expect(Array.from(fresh.data)).toEqual(Array.from(fr[1]));
      await s.close();
    }
  });

  it('reads the LittleEndian flag with the compatibility meaning by default, and can force either order', async () => {
    const fr = [Uint16Array.from([0x0102, 0xa0b0, 7, 65535])];
    const p = join(dir, 'big.ser');
    await writeSer(p, { width: 2, height: 2, colorLayout: 'mono', bitDepth: 16, byteOrder: 'big' }, fr);
    const compat = await openSer(p);
    expect(compat.info.ser!.byteOrder).toBe('big');
    expect(Array.from((await compat.read(0)).data)).toEqual(Array.from(fr[0]));
    const spec = await openSer(p, { byteOrder: 'spec' }); // flag 1 literally = little
    expect(spec.info.ser!.byteOrder).toBe('little');
    expect((await spec.read(0)).data[0]).toBe(0x0201);
    const forced = await openSer(p, { byteOrder: 'little' });
    expect((await forced.read(0)).data[0]).toBe(0x0201);
    await Promise.all([compat.close(), spec.close(), forced.close()]);
  });

  it('uses the complete frames of a truncated file and says so', async () => {
    const buf = encodeSer({ width: 4, height: 4, colorLayout: 'mono', bitDepth: 8 }, frames(5, 16, 255));
    const p = join(dir, 'trunc.ser');
    writeFileSync(p, buf.subarray(0, SER_HEADER_BYTES + 16 * 3 + 5));
    const s = await openSer(p);
    expect(s.info.frameCount).toBe(3);
    expect(s.info.ser!.headerFrameCount).toBe(5);
    expect(s.info.warnings.join()).toMatch(/truncated: header says 5 frames, the file holds 3 complete frames/);
    await s.close();
  });

  it('rejects bad files with one line naming the file and the problem', async () => {
    const empty = join(dir, 'empty.ser'); writeFileSync(empty, '');
    await expect(openSer(empty)).rejects.toThrow(`${empty}: empty file`);
    const magic = join(dir, 'magic.ser');
    const good = encodeSer({ width: 4, height: 4, colorLayout: 'mono', bitDepth: 8 }, frames(2, 16, 255));
    const bad = Buffer.from(good); bad.write('NOT-A-SER-FILE', 0, 'latin1'); writeFileSync(magic, bad);
    await expect(openSer(magic)).rejects.toThrow(/magic\.ser: not a SER file/);
    const nofit = join(dir, 'nofit.ser');
    const nf = Buffer.from(good); nf.writeInt32LE(4000, 26); writeFileSync(nofit, nf);
    await expect(openSer(nofit)).rejects.toThrow(/nofit\.ser: header sizes do not fit the file/);
    await expect(openSer(join(dir, 'missing.ser'))).rejects.toThrow(/missing\.ser: file not found/);
    const short = join(dir, 'short.ser'); writeFileSync(short, good.subarray(0, 100));
    await expect(openSer(short)).rejects.toThrow(/too short for a SER header/);
  });

  it('converts 8-bit data to the 16-bit scale and debayers RGGB into RGB', async () => {
    // A flat red field seen through an RGGB mosaic: R sites 200, G and B sites 0.
    const w = 6, h = 6;
    const mosaic = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) mosaic[y * w + x] = y % 2 === 0 && x % 2 === 0 ? 200 : 0;
    const img = toImage({ index: 0, width: w, height: h, planes: 1, bitDepth: 8, data: mosaic }, 'RGGB', { debayer: 'auto', scale: 256 });
    expect(img.channels).toBe(3);
    for (let p = 0; p < w * h; p++) {
      expect(img.data[3 * p]).toBeCloseTo(200 * 256, 3);
      expect(img.data[3 * p + 1]).toBe(0);
      expect(img.data[3 * p + 2]).toBe(0);
    }
  });

  it('calibrates with dark and flat without wrap-around (pixels below the dark clamp to 0)', () => {
    const raw = { index: 0, width: 2, height: 1, planes: 1 as const, bitDepth: 16, data: Uint16Array.from([100, 5000]) };
    const img = toImage(raw, 'mono', { debayer: 'auto', scale: 1, calibration: { dark: Float32Array.from([200, 1000]), flat: Float32Array.from([1000, 3000]) } });
    expect(img.data[0]).toBe(0); // PSS would wrap 100-200 to ~65436 and saturate white
    expect(img.data[1]).toBeCloseTo(4000 * (2000 / 3000), 3);
  });

  it('reads the shared synthetic moon-512 SER', async () => {
    const p = join(__dirname, '../../../shared/data/synthetic/moon-512/frames.ser');
    let s;
    try { readFileSync(p, { flag: 'r' }).subarray(0, 1); s = await openSer(p); } catch { console.warn('skipped: ../shared/data missing'); return; }
    expect(s.info).toMatchObject({ frameCount: 120, width: 512, height: 384, bitDepth: 16, colorLayout: 'mono' });
    await s.close();
  });
});
