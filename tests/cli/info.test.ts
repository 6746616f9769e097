import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeSer } from '../../src/io/ser.ts';

const root = resolve(__dirname, '../..');
const shared = resolve(root, '../shared/data');
const cli = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin/luckygraph.js'), ...args], { encoding: 'utf8', cwd: root });

describe('luckygraph info', () => {
  it.skipIf(!existsSync(shared))('reports the real AVI and the synthetic SER as JSON', () => {
    const r = cli('info', join(shared, 'real/moon_pss_short_video_101f.avi'), '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ frames: 101, width: 1280, height: 960, bitDepth: 8, colour: 'mono', format: 'video' });
    const s = cli('info', join(shared, 'synthetic/moon-512/frames.ser'), '--json');
    expect(s.status).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({ frames: 120, width: 512, height: 384, bitDepth: 16, colour: 'mono', format: 'ser', truncated: false });
  });

  it.skipIf(!existsSync(shared))('reports the JPEG burst folder', () => {
    const r = cli('info', join(shared, 'real/moon_fullmoon_burst_finepix_2023-10-29'), '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ frames: 9, width: 4608, height: 3456, colour: 'RGB', format: 'image-folder' });
  });

  it('prints SER header strings and the timestamp span', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-info-'));
    const p = join(dir, 'cap.ser');
    const t0 = Date.UTC(2025, 5, 1, 22, 0, 0);
    writeFileSync(p, encodeSer({ width: 8, height: 8, colorLayout: 'RGGB', bitDepth: 12, observer: 'Obs', instrument: 'ASI462MC', telescope: 'fps=100gain=300', startMs: t0, timestamps: [t0, t0 + 10, t0 + 2500] }, [new Uint16Array(64), new Uint16Array(64), new Uint16Array(64)]));
    const r = cli('info', p);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/frames\s+3/);
    expect(r.stdout).toMatch(/colour\s+Bayer RGGB/);
    expect(r.stdout).toMatch(/instrument ASI462MC/);
    expect(r.stdout).toMatch(/\(2\.500 s\)/);
  });

  it('exits non-zero with one line naming the file and the problem for every kind of bad input', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-bad-'));
    const good = encodeSer({ width: 4, height: 4, colorLayout: 'mono', bitDepth: 8 }, [new Uint8Array(16), new Uint8Array(16)]);
    const files: Record<string, Buffer | string> = {
      'empty.ser': '',
      'magic.ser': Buffer.concat([Buffer.from('WRONG-MAGIC!!!'), good.subarray(14)]),
      'trunc.ser': good.subarray(0, 178 + 16 + 3),
      'nofit.ser': (() => { const b = Buffer.from(good); b.writeInt32LE(5000, 30); return b; })(),
      'video.avi': Buffer.from('garbage'.repeat(100)),
    };
    for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
    const folderBad = join(dir, 'folder-nonimage'); mkdirSync(folderBad);
    writeFileSync(join(folderBad, 'a.png'), 'this is not a png');
    const folderMixed = join(dir, 'folder-mixed'); mkdirSync(folderMixed);
    const truth = join(shared, 'synthetic/moon-512/truth.png');
    const expectations: [string, RegExp, number][] = [
      [join(dir, 'empty.ser'), /empty\.ser: empty file/, 1],
      [join(dir, 'magic.ser'), /magic\.ser: not a SER file/, 1],
      [join(dir, 'nofit.ser'), /nofit\.ser: header sizes do not fit the file/, 1],
      [join(dir, 'video.avi'), /video\.avi: unreadable video/, 1],
      [folderBad, /a\.png/, 1],
      [join(dir, 'does-not-exist.ser'), /does-not-exist\.ser: no such file or folder/, 1],
    ];
    if (existsSync(truth)) {
      copyFileSync(truth, join(folderMixed, 'f1.png'));
      const small = encodeSer({ width: 4, height: 4, colorLayout: 'mono', bitDepth: 8 }, [new Uint8Array(16)]);
      void small;
      expectations.push([folderMixed, /f2\.png/, 1]);
    }
    for (const [path, re, code] of expectations) {
      if (path === folderMixed) {
        // a second PNG of another size
        const png = spawnSync(process.execPath, ['-e', `import('fast-png').then(m=>require('fs').writeFileSync(${JSON.stringify(join(folderMixed, 'f2.png'))}, m.encode({width:10,height:10,data:new Uint16Array(100),depth:16,channels:1})))`], { cwd: root });
        expect(png.status).toBe(0);
      }
      const r = cli('info', path);
      expect(r.status, `${path}: ${r.stderr}`).toBe(code);
      const lines = r.stderr.trim().split('\n');
      expect(lines.length, r.stderr).toBe(1);
      expect(lines[0]).toMatch(re);
    }
    // truncated: usable, with a warning in info
    const t = cli('info', join(dir, 'trunc.ser'), '--json');
    expect(t.status).toBe(0);
    expect(JSON.parse(t.stdout)).toMatchObject({ frames: 1, truncated: true });
  });
});
