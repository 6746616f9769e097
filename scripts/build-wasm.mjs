#!/usr/bin/env node
// Compiles the AssemblyScript kernels (assembly/kernels.ts) to src/image/wasm/kernels.wasm.
// Run by `npm run build:wasm` and by `prepare` (so `npm ci` builds the module from source).
// If AssemblyScript is not installed (e.g. a production install without devDependencies) it
// prints a warning and exits 0: the runtime then falls back to the TypeScript kernels.
import { fileURLToPath } from 'node:url';
import { dirname, resolve, relative } from 'node:path';
import { mkdirSync, statSync } from 'node:fs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entry = resolve(root, 'assembly/kernels.ts');
const outFile = resolve(root, 'src/image/wasm/kernels.wasm');
const strict = process.argv.includes('--strict');

/** The compiler flags (stack-feasibility §4: -O3, stub runtime, no asserts, SIMD on). */
export const ASC_FLAGS = [
  '-O3', '--runtime', 'stub', '--noAssert', '--enable', 'simd',
  '--use', 'abort=', // no env.abort import: the module has no imports at all
  '--initialMemory', '1',
];

let asc;
try {
  asc = (await import('assemblyscript/asc')).default;
} catch (e) {
  const msg = `build-wasm: AssemblyScript is not installed (${e?.code ?? e}); skipping — the TypeScript kernels will be used`;
  if (strict) { console.error(msg); process.exit(1); }
  console.warn(msg);
  process.exit(0);
}

/**
 * The same kernels for a shared memory (kernels-mt.wasm): imported `env.memory`, shared, at most 4 GiB
 * (65536 pages; a memory given to it may set a lower maximum). A second instance on another thread
 * computes bands of rows of one call.
 */
export const MT_FLAGS = [
  '-O3', '--runtime', 'stub', '--noAssert', '--enable', 'simd', '--enable', 'threads',
  '--use', 'abort=', '--importMemory', '--sharedMemory', '--initialMemory', '1', '--maximumMemory', '65536',
];

mkdirSync(dirname(outFile), { recursive: true });
for (const [src, out, flags] of [[entry, outFile, ASC_FLAGS], [resolve(root, 'assembly/kernels-mt.ts'), resolve(root, 'src/image/wasm/kernels-mt.wasm'), MT_FLAGS]]) {
  const t0 = Date.now();
  const { error, stderr } = await asc.main(
    [relative(root, src), '-o', relative(root, out), ...flags],
    { stdout: process.stdout, stderr: process.stderr, baseDir: root },
  );
  if (error) {
    console.error(`build-wasm: compilation of ${relative(root, src)} failed: ${error.message}`);
    console.error(stderr.toString());
    process.exit(1);
  }
  console.log(`build-wasm: ${relative(root, out)} (${statSync(out).size} bytes, ${Date.now() - t0} ms)`);
}
