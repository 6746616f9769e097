/**
 * Originals at levels 3–4: a source that reads in place and whose stored frame is its own samples (a
 * plain SER, a video's spool) is re-read from the file instead (nothing kept, the forecast says so);
 * otherwise (ROI, calibration, sources that cannot read in place) the stored frame is kept as it is.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSer, openSer } from '../../src/io/ser.ts';
import { FrameSet, predictFrameStoreBytes } from '../../src/runtime/frame-store.ts';
import { rng } from '../image/helpers.ts';
import { debayerBilinearReference } from '../../src/io/debayer.ts';

const dir = mkdtempSync(join(tmpdir(), 'lg-arena-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const W = 64, H = 48, N = 6;
const r = rng(9);
const frames = Array.from({ length: N }, () => Uint8Array.from({ length: W * H }, () => Math.floor(r() * 256)));
const path = join(dir, 'f.ser');

async function openAt(level: 3 | 4, roi: number[]) {
  await writeSer(path, { width: W, height: H, colorLayout: 'mono', bitDepth: 8 }, frames);
  return new FrameSet(await openSer(path), { convert: { debayer: 'auto', scale: 256 }, noise: 3, blackCutoff: 0, level, roi, populator: null }, 1);
}

describe('frame store: originals at levels 3–4', () => {
  it('a plain 8-bit SER at level 3: originals re-read from the file, not kept; same samples; the forecast agrees', async () => {
    const fs = await openAt(3, []);
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < N; i++) {
        const o = await fs.original(i);
        expect(Array.from(o.data.subarray(0, 20))).toEqual(Array.from(frames[i].subarray(0, 20), (v) => v * 256));
      }
    }
    expect(fs.stats.reads).toBe(2 * N);
    expect(fs.heldBytes()).toBe(0);
    expect(fs.arenaBytes()).toBe(0);
    expect(predictFrameStoreBytes(N, W, H, 1, 1, 3, true)).toBe(predictFrameStoreBytes(N, W, H, 1, 1, 2));
    expect(predictFrameStoreBytes(N, W, H, 1, 1, 3, false)).toBe(predictFrameStoreBytes(N, W, H, 1, 1, 2) + N * W * H);
    await fs.close();
  });

  it('with an ROI at level 3: no arena for originals (the kept frame is the cropped copy)', async () => {
    const fs = await openAt(3, [8, 40, 4, 60]);
    for (let i = 0; i < N; i++) {
      const o = await fs.original(i);
      expect(o.width * o.height).toBe(32 * 56);
      expect(o.data[0]).toBe(frames[i][8 * W + 4] * 256);
    }
    expect(fs.arenaBytes()).toBe(0);
    expect(fs.heldBytes()).toBe(N * 32 * 56);
    await fs.close();
  });
});

describe('frame store: mono frames of colour originals at level 4', () => {
  const rgb = Array.from({ length: N }, () => Uint8Array.from({ length: 3 * W * H }, () => Math.floor(r() * 256)));
  const rgbPath = join(dir, 'rgb.ser');
  const open = async (roi: number[]) => {
    await writeSer(rgbPath, { width: W, height: H, colorLayout: 'RGB', bitDepth: 8 }, rgb);
    return new FrameSet(await openSer(rgbPath), { convert: { debayer: 'auto', scale: 256 }, noise: 3, blackCutoff: 0, level: 4, roi, populator: null }, 3);
  };
  const expectedMono = (i: number, k: number) => {
    const v = Math.fround(0.299 * rgb[i][3 * k] * 256 + 0.587 * rgb[i][3 * k + 1] * 256 + 0.114 * rgb[i][3 * k + 2] * 256);
    return Math.floor(v + 0.5);
  };

  it('re-read originals: M remade from each read, not kept (nothing in arenas but L and G); the forecast agrees', async () => {
    const fs = await open([]);
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < N; i++) {
        const { frame, release } = await fs.monoLease(i);
        expect([frame.stored[0], frame.stored[W * H - 1]]).toEqual([expectedMono(i, 0), expectedMono(i, W * H - 1)]);
        release();
      }
    }
    expect(fs.stats.reads).toBe(2 * N);
    expect(fs.heldBytes()).toBe(0);
    expect(fs.arenaBytes()).toBe(0);
    expect(predictFrameStoreBytes(N, W, H, 3, 1, 4, true)).toBe(predictFrameStoreBytes(N, W, H, 3, 1, 2));
    expect(predictFrameStoreBytes(N, W, H, 3, 1, 4, false)).toBe(predictFrameStoreBytes(N, W, H, 3, 1, 2) + N * W * H * 3 + N * W * H * 2);
    await fs.close();
  });

  it('kept originals (an ROI): M kept too, once per frame, the same values', async () => {
    const fs = await open([0, H, 0, W / 2]);
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < N; i++) {
        const { frame, release } = await fs.monoLease(i);
        expect(frame.stored[1]).toBe(expectedMono(i, 1));
        release();
      }
    }
    expect(fs.stats.reads).toBe(N);
    expect(fs.arenaBytes()).toBe(N * H * (W / 2) * 2);
    await fs.close();
  });
});

describe('frame store: Bayer originals', () => {
  const mosaics = Array.from({ length: N }, () => Uint8Array.from({ length: W * H }, () => Math.floor(r() * 256)));
  const bayerPath = join(dir, 'bayer.ser');
  const open = async (level: 0 | 4) => {
    await writeSer(bayerPath, { width: W, height: H, colorLayout: 'RGGB', bitDepth: 8 }, mosaics);
    return new FrameSet(await openSer(bayerPath), { convert: { debayer: 'auto', scale: 256 }, noise: 3, blackCutoff: 0, level, roi: [], populator: null }, 3);
  };
  const expected = (i: number) => {
    const f = debayerBilinearReference(Float32Array.from(mosaics[i], (v) => v * 256), W, H, 'RGGB');
    return Float32Array.from(f, (v) => (v > 0 ? (v < 65535 ? Math.floor(v + 0.5) : 65535) : 0));
  };
  it('demosaiced into 16-bit storage as the float path does: kept in an arena at level 4, re-made at level 0', async () => {
    for (const level of [4, 0] as const) {
      const fs = await open(level);
      for (let pass = 0; pass < 2; pass++) {
        for (let i = 0; i < N; i++) expect(compareArrays((await fs.original(i)).data, expected(i)), `level ${level} frame ${i}`).toBe(0);
      }
      expect(fs.stats.reads).toBe(level === 4 ? N : 2 * N);
      expect(fs.arenaBytes()).toBe(level === 4 ? N * W * H * 6 : 0);
      await fs.close();
    }
  });
});

function compareArrays(a: Float32Array, b: Float32Array): number {
  let n = a.length === b.length ? 0 : 1;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) n++;
  return n;
}
