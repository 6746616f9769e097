/**
 * Builds the Electron shell: dist/electron/main.js (ESM, Node target) and dist/electron/preload.cjs
 * (CommonJS, as sandboxed preloads require). 'electron' stays external. Run: node bin/run-ts.js electron/build.ts
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'electron');

export async function buildElectron(): Promise<void> {
  const common = { configFile: false as const, root, logLevel: 'warn' as const };
  await build({
    ...common,
    build: {
      ssr: join(root, 'electron', 'main.ts'),
      outDir,
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      sourcemap: true,
      rollupOptions: { external: ['electron'], output: { format: 'es', entryFileNames: 'main.js' } },
    },
  });
  await build({
    ...common,
    build: {
      ssr: join(root, 'electron', 'preload.ts'),
      outDir,
      emptyOutDir: false,
      target: 'node20',
      minify: false,
      sourcemap: true,
      rollupOptions: { external: ['electron'], output: { format: 'cjs', entryFileNames: 'preload.cjs' } },
    },
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildElectron();
  process.stdout.write(`built ${outDir}/main.js and preload.cjs\n`);
}
