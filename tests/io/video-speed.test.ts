/**
 * The fast paths of the video source: probe and first-frame decode run concurrently on open, ffmpeg
 * writes the spool itself (readers poll its size), decodeAll copies pipe chunks into one reused buffer.
 * Every frame read must equal ffmpeg's own raw output, whatever the frame size (smaller or larger than
 * the pipe chunks and the spool margin), pixel format or read order.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openVideo } from '../../src/io/video-source.ts';
import { findFfmpeg } from '../../src/io/ffmpeg-locate.ts';
import type { RawFrame } from '../../src/io/frame-source.ts';

const ffmpeg = findFfmpeg()!.path;
const dir = mkdtempSync(join(tmpdir(), 'lg-vidspeed-'));

function make(name: string, size: string, frames: number, pixFmt: string, filter: string[] = []): string {
  const out = join(dir, name);
  const r = spawnSync(ffmpeg, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25`,
    ...filter, '-frames:v', String(frames), '-c:v', 'ffv1', '-pix_fmt', pixFmt, out]);
  if (r.status !== 0) throw new Error(r.stderr.toString());
  return out;
}

/** ffmpeg's own decode of the whole file, frame by frame. */
function reference(path: string, pixFmt: string, frameBytes: number): Buffer[] {
  const r = spawnSync(ffmpeg, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', path, '-map', '0:v:0', '-f', 'rawvideo', '-pix_fmt', pixFmt, 'pipe:1'],
    { maxBuffer: 1 << 30 });
  const out: Buffer[] = [];
  for (let o = 0; o + frameBytes <= r.stdout.length; o += frameBytes) out.push(r.stdout.subarray(o, o + frameBytes));
  return out;
}

const bytesOf = (f: RawFrame) => Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength);

const cases = [
  // name, size, frames, stored pixel format, expected layout, bytes per sample, decoded pixel format
  ['gray8-tiny.mkv', '16x8', 30, 'gray', 'mono', 1, 'gray'],
  ['gray16.mkv', '320x240', 12, 'gray16le', 'mono', 2, 'gray16le'],
  ['colour-odd.mkv', '333x211', 10, 'yuv444p', 'RGB', 1, 'rgb24'],
  ['colour-big.mkv', '1024x768', 6, 'yuv420p', 'RGB', 1, 'rgb24'],
] as const;

describe('video source fast paths', () => {
  const files = new Map<string, string>();
  beforeAll(() => {
    for (const [name, size, n, fmt] of cases) files.set(name, make(name, size, n, fmt, ['-vf', `scale=${size.replace('x', ':')}`]));
    // grey content in a YUV format: neutral chroma, so mono
    files.set('grey-yuv.mkv', make('grey-yuv.mkv', '400x300', 5, 'yuv420p', ['-vf', 'format=gray']));
  });

  for (const [name, size, n, , layout, bps, decodedFmt] of cases) {
    it(`${name}: info, random and sequential reads and decodeAll equal ffmpeg's raw output`, async () => {
      const [w, h] = size.split('x').map(Number);
      const v = await openVideo(files.get(name)!);
      expect(v.info).toMatchObject({ frameCount: n, width: w, height: h, colorLayout: layout, bytesPerSample: bps });
      const frameBytes = w * h * (layout === 'RGB' ? 3 : 1) * bps;
      const ref = reference(files.get(name)!, decodedFmt, frameBytes);
      expect(ref.length).toBe(n);
      // concurrent reads in reverse order while the decoder is still writing the spool
      const backwards = await Promise.all(Array.from({ length: n }, (_, i) => v.read(n - 1 - i)));
      backwards.forEach((f, k) => {
        expect(f.index).toBe(n - 1 - k);
        expect(f.data).toBeInstanceOf(bps === 2 ? Uint16Array : Uint8Array);
        expect(bytesOf(f).equals(ref[n - 1 - k])).toBe(true);
      });
      let i = 0;
      const kept: RawFrame[] = [];
      for await (const f of v.frames()) { kept.push(f); i++; }
      expect(i).toBe(n);
      // read() gives a fresh array per call: frames kept by the caller stay intact
      kept.forEach((f, k) => expect(bytesOf(f).equals(ref[k])).toBe(true));
      kept[0].data.fill(0);
      expect(bytesOf(kept[1]).equals(ref[1])).toBe(true);
      expect(bytesOf(await v.read(0)).equals(ref[0])).toBe(true);
      // decodeAll hands out a reused buffer: copies taken in the callback equal the reference
      const copies: Buffer[] = [];
      const count = await (v as unknown as { decodeAll(cb: (f: RawFrame) => void): Promise<number> })
        .decodeAll((f) => copies.push(Buffer.from(bytesOf(f))));
      expect(count).toBe(n);
      copies.forEach((c, k) => expect(c.equals(ref[k])).toBe(true));
      await v.close();
    });
  }

  it('grey content stored as YUV is mono', async () => {
    const v = await openVideo(files.get('grey-yuv.mkv')!);
    expect(v.info).toMatchObject({ frameCount: 5, colorLayout: 'mono', planes: 1 });
    const ref = reference(files.get('grey-yuv.mkv')!, 'gray', 400 * 300);
    expect(bytesOf(await v.read(4)).equals(ref[4])).toBe(true);
    await v.close();
  });

  it('close() removes the spool, also when only one frame was read', async () => {
    const before = new Set(readdirSync(tmpdir()).filter((f) => f.startsWith('luckygraph-video-')));
    const v = await openVideo(files.get('colour-big.mkv')!);
    await v.read(0);
    await v.close();
    const after = readdirSync(tmpdir()).filter((f) => f.startsWith('luckygraph-video-') && !before.has(f));
    expect(after).toEqual([]);
  });

  it('a missing file is reported naming the file', async () => {
    await expect(openVideo(join(dir, 'nope.mkv'))).rejects.toThrow(/nope\.mkv: file not found/);
  });
});
