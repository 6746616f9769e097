/**
 * The Electron shell without Electron (its binary cannot be downloaded here): nothing outside electron/
 * imports 'electron'; the shell builds (ESM main, CommonJS preload); and the main process, with 'electron'
 * mocked, starts the real editor server, opens a locked-down window on its URL and answers the dialog IPC
 * only for its own page.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './helpers.ts';

const created: { options: Record<string, unknown>; loaded: string[] }[] = [];
const handlers = new Map<string, (e: unknown, o: unknown) => Promise<unknown>>();
const appEvents = new Map<string, (...a: unknown[]) => void>();

vi.mock('electron', () => {
  class BrowserWindow {
    webContents = { on: vi.fn(), setWindowOpenHandler: vi.fn() };
    record: { options: Record<string, unknown>; loaded: string[] };
    constructor(options: Record<string, unknown>) {
      this.record = { options, loaded: [] };
      created.push(this.record);
    }
    loadURL(url: string) {
      this.record.loaded.push(url);
      return Promise.resolve();
    }
    static fromWebContents() {
      return null;
    }
  }
  return {
    app: {
      whenReady: () => Promise.resolve(),
      on: (ev: string, fn: (...a: unknown[]) => void) => appEvents.set(ev, fn),
      quit: vi.fn(),
      exit: vi.fn(),
      requestSingleInstanceLock: () => true,
    },
    BrowserWindow,
    dialog: {
      showOpenDialog: vi.fn(async () => ({ canceled: false, filePaths: ['/data/graph.yaml'] })),
      showSaveDialog: vi.fn(async () => ({ canceled: false, filePath: '/data/out.yaml' })),
      showErrorBox: vi.fn(),
    },
    ipcMain: { handle: (ch: string, fn: (e: unknown, o: unknown) => Promise<unknown>) => handlers.set(ch, fn) },
    Menu: { buildFromTemplate: vi.fn(() => ({})), setApplicationMenu: vi.fn() },
    shell: { openExternal: vi.fn() },
    session: { defaultSession: { setPermissionRequestHandler: vi.fn() } },
  };
});

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(m?[jt]sx?|cjs)$/.test(name)) out.push(p);
  }
  return out;
}

let stop: (() => Promise<void>) | null = null;
afterAll(async () => {
  await stop?.();
});

describe('Electron shell', () => {
  it('is imported by nothing outside electron/', () => {
    const importsElectron = /(from\s+['"]electron['"]|require\(\s*['"]electron['"]\s*\)|import\(\s*['"]electron['"]\s*\))/;
    const offenders = ['src', 'bin', 'tests', 'bench']
      .flatMap((d) => sources(join(ROOT, d)))
      .filter((f) => !f.endsWith('electron-shell.test.ts') && importsElectron.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f));
    expect(offenders).toEqual([]);
  });

  it('builds: ESM main, CommonJS preload exposing only the dialogs', async () => {
    const { buildElectron } = await import('../../electron/build.ts');
    await buildElectron();
    const main = readFileSync(join(ROOT, 'dist', 'electron', 'main.js'), 'utf8');
    const preload = readFileSync(join(ROOT, 'dist', 'electron', 'preload.cjs'), 'utf8');
    expect(main).toMatch(/from "electron"/);
    expect(main).toMatch(/contextIsolation: true/);
    expect(main).toMatch(/nodeIntegration: false/);
    expect(preload).toMatch(/require\("electron"\)/);
    expect(preload).not.toMatch(/^import /m);
    expect(preload).toMatch(/exposeInMainWorld\("luckygraphNative"/);
  });

  it('starts the server, loads its URL in a locked-down window, and serves dialogs to its own page only', async () => {
    const main = await import('../../electron/main.ts');
    expect(main.PACKAGE_ROOT).toBe(ROOT);
    const { server, window } = await main.start(['electron', 'main.js']);
    stop = server.stop;
    expect(window).toBeDefined();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+$/);
    expect(created).toHaveLength(1);
    const prefs = created[0].options.webPreferences as Record<string, unknown>;
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.sandbox).toBe(true);
    expect(String(prefs.preload)).toMatch(/preload\.cjs$/);
    expect(created[0].loaded).toEqual([server.url]);
    // The URL really serves the editor.
    const html = await (await fetch(server.url)).text();
    expect(html).toContain('<div id="root">');

    const open = handlers.get('luckygraph:open-dialog')!;
    const save = handlers.get('luckygraph:save-dialog')!;
    const origin = new URL(server.url).origin;
    const ours = { senderFrame: { url: `${origin}/` }, sender: {} };
    const foreign = { senderFrame: { url: `${origin}0/` }, sender: {} };
    expect(await open(ours, { title: 'Open graph', filters: [{ name: 'yaml', extensions: ['yaml'] }] })).toBe('/data/graph.yaml');
    expect(await save(ours, { title: 'Save' })).toBe('/data/out.yaml');
    expect(await open(foreign, {})).toBeNull();
    expect(await save(foreign, {})).toBeNull();

    // Quitting stops the server process.
    const beforeQuit = appEvents.get('before-quit')!;
    beforeQuit({ preventDefault: () => {} });
    await new Promise<void>((r) => (server.child.exitCode !== null || server.child.signalCode !== null ? r() : server.child.once('exit', () => r())));
    stop = null;
  });
});
