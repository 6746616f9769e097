/** Vite build of the editor UI (src/editor/ui → dist/editor), served by `luckygraph serve` and the Electron shell. */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('./src/editor/ui'),
  base: './',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: here('./dist/editor'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2048,
    sourcemap: true,
  },
  server: { host: '127.0.0.1' },
});
