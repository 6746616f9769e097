#!/usr/bin/env node
// Bundles the CLI (src/cli/main.ts) with esbuild into dist/cli/main.mjs (+ .map), so that
// bin/luckygraph.js can start without tsx's loader. Run by `npm run build:cli` and by `prepare`
// (so `npm ci` builds it). npm packages stay external (resolved from node_modules at run time), except
// the few in BUNDLED_PACKAGES.
//
// bin/luckygraph.js uses the bundle only while it is fresh (bin/bundle-fresh.js: nothing under
// src/ is newer than it); otherwise it runs src/ through tsx as before. A missing or stale bundle
// is never an error, so if esbuild is not installed this script warns and exits 0 (--strict: 1);
// a failed build (e.g. an unresolvable import under src/) exits 1, which fails `npm ci` as a failed
// build-wasm does.
//
// import.meta.url in the bundled sources: a bundle has one import.meta.url (its own), but some
// modules locate files next to themselves (src/image/wasm/node.ts → kernels.wasm,
// src/image/workers/pool.ts → kernel-worker.mjs, src/editor/server/ui-build.ts → package root,
// src/io/ffmpeg-locate.ts → createRequire). The plugin below rewrites `import.meta.url` (and
// `.filename` / `.dirname`) in every bundled source file into the URL of that original source file,
// computed relative to the bundle at run time — `new URL('../../src/image/wasm/node.ts',
// import.meta.url).href` — so the files are found where they are in the checkout (which may move).
import { fileURLToPath } from 'node:url';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { mkdirSync, readFileSync, realpathSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { cliBundleInputs, newestInputTime } from '../bin/bundle-fresh.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_ENTRY = resolve(root, 'src/cli/main.ts');
export const CLI_BUNDLE = resolve(root, 'dist/cli/main.mjs');
/**
 * A second, small bundle of src/io/video-source.ts alone: bin/luckygraph.js loads it before the CLI
 * bundle to start decoding a video input while the program loads (`prelaunchVideo`). Built and
 * stamped together with the CLI bundle; bin/luckygraph.js uses it only when the two stamps agree.
 */
export const PRELAUNCH_ENTRY = resolve(root, 'src/io/video-source.ts');
export const PRELAUNCH_NAME = 'video-prelaunch';

const SOURCE_RE = /\.(?:[mc]?ts|tsx|[mc]?js|jsx)$/;
const LOADERS = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx' };
const META_RE = /\bimport\.meta\.(url|filename|dirname)\b/g;
const OTHER_META_RE = /\bimport\.meta\b(?!\.(?:url|filename|dirname)\b)/;

/**
 * esbuild plugin: in files under `srcDir`, replaces import.meta.url / .filename / .dirname by the
 * values they have when the file runs unbundled, expressed relative to the bundle's own URL.
 */
export function sourceLocationPlugin({ srcDir, outDir }) {
  return {
    name: 'luckygraph-source-location',
    setup(build) {
      build.onLoad({ filter: SOURCE_RE }, (args) => {
        if (args.namespace !== 'file' || !args.path.startsWith(srcDir + sep)) return undefined;
        const text = readFileSync(args.path, 'utf8');
        const loader = LOADERS[extname(args.path)] ?? 'default';
        if (!text.includes('import.meta')) return { contents: text, loader };
        // Anything else (import.meta.resolve, bare import.meta) would see the bundle's location.
        const warnings = OTHER_META_RE.test(text)
          ? [{ text: `${relative(srcDir, args.path)}: import.meta other than .url/.filename/.dirname is not rewritten and refers to the bundle (scripts/build-cli.mjs)` }]
          : [];
        // Relative URL from the bundle's directory to this source file (always '/'-separated).
        const rel = relative(outDir, args.path).split(sep).join('/');
        const url = `new URL(${JSON.stringify(rel)}, import.meta.url)`;
        let needPath = false;
        const contents = text.replace(META_RE, (_m, prop) => {
          if (prop === 'url') return `${url}.href`;
          needPath = true;
          return prop === 'filename'
            ? `__lgFileURLToPath(${url})`
            : `__lgDirname(__lgFileURLToPath(${url}))`;
        });
        // Import declarations are hoisted, so appending keeps the line numbers (source map) intact.
        const tail = needPath
          ? "\nimport { fileURLToPath as __lgFileURLToPath } from 'node:url';\nimport { dirname as __lgDirname } from 'node:path';\n"
          : '';
        return { contents: contents + tail, loader, warnings };
      });
    },
  };
}

/**
 * Packages bundled into the CLI bundle instead of being loaded from node_modules at run time: the
 * ones every `run` loads, made of many small files (loading yaml, immer and fast-png file by file
 * took ~80 ms of a ~115 ms start), with their own dependencies. Their files are inputs of the bundle
 * (the package lock marks the bundle stale when they change, see bin/bundle-fresh.js).
 */
export const BUNDLED_PACKAGES = ['yaml', 'immer', 'fast-png'];

/** Every other package of package.json stays external (also its subpaths). */
function externalPackages() {
  const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
  const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies })
    .filter((n) => !BUNDLED_PACKAGES.includes(n));
  return names.flatMap((n) => [n, `${n}/*`]);
}

/**
 * Builds the bundle. `outfile` defaults to dist/cli/main.mjs; it must lie inside the package (so
 * that the external packages resolve from its node_modules). The source map is written first and
 * the bundle is renamed into place (a concurrent start never sees half a file).
 *
 * Freshness stamp (see bin/bundle-fresh.js): the bundle's mtime is set to the newest change time
 * (mtime or ctime) among its inputs as scanned before bundling; if an input changes while esbuild runs (the rescan finds a
 * newer one) the build is repeated. It is stamped as stale (mtime 0: bin/luckygraph.js then never
 * uses it) when the inputs keep changing, when an input has an mtime in the future, or when the
 * bundle includes a file outside src/ (the freshness check would not see it change).
 * Returns { outfile, ms, bytes, fresh, note }.
 */
export async function buildCli({ outfile = CLI_BUNDLE, logLevel = 'warning' } = {}) {
  const esbuild = await import('esbuild');
  const t0 = Date.now();
  const outDir = dirname(outfile);
  const { srcDir, extraFiles } = cliBundleInputs(root);
  mkdirSync(outDir, { recursive: true });
  let result;
  let stamp = null;
  let note = '';
  for (let attempt = 0; attempt < 3 && stamp === null; attempt++) {
    const before = newestInputTime(srcDir, extraFiles);
    result = await esbuild.build({
      write: false,
      metafile: true,
      entryPoints: { [basename(outfile, '.mjs')]: CLI_ENTRY, [PRELAUNCH_NAME]: PRELAUNCH_ENTRY },
      outdir: outDir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: externalPackages(),
      // the bundled CommonJS packages (yaml) require Node's built-in modules: give them a require
      banner: { js: "import { createRequire as __lgCreateRequire } from 'node:module';\nconst require = __lgCreateRequire(import.meta.url);" },
      sourcemap: true,
      legalComments: 'none',
      absWorkingDir: root,
      tsconfig: resolve(root, 'tsconfig.json'),
      logLevel,
      plugins: [sourceLocationPlugin({ srcDir: resolve(root, 'src'), outDir })],
    });
    if (newestInputTime(srcDir, extraFiles) === before) stamp = before;
  }
  if (stamp === null) {
    stamp = 0;
    note = 'src/ kept changing during the build';
  } else if (stamp > Date.now() + 2000) {
    stamp = 0;
    note = 'a file under src/ (or tsconfig.json, package.json) has a modification or change time in the future';
  } else {
    const srcAbs = resolve(root, 'src') + sep;
    // the bundled packages (tracked by package-lock.json), also when node_modules is a symbolic link
    const modules = [resolve(root, 'node_modules') + sep, realpathSync(resolve(root, 'node_modules')) + sep];
    const outside = Object.keys(result.metafile.inputs)
      .filter((f) => !resolve(root, f).startsWith(srcAbs) && !modules.some((m) => resolve(root, f).startsWith(m)));
    if (outside.length) {
      stamp = 0;
      note = `the bundle includes files outside src/, which the freshness check does not watch: ${outside.join(', ')}`;
    }
  }
  const files = new Map(result.outputFiles.map((f) => [f.path, f.contents]));
  const code = files.get(outfile);
  const prelaunch = join(outDir, `${PRELAUNCH_NAME}.mjs`);
  if (!code || !files.get(prelaunch)) throw new Error(`esbuild did not produce ${outfile} and ${prelaunch}`);
  for (const [path, contents] of files) if (path !== outfile && path !== prelaunch) writeFileSync(path, contents);
  // Whole milliseconds, rounded up plus one (utimes goes through floating-point seconds): the
  // stamp must not come out below the newest input's time.
  const when = new Date(stamp > 0 ? Math.ceil(stamp) + 1 : 0);
  for (const file of [prelaunch, outfile]) { // the CLI bundle last: it is what makes the pair fresh
    const tmp = join(outDir, `.${basename(file)}.${process.pid}.tmp`);
    writeFileSync(tmp, files.get(file));
    utimesSync(tmp, when, when);
    renameSync(tmp, file);
  }
  return { outfile, ms: Date.now() - t0, bytes: code.length, fresh: stamp > 0, note };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const strict = process.argv.includes('--strict');
  try {
    await import('esbuild');
  } catch (e) {
    const msg = `build-cli: esbuild is not installed (${e?.code ?? e}); skipping — bin/luckygraph.js will run src/ through tsx`;
    if (strict) { console.error(msg); process.exit(1); }
    console.warn(msg);
    process.exit(0);
  }
  try {
    const { outfile, ms, bytes, fresh, note } = await buildCli();
    console.log(`build-cli: ${relative(root, outfile)} (${bytes} bytes, ${ms} ms)`);
    if (!fresh) console.warn(`build-cli: warning: ${note}; the bundle is marked stale and bin/luckygraph.js will use tsx`);
  } catch (e) {
    console.error(`build-cli: bundling failed: ${e?.message ?? e}`);
    process.exit(1);
  }
}
