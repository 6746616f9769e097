/**
 * The bridge the Electron preload exposes as `window.luckygraphNative` (native file dialogs).
 * Absent in browser mode, where the server-side file chooser is used instead.
 */
export interface FileFilter {
  name: string;
  extensions: string[];
}

export interface OpenDialogOptions {
  title?: string;
  defaultPath?: string;
  filters?: FileFilter[];
  /** Allow choosing a folder (an image-folder source). */
  folders?: boolean;
}

export interface SaveDialogOptions {
  title?: string;
  defaultPath?: string;
  filters?: FileFilter[];
}

export interface NativeBridge {
  /** Absolute path, or null when cancelled. */
  openDialog(options: OpenDialogOptions): Promise<string | null>;
  saveDialog(options: SaveDialogOptions): Promise<string | null>;
}

export const IPC_OPEN_DIALOG = 'luckygraph:open-dialog';
export const IPC_SAVE_DIALOG = 'luckygraph:save-dialog';
