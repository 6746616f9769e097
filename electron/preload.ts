/**
 * Electron preload (sandboxed, context-isolated; built as CommonJS): exposes only the native file
 * dialogs to the page as `window.luckygraphNative`. No Node API reaches the renderer.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { IPC_OPEN_DIALOG, IPC_SAVE_DIALOG, type FileFilter, type NativeBridge, type OpenDialogOptions, type SaveDialogOptions } from '../src/editor/shared/native.ts';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const filters = (v: unknown): FileFilter[] | undefined =>
  Array.isArray(v)
    ? v
        .filter((f): f is FileFilter => !!f && typeof f === 'object' && typeof (f as FileFilter).name === 'string' && Array.isArray((f as FileFilter).extensions))
        .map((f) => ({ name: f.name, extensions: f.extensions.filter((e) => typeof e === 'string') }))
    : undefined;

const bridge: NativeBridge = {
  openDialog: (o: OpenDialogOptions) =>
    ipcRenderer.invoke(IPC_OPEN_DIALOG, { title: str(o?.title), defaultPath: str(o?.defaultPath), filters: filters(o?.filters), folders: o?.folders === true }) as Promise<string | null>,
  saveDialog: (o: SaveDialogOptions) =>
    ipcRenderer.invoke(IPC_SAVE_DIALOG, { title: str(o?.title), defaultPath: str(o?.defaultPath), filters: filters(o?.filters) }) as Promise<string | null>,
};

contextBridge.exposeInMainWorld('luckygraphNative', bridge);
