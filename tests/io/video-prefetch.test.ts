/**
 * Video prefetch: with `prefetch` the decode into the spool starts while the probes run (a guess of
 * 8-bit mono, discarded when wrong); the Source node keeps the input it opened for the memory forecast
 * for its run, and `endRun` stops a decode nobody used. Frames are the same bytes either way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { openVideo, prelaunchVideo } from '../../src/io/video-source.ts';
import { sourceNode } from '../../src/nodes/source.ts';
import { resolveParams } from '../../src/graph/params.ts';

const real = resolve(__dirname, '../../../shared/data/real');
const have = existsSync(real);
const mono = join(real, 'moon_pss_another_short_video_45f.avi');
const colour = join(real, 'jupiter_planetaryflow_2023-11-30_500f.mp4');
let spoolBase = '';
const saved = process.env.LUCKYGRAPH_SPOOL_DIR;

beforeAll(() => {
  spoolBase = mkdtempSync(join(tmpdir(), 'luckygraph-prefetch-'));
  process.env.LUCKYGRAPH_SPOOL_DIR = spoolBase;
});
afterAll(() => {
  if (saved === undefined) delete process.env.LUCKYGRAPH_SPOOL_DIR; else process.env.LUCKYGRAPH_SPOOL_DIR = saved;
  rmSync(spoolBase, { recursive: true, force: true });
});

const spools = () => readdirSync(spoolBase).filter((d) => d.startsWith('luckygraph-video-'));
const spooledBytes = () => spools().reduce((s, d) => { try { return s + statSync(join(spoolBase, d, 'frames.raw')).size; } catch { return s; } }, 0);
const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

async function until(cond: () => boolean, ms = 10000): Promise<boolean> {
  const t = Date.now();
  while (Date.now() - t < ms) { if (cond()) return true; await new Promise((r) => setTimeout(r, 10)); }
  return cond();
}

describe.skipIf(!have)('video prefetch', () => {
  it('mono: decoding starts at open, before any read, and gives the same frames', async () => {
    const v = await openVideo(mono, { prefetch: true });
    expect(await until(() => spooledBytes() > 1280 * 960)).toBe(true); // frames landed with no read yet
    const plain = await openVideo(mono); // probes cached: no prefetch
    for (const i of [0, 23, 44]) expect(bytes((await v.read(i)).data).equals(bytes((await plain.read(i)).data))).toBe(true);
    await v.close();
    await plain.close();
    expect(spools()).toEqual([]);
  });

  it('colour: the mono guess is discarded at open and the frames are RGB', async () => {
    const v = await openVideo(colour, { prefetch: true });
    expect(v.info.colorLayout).toBe('RGB');
    expect(spools()).toEqual([]); // the speculative gray spool is gone
    const f = await v.read(3);
    expect(f.data.length).toBe(1000 * 800 * 3);
    await v.close();
    expect(spools()).toEqual([]);
  });

  it('Source: the forecast keeps the opened input for the run; endRun stops a decode nobody used', async () => {
    const p = resolveParams(sourceNode as unknown as Parameters<typeof resolveParams>[0], { path: mono }, "source").values as Parameters<typeof sourceNode.run>[2];
    const g = await sourceNode.frameGeometry!(p, { forRun: true });
    expect(g).toMatchObject({ frames: 45, width: 1280, height: 960, channels: 1 });
    expect(await until(() => spools().length === 1)).toBe(true); // decoding for the run already
    await sourceNode.endRun!(p);
    expect(spools()).toEqual([]);
    // without forRun nothing is kept and nothing decodes
    await sourceNode.frameGeometry!(p);
    await new Promise((r) => setTimeout(r, 50));
    expect(spools()).toEqual([]);
  });

  it('prelaunch: decoding starts before the open, which adopts it (one spool, the same frames)', async () => {
    prelaunchVideo(mono);
    expect(await until(() => spooledBytes() > 1280 * 960)).toBe(true); // no open yet
    const v = await openVideo(mono, { prefetch: true });
    expect(spools()).toHaveLength(1);
    const plain = await openVideo(mono);
    for (const i of [0, 31, 44]) expect(bytes((await v.read(i)).data).equals(bytes((await plain.read(i)).data))).toBe(true);
    await v.close();
    await plain.close();
    expect(spools()).toEqual([]);
  });

  it('prelaunch: an unreadable file is reported by the open, naming it; other inputs are left alone', async () => {
    const bad = join(spoolBase, 'broken.avi');
    writeFileSync(bad, Buffer.alloc(4096, 7));
    prelaunchVideo(bad);
    prelaunchVideo(join(spoolBase, 'missing.avi'));
    prelaunchVideo(join(real, '../synthetic/moon-512/frames.ser')); // not a video: nothing starts
    await expect(openVideo(bad)).rejects.toThrow(/broken\.avi.*unreadable video/);
    await expect(openVideo(join(spoolBase, 'missing.avi'))).rejects.toThrow(/missing\.avi.*not found/);
    expect(await until(() => spools().length === 0)).toBe(true);
  });

  it('prelaunch: an open nobody adopts is stopped and removed at exit', () => {
    const code = `import { prelaunchVideo } from ${JSON.stringify(resolve(__dirname, '../../src/io/video-source.ts'))};
      import { readdirSync } from 'node:fs';
      prelaunchVideo(${JSON.stringify(mono)});
      setTimeout(() => { console.log('spooling', readdirSync(${JSON.stringify(spoolBase)}).filter((d) => d.startsWith('luckygraph-video-')).length); process.exit(0); }, 150);`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      env: { ...process.env, LUCKYGRAPH_SPOOL_DIR: spoolBase }, encoding: 'utf8', timeout: 20000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/spooling 1/);
    expect(spools()).toEqual([]);
  });
});
