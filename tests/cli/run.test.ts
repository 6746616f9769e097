import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runPreset } from '../helpers/run-preset.ts';

const root = resolve(__dirname, '../..');
const sample = join(root, 'samples/moon-small/frames.ser');
const cli = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin/luckygraph.js'), ...args], { encoding: 'utf8', cwd: root });

describe('luckygraph run', () => {
  it('every buffering level gives a bit-identical stack', async () => {
    const images: Float32Array[] = [];
    for (const level of [0, 1, 2, 3, 4] as const) {
      const { image, report } = await runPreset('default.yaml', sample, { buffering: level });
      expect(report.level).toBe(level);
      images.push(image!.data);
    }
    for (const d of images.slice(1)) expect(Buffer.from(d.buffer).equals(Buffer.from(images[0].buffer))).toBe(true);
  });

  it('runs a batch: a failed job is reported, the others go on, the exit code is non-zero', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-batch-'));
    const r = cli('run', 'presets/default.yaml', '--input', join(dir, 'missing.ser'), '--input', sample, '--out', dir + '/', '--json');
    expect(r.status).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.ok).toBe(false);
    expect(j.jobs).toHaveLength(2);
    expect(j.jobs[0]).toMatchObject({ ok: false });
    expect(j.jobs[0].error).toMatch(/missing\.ser/);
    expect(j.jobs[1]).toMatchObject({ ok: true });
    expect(existsSync(join(dir, 'frames_lucky.png'))).toBe(true);
    expect(r.stderr).toMatch(/batch: 1 of 2 jobs succeeded/);
    expect(j.peakRssBytes).toBeGreaterThan(10 * 2 ** 20);
  });

  it('refuses an out-of-range --set and an unknown node, naming them', () => {
    const a = cli('run', 'presets/default.yaml', '--input', sample, '--set', 'apgrid.boxWidth=400');
    expect(a.status).toBe(1);
    expect(a.stderr).toMatch(/node 'apgrid' param 'boxWidth'.*20\.\.140.*400/);
    const b = cli('run', 'presets/default.yaml', '--input', sample, '--set', 'nosuch.x=1');
    expect(b.status).toBe(1);
    expect(b.stderr).toMatch(/no node 'nosuch'/);
  });

  it('refuses an AP box larger than the image before long work, naming the node and parameter', () => {
    const r = cli('run', 'presets/default.yaml', '--input', sample, '--set', 'apgrid.boxWidth=140', '--set', 'source.roi=[0,200,0,200]');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/node 'apgrid' \(APGrid\): APGrid.boxWidth: 140 px boxes/);
    expect(r.stderr).not.toMatch(/rank \(Rank\): done/);
  });

  it('lists the node catalogue', () => {
    const r = cli('nodes', '--json');
    expect(r.status).toBe(0);
    const cat = JSON.parse(r.stdout);
    const types = cat.nodes.map((n: { type: string }) => n.type).sort();
    expect(types).toEqual(['APGrid', 'Align', 'Blend', 'LocalRank', 'Mean', 'PatchSelect', 'Rank', 'Save', 'Sharpen', 'Shift', 'Source', 'Stack']);
    const ap = cat.nodes.find((n: { type: string }) => n.type === 'APGrid');
    expect(ap.params.boxWidth).toMatchObject({ kind: 'int', default: 48, min: 20, max: 140 });
  });
});
