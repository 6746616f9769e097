/**
 * The decoder failing part-way (simulated: an ffmpeg wrapper whose full decode stops after 7 frames and
 * exits with an error): every read then reports the failure naming the file — also reads that start
 * after the failure, which must not wait forever — and close() still cleans up.
 */
import { describe, it, expect, vi, afterAll } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findFfmpeg } from '../../src/io/ffmpeg-locate.ts';

const video = resolve(__dirname, '../../../shared/data/real/moon_pss_another_short_video_45f.avi');
const saved = process.env.FFMPEG_PATH;
afterAll(() => {
  if (saved === undefined) delete process.env.FFMPEG_PATH;
  else process.env.FFMPEG_PATH = saved;
});

describe.skipIf(process.platform === 'win32' || !existsSync(video))('video decoder failing part-way', () => {
  it('fails every read with the ffmpeg error, including reads after the failure', async () => {
    const real = findFfmpeg()!.path;
    const dir = mkdtempSync(join(tmpdir(), 'lg-vidfail-'));
    const fake = join(dir, 'ffmpeg');
    // open's probe and first-frame decode run normally; the full decode (-loglevel error) stops early
    writeFileSync(fake, `#!/bin/bash
if [[ " $* " == *" -loglevel error "* ]]; then
  args=("$@"); unset 'args[\${#args[@]}-1]'
  "${real}" "\${args[@]}" -frames:v 7 pipe:1; echo "boom: simulated decoder failure" >&2; exit 1
fi
exec "${real}" "$@"
`);
    chmodSync(fake, 0o755);
    process.env.FFMPEG_PATH = fake;
    vi.resetModules();
    const { openVideo } = await import('../../src/io/video-source.ts');
    const v = await openVideo(video);
    expect(v.info.frameCount).toBe(45);
    await expect(v.read(20)).rejects.toThrow(/45f\.avi: ffmpeg failed after 7 frames: boom: simulated decoder failure/);
    // the decoder has already failed: these must not hang
    await expect(v.read(30)).rejects.toThrow(/ffmpeg failed after 7 frames/);
    await expect(v.read(2)).rejects.toThrow(/ffmpeg failed after 7 frames/);
    const decodeAll = (v as unknown as { decodeAll(): Promise<number> }).decodeAll();
    await expect(decodeAll).rejects.toThrow(/ffmpeg failed after 7 frames/);
    await v.close();
  }, 30_000);
});
