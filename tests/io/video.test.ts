import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openVideo } from '../../src/io/video-source.ts';
import { findFfmpeg } from '../../src/io/ffmpeg-locate.ts';

const real = resolve(__dirname, '../../../shared/data/real');
const have = existsSync(real);

describe('video through ffmpeg', () => {
  it('finds an ffmpeg binary and says which', () => {
    const loc = findFfmpeg();
    expect(loc).not.toBeNull();
    expect(['FFMPEG_PATH', 'ffmpeg-static', '@ffmpeg-installer/ffmpeg', 'PATH']).toContain(loc!.via);
  });

  it.skipIf(!have)('decodes the real moon and Jupiter videos with the right frame counts and colour', async () => {
    const cases = [
      ['moon_pss_short_video_101f.avi', 101, 1280, 960, 'mono'],
      ['moon_pss_another_short_video_45f.avi', 45, 1280, 960, 'mono'],
      ['jupiter_planetaryflow_2023-11-30_500f.mp4', 500, 1000, 800, 'RGB'],
    ] as const;
    for (const [file, n, w, h, colour] of cases) {
      const v = await openVideo(join(real, file));
      expect(v.info).toMatchObject({ frameCount: n, width: w, height: h, colorLayout: colour });
      // random access (spooled) equals the sequential pass
      const last = await v.read(n - 1);
      expect(last.data.length).toBe(w * h * (colour === 'RGB' ? 3 : 1));
      let count = 0;
      let tenth: Uint8Array | Uint16Array | Float32Array | null = null;
      for await (const f of v.frames()) { if (count === 10) tenth = f.data; count++; }
      expect(count).toBe(n);
      const again = await v.read(10);
      expect(Buffer.from(again.data.buffer, again.data.byteOffset, again.data.byteLength).equals(Buffer.from(tenth!.buffer, tenth!.byteOffset, tenth!.byteLength))).toBe(true);
      // reading into a lent buffer gives the same bytes, in that buffer
      const lent = new ArrayBuffer(again.data.byteLength);
      const into = await v.read(10, new Uint8Array(lent));
      expect(into.data.buffer).toBe(lent);
      expect(Buffer.from(lent).equals(Buffer.from(tenth!.buffer, tenth!.byteOffset, tenth!.byteLength))).toBe(true);
      await v.close();
    }
  });

  it('reports an unreadable video naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-vid-'));
    const p = join(dir, 'broken.avi');
    writeFileSync(p, Buffer.from('RIFF this is not really an AVI file at all'.repeat(20)));
    await expect(openVideo(p)).rejects.toThrow(/broken\.avi: unreadable video/);
    const e = join(dir, 'empty.mp4');
    writeFileSync(e, '');
    await expect(openVideo(e)).rejects.toThrow(/empty\.mp4: empty file/);
  });
});
