/**
 * Electron main process of the luckygraph editor.
 *
 * Starts the same editor server as `luckygraph serve` — as a child process (Electron's own Node via
 * ELECTRON_RUN_AS_NODE), so heavy runs never block the window or the dialogs — and loads its URL in a
 * window with contextIsolation on, nodeIntegration off and the renderer sandboxed. The preload exposes
 * only the native open/save dialogs. Built by electron/build.ts into dist/electron; `npm run editor`.
 *
 * Nothing outside electron/ imports this file (the CLI and the tests never load 'electron').
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, shell, session, type IpcMainInvokeEvent, type MenuItemConstructorOptions } from 'electron';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IPC_OPEN_DIALOG, IPC_SAVE_DIALOG, type OpenDialogOptions, type SaveDialogOptions } from '../src/editor/shared/native.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

/** The package root: the nearest folder above this file with bin/luckygraph.js (dist/electron or electron/). */
function packageRoot(from: string): string {
  for (let d = from; ; d = dirname(d)) {
    if (existsSync(join(d, 'bin', 'luckygraph.js'))) return d;
    if (dirname(d) === d) return resolve(from, '..', '..');
  }
}
export const PACKAGE_ROOT = packageRoot(HERE);

export interface ServerHandle {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Runs `luckygraph serve --port 0 [graph]` and resolves with the URL it prints. */
export function startServerProcess(options: { graph?: string; root?: string; node?: string; timeoutMs?: number } = {}): Promise<ServerHandle> {
  const root = options.root ?? PACKAGE_ROOT;
  const args = [join(root, 'bin', 'luckygraph.js'), 'serve', '--port', '0', ...(options.graph ? [options.graph] : [])];
  const child = spawn(options.node ?? process.execPath, args, {
    cwd: process.cwd(),
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolveStart, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`the editor server did not start within ${options.timeoutMs ?? 120_000} ms:\n${out}`));
    }, options.timeoutMs ?? 120_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /luckygraph editor: (http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolveStart({
        url: m[1],
        child,
        stop: () =>
          new Promise<void>((r) => {
            if (child.exitCode !== null || child.signalCode !== null) return r();
            child.once('exit', () => r());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (b: Buffer) => {
      out += b.toString();
      process.stderr.write(b);
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the editor server exited (${code}) before it was ready:\n${out}`));
    });
  });
}

/** A graph file named on the command line (`electron dist/electron/main.js my.yaml`). */
export function graphArgument(argv: string[]): string | undefined {
  const a = argv.slice(1).find((x) => /\.ya?ml$/i.test(x) && existsSync(x));
  return a ? resolve(a) : undefined;
}

function fromOurPage(e: IpcMainInvokeEvent, origin: string): boolean {
  const url = e.senderFrame?.url ?? '';
  return url.startsWith(origin);
}

export function registerDialogs(origin: string): void {
  ipcMain.handle(IPC_OPEN_DIALOG, async (e, o: OpenDialogOptions) => {
    if (!fromOurPage(e, origin)) return null;
    const win = BrowserWindow.fromWebContents(e.sender);
    const props: ('openFile' | 'openDirectory')[] = o?.folders && process.platform === 'darwin' ? ['openFile', 'openDirectory'] : ['openFile'];
    const opts = { title: o?.title, defaultPath: o?.defaultPath, filters: o?.filters, properties: props };
    const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
    return r.canceled ? null : (r.filePaths[0] ?? null);
  });
  ipcMain.handle(IPC_SAVE_DIALOG, async (e, o: SaveDialogOptions) => {
    if (!fromOurPage(e, origin)) return null;
    const win = BrowserWindow.fromWebContents(e.sender);
    const opts = { title: o?.title, defaultPath: o?.defaultPath, filters: o?.filters };
    const r = win ? await dialog.showSaveDialog(win, opts) : await dialog.showSaveDialog(opts);
    return r.canceled || !r.filePath ? null : r.filePath;
  });
}

export function createWindow(url: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1600,
    height: 1000,
    title: 'luckygraph',
    backgroundColor: '#16181d',
    webPreferences: {
      preload: join(HERE, 'preload.cjs'),
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
    },
  });
  const origin = `${new URL(url).origin}/`;
  // Only our server's pages in the window; links elsewhere open in the system browser.
  win.webContents.on('will-navigate', (e, target) => {
    if (!target.startsWith(origin)) e.preventDefault();
  });
  win.webContents.setWindowOpenHandler(({ url: target }) => {
    if (/^https?:\/\//.test(target) && !target.startsWith(origin)) void shell.openExternal(target);
    return { action: 'deny' };
  });
  void win.loadURL(url);
  return win;
}

function menu(): Menu {
  // No undo/redo accelerators here: Ctrl+Z / Ctrl+Shift+Z belong to the graph history in the page.
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    { label: 'File', submenu: [{ role: 'quit' }] },
    { label: 'Edit', submenu: [{ role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] },
    { label: 'View', submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }] },
    { role: 'windowMenu' },
  ];
  return Menu.buildFromTemplate(template);
}

/** Starts the editor: server, dialogs, window. */
export async function start(argv: string[] = process.argv): Promise<{ server: ServerHandle; window: BrowserWindow }> {
  await app.whenReady();
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  Menu.setApplicationMenu(menu());
  const server = await startServerProcess({ graph: graphArgument(argv) });
  const origin = `${new URL(server.url).origin}/`;
  registerDialogs(origin);
  const window = createWindow(server.url);
  let quitting = false;
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', (e) => {
    if (quitting) return;
    quitting = true;
    e.preventDefault();
    void server.stop().finally(() => app.quit());
  });
  server.child.once('exit', (code) => {
    if (!quitting) {
      dialog.showErrorBox('luckygraph', `The editor server stopped unexpectedly (exit ${code}).`);
      app.quit();
    }
  });
  return { server, window };
}

// Started by Electron only (tests import this module with 'electron' mocked and call start() themselves).
if (process.versions.electron && !process.env.VITEST) {
  if (!app.requestSingleInstanceLock()) app.quit();
  else
    start().catch((e: unknown) => {
      dialog.showErrorBox('luckygraph', `The editor could not start: ${(e as Error).message}`);
      app.exit(1);
    });
}
