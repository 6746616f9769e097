/**
 * The esbuild bundle of the CLI (scripts/build-cli.mjs) and how bin/luckygraph.js chooses between it
 * and tsx (bin/bundle-fresh.js). The bundle under test is built into its own temporary folder inside
 * dist/ (inside the package, so that its external imports resolve from node_modules), so this file
 * neither reads nor writes dist/cli/main.mjs and does not race with other tests.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { decode } from 'fast-png';
import { buildCli } from '../../scripts/build-cli.mjs';
import { bundleFresh, newestInputTime } from '../../bin/bundle-fresh.js';

const root = resolve(__dirname, '../..');
const sample = join(root, 'samples/moon-small/frames.ser');

let dir = '';
let bundle = '';
let built = { fresh: false, note: '', newestBefore: 0, newestAfter: 0 };
const inputs = () => [join(root, 'tsconfig.json'), join(root, 'package.json'), join(root, 'scripts/build-cli.mjs')];

/** Runs the CLI from the test bundle (through a two-line runner next to it). */
const viaBundle = (...args: string[]) =>
  spawnSync(process.execPath, [join(dir, 'run.mjs'), ...args], { encoding: 'utf8', cwd: root });
/** Runs the CLI from src/ through tsx (bin/luckygraph.js, the bundle switched off). */
const viaTsx = (...args: string[]) =>
  spawnSync(process.execPath, [join(root, 'bin/luckygraph.js'), ...args], { encoding: 'utf8', cwd: root, env: { ...process.env, LUCKYGRAPH_START: 'tsx' } });

beforeAll(async () => {
  mkdirSync(join(root, 'dist'), { recursive: true });
  dir = mkdtempSync(join(root, 'dist', '.bundle-test-'));
  const newestBefore = newestInputTime(join(root, 'src'), inputs());
  const r = await buildCli({ outfile: join(dir, 'cli', 'main.mjs'), logLevel: 'error' });
  const newestAfter = newestInputTime(join(root, 'src'), inputs());
  bundle = r.outfile;
  built = { fresh: r.fresh, note: r.note, newestBefore, newestAfter };
  writeFileSync(join(dir, 'run.mjs'), "import { main } from './cli/main.mjs';\nprocess.exitCode = await main(process.argv.slice(2));\n");
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('CLI bundle', () => {
  it('is ESM with a source map, holds yaml, immer and fast-png and keeps the other npm packages external', () => {
    const code = readFileSync(bundle, 'utf8');
    expect(existsSync(bundle + '.map')).toBe(true);
    expect(code).toMatch(/\/\/# sourceMappingURL=main\.mjs\.map\s*$/);
    expect(code).not.toMatch(/^import .* from "(yaml|immer|fast-png)";$/m);
    for (const p of ['yaml', 'immer', 'fast-png']) expect(code).toContain(`// node_modules/${p}/`);
    const bundled = new Set([...code.matchAll(/^\/\/ node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)].map((m) => m[1]));
    for (const p of ['gpu.js', 'rete', 'react', 'geotiff', 'jpeg-js', 'sharp', '@ffmpeg-installer/ffmpeg']) expect(bundled.has(p), p).toBe(false);
  });

  it('resolves every import.meta.url to the original source file', () => {
    const code = readFileSync(bundle, 'utf8');
    // (the banner's createRequire(import.meta.url) is the bundle's own)
    const all = code.replace(/^const require = __lgCreateRequire\(import\.meta\.url\);$/m, '').match(/import\.meta\.url/g) ?? [];
    const rewritten = [...code.matchAll(/new URL\("([^"]+)", import\.meta\.url\)/g)].map((m) => m[1]);
    expect(all.length).toBeGreaterThan(0);
    expect(rewritten).toHaveLength(all.length); // no bare import.meta.url is left
    for (const rel of rewritten) {
      const file = resolve(dirname(bundle), rel);
      expect(file.startsWith(join(root, 'src') + '/'), rel).toBe(true);
      expect(existsSync(file), rel).toBe(true);
    }
    // The files located this way (kernels.wasm, the package root) are found from the bundle.
    expect(rewritten).toContain('../../../src/image/wasm/node.ts');
    expect(rewritten).toContain('../../../src/editor/server/ui-build.ts');
  });

  it('lists the node catalogue exactly as the tsx path does', () => {
    const b = viaBundle('nodes', '--json');
    expect(b.status, b.stderr).toBe(0);
    const t = viaTsx('nodes', '--json');
    expect(t.status, t.stderr).toBe(0);
    expect(JSON.parse(b.stdout)).toEqual(JSON.parse(t.stdout));
  });

  it('validates a preset and reads a capture', () => {
    const v = viaBundle('validate', 'presets/default.yaml');
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/ok \(\d+ nodes\)/);
    const i = viaBundle('info', sample, '--json');
    expect(i.status, i.stderr).toBe(0);
    expect(JSON.parse(i.stdout)).toMatchObject({ frames: 60, width: 320, height: 240, format: 'ser' });
  });

  it('serves the editor API with the presets found from the package root', async () => {
    const child = spawn(process.execPath, [join(dir, 'run.mjs'), 'serve', '--port', '0', '--no-build'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((ok, fail) => {
        let text = '';
        const timer = setTimeout(() => fail(new Error(`no URL printed: ${text}`)), 60_000);
        child.stdout.on('data', (b: Buffer) => {
          text += b;
          const m = /(http:\/\/\S+)/.exec(text);
          if (m) { clearTimeout(timer); ok(m[1]); }
        });
        child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`serve exited with ${code}: ${text}`)); });
      });
      const u = new URL(url);
      const res = await fetch(new URL('/api/presets', u), { headers: { 'x-luckygraph-token': u.searchParams.get('token') ?? '' } });
      expect(res.status).toBe(200);
      const presets = (await res.json()) as { file: string; path: string }[];
      expect(presets.find((p) => p.file === 'default.yaml')?.path).toBe(join(root, 'presets', 'default.yaml'));
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('stacks the sample to the same pixels as the tsx path, with the WebAssembly kernels', () => {
    const out = mkdtempSync(join(tmpdir(), 'lg-bundle-run-'));
    try {
      const results = [];
      for (const [name, run] of [['bundle', viaBundle], ['tsx', viaTsx]] as const) {
        const png = join(out, name, 'moon.png');
        const r = run('run', 'presets/default.yaml', '--input', sample, '--out', png, '--json');
        expect(r.status, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout).ok).toBe(true);
        expect(r.stderr).not.toMatch(/WebAssembly kernels unavailable/);
        results.push(decode(readFileSync(png)));
      }
      const [a, b] = results;
      expect([a.width, a.height, a.channels, a.depth]).toEqual([b.width, b.height, b.channels, b.depth]);
      expect(a.width).toBeGreaterThan(100);
      expect(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength)
        .equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength))).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('bundle freshness', () => {
  // Change times (ctime) cannot be set back, so these fixtures order events in real time: `stamp`
  // gives the bundle the current time as mtime (as a build just finishing would), `later` waits long
  // enough for the next change to come after it on the file system's (coarse) clock.
  const later = () => new Promise((r) => setTimeout(r, 40));
  const stamp = (d: string) => { const t = Date.now() / 1000; utimesSync(join(d, 'dist/cli/main.mjs'), t, t); };
  /** Sets the mtime of `p` (relative to d) `s` seconds from now (its ctime becomes now). */
  const setMtime = (d: string, p: string, s: number) => { const t = Date.now() / 1000 + s; utimesSync(join(d, p), t, t); };

  /** A package-like folder: src/ with nested sources, a bundle, a build input outside src/. */
  async function fixture() {
    const d = mkdtempSync(join(tmpdir(), 'lg-fresh-'));
    mkdirSync(join(d, 'src/cli'), { recursive: true });
    mkdirSync(join(d, 'src/image/wasm'), { recursive: true });
    mkdirSync(join(d, 'dist/cli'), { recursive: true });
    writeFileSync(join(d, 'src/cli/main.ts'), 'export {};\n');
    writeFileSync(join(d, 'src/image/wasm/node.ts'), 'export {};\n');
    writeFileSync(join(d, 'src/image/wasm/kernels.wasm'), '');
    writeFileSync(join(d, 'tsconfig.json'), '{}\n');
    writeFileSync(join(d, 'dist/cli/main.mjs'), 'export {};\n');
    await later();
    stamp(d);
    return d;
  }
  const fresh = (d: string) => bundleFresh(join(d, 'dist/cli/main.mjs'), join(d, 'src'), [join(d, 'tsconfig.json'), join(d, 'package.json')]);

  it('is fresh when nothing changed after the bundle, stale when a nested source file did', async () => {
    const d = await fixture();
    expect(fresh(d)).toBe(true);
    expect(newestInputTime(join(d, 'src'), [join(d, 'tsconfig.json')])).toBeLessThanOrEqual(statSync(join(d, 'dist/cli/main.mjs')).mtimeMs);
    await later();
    writeFileSync(join(d, 'src/image/wasm/node.ts'), 'export const x = 1;\n');
    expect(fresh(d)).toBe(false);
    await later();
    stamp(d); // rebuilt
    expect(fresh(d)).toBe(true);
    setMtime(d, 'src/cli/main.ts', 60); // an mtime after the bundle's
    expect(fresh(d)).toBe(false);
    rmSync(d, { recursive: true });
  });

  it('is stale after a file is added or removed, a build input changes, or a file is put back with an old mtime', async () => {
    const d = await fixture();
    setMtime(d, 'src/image/wasm/kernels.wasm', 60); // not a source file
    expect(fresh(d)).toBe(true);
    await later();
    rmSync(join(d, 'src/image/wasm/node.ts')); // removal: the directory changes
    expect(fresh(d)).toBe(false);
    await later();
    stamp(d);
    expect(fresh(d)).toBe(true);
    await later();
    writeFileSync(join(d, 'tsconfig.json'), '{ "compilerOptions": {} }\n');
    expect(fresh(d)).toBe(false);
    await later();
    stamp(d);
    await later();
    setMtime(d, 'src/cli/main.ts', -3600); // like cp -p / tar: an old mtime, but a new ctime
    expect(fresh(d)).toBe(false);
    await later();
    stamp(d);
    await later();
    mkdirSync(join(d, 'src/new'));
    expect(fresh(d)).toBe(false);
    rmSync(d, { recursive: true });
  });

  it('is stale when the bundle or src/ is missing', async () => {
    const d = await fixture();
    rmSync(join(d, 'dist/cli/main.mjs'));
    expect(fresh(d)).toBe(false);
    const e = await fixture();
    rmSync(join(e, 'src'), { recursive: true });
    expect(fresh(e)).toBe(false);
    rmSync(d, { recursive: true });
    rmSync(e, { recursive: true });
  });

  it('bin/luckygraph.js runs the bundle only while it is fresh, tsx otherwise', async () => {
    // A stand-in package: the real bin/ files, a src/cli/main.ts and a dist/cli/main.mjs that say
    // which one ran, node_modules linked to this package's (for tsx).
    const d = mkdtempSync(join(tmpdir(), 'lg-bin-'));
    try {
      mkdirSync(join(d, 'bin'));
      for (const f of ['luckygraph.js', 'bundle-fresh.js']) copyFileSync(join(root, 'bin', f), join(d, 'bin', f));
      symlinkSync(join(root, 'node_modules'), join(d, 'node_modules'), 'dir');
      writeFileSync(join(d, 'package.json'), '{ "type": "module" }\n');
      mkdirSync(join(d, 'src/cli'), { recursive: true });
      writeFileSync(join(d, 'src/cli/main.ts'), "export async function main(argv: string[]): Promise<number> { process.stdout.write(`tsx ${argv.join(' ')}\\n`); return 0; }\n");
      mkdirSync(join(d, 'dist/cli'), { recursive: true });
      writeFileSync(join(d, 'dist/cli/main.mjs'), "export async function main(argv) { process.stdout.write(`bundle ${argv.join(' ')}\\n`); return 3; }\n");
      const run = (env: Record<string, string> = {}) => spawnSync(process.execPath, [join(d, 'bin/luckygraph.js'), 'x', 'y'], { encoding: 'utf8', env: { ...process.env, ...env } });
      await later();
      stamp(d);
      const a = run({ LUCKYGRAPH_DEBUG_START: '1' });
      expect(a.stdout).toBe('bundle x y\n');
      expect(a.status).toBe(3);
      expect(a.stderr).toMatch(/start via bundle/);
      expect(run({ LUCKYGRAPH_START: 'tsx' }).stdout).toBe('tsx x y\n');
      await later();
      writeFileSync(join(d, 'src/cli/main.ts'), readFileSync(join(d, 'src/cli/main.ts'), 'utf8') + '// edited\n');
      const b = run({ LUCKYGRAPH_DEBUG_START: '1' });
      expect(b.stdout).toBe('tsx x y\n');
      expect(b.status).toBe(0);
      expect(b.stderr).toMatch(/start via tsx \(bundle missing or older than src\/\)/);
      await later();
      stamp(d); // rebuilt
      expect(run().stdout).toBe('bundle x y\n');
      rmSync(join(d, 'dist/cli/main.mjs'));
      expect(run().stdout).toBe('tsx x y\n');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('the build stamps the bundle with the newest input time, so it is fresh right after building', () => {
    expect(built.fresh, built.note).toBe(true);
    const stampMs = statSync(bundle).mtimeMs;
    // The newest input as the build saw it (others may edit src/ meanwhile: then it rebuilt).
    expect(stampMs).toBeGreaterThanOrEqual(built.newestBefore);
    expect(stampMs).toBeLessThanOrEqual(Math.ceil(built.newestAfter) + 1.001);
    const newestNow = newestInputTime(join(root, 'src'), inputs());
    expect(bundleFresh(bundle, join(root, 'src'), inputs())).toBe(newestNow <= stampMs);
  });
});
