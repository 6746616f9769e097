/** Where the built editor UI lives, and building it with Vite when it is missing. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (this file is src/editor/server/ui-build.ts). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const UI_DIR = join(PACKAGE_ROOT, 'dist', 'editor');
export const UI_CONFIG = join(PACKAGE_ROOT, 'vite.editor.config.ts');

export function uiBuilt(dir = UI_DIR): boolean {
  return existsSync(join(dir, 'index.html'));
}

/** Builds the UI with Vite (programmatically; Vite is loaded only here). */
export async function buildUi(log: (s: string) => void = () => {}): Promise<void> {
  if (!existsSync(UI_CONFIG)) throw new Error(`cannot build the editor UI: ${UI_CONFIG} is missing`);
  log('building the editor UI (vite)…');
  const vite = await import('vite');
  await vite.build({ configFile: UI_CONFIG, logLevel: 'warn' });
  if (!uiBuilt()) throw new Error(`the editor UI build did not produce ${join(UI_DIR, 'index.html')}`);
}
