/** The server-side file chooser (browser mode; the Electron shell uses native dialogs instead). */
import { useEffect, useState } from 'react';
import type { FsListing } from '../../shared/protocol.ts';
import { api } from '../api.ts';
import { getStore, useStore } from '../store.ts';

function join(dir: string, name: string): string {
  return name.startsWith('/') ? name : `${dir.replace(/\/+$/, '')}/${name}`;
}

export function FileDialog() {
  const d = useStore((s) => s.dialog);
  const [dir, setDir] = useState('');
  const [dirText, setDirText] = useState('');
  const [name, setName] = useState('');
  const [listing, setListing] = useState<FsListing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [showAll, setShowAll] = useState(false);

  useEffect(() => {
    if (!d) return;
    setDir(d.dir);
    setName(d.name ?? '');
    setShowAll(false);
  }, [d]);

  useEffect(() => {
    if (!d || !dir) return;
    let live = true;
    api
      .listDir(dir, showAll ? [] : d.ext)
      .then((l) => {
        if (!live) return;
        setListing(l);
        setDirText(l.dir);
        setError(null);
      })
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [d, dir, showAll]);

  if (!d) return null;
  const store = getStore();
  const ok = () => {
    if (!name.trim()) {
      if (d.mode === 'any' && listing) store.closeDialog(listing.dir);
      return;
    }
    store.closeDialog(join(listing?.dir ?? dir, name.trim()));
  };
  return (
    <div className="lg-modal-backdrop">
      <div className="lg-modal lg-file-dialog" data-testid="file-dialog" role="dialog" aria-label={d.title}>
        <h3>{d.title}</h3>
        <div className="lg-fd-dir">
          <button data-testid="file-dialog-up" disabled={!listing?.parent} onClick={() => listing?.parent && setDir(listing.parent)} title="parent folder">
            ↑
          </button>
          <input
            type="text"
            data-testid="file-dialog-dir"
            value={dirText}
            onChange={(e) => setDirText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') setDir(dirText);
            }}
          />
          {d.ext.length > 0 && (
            <label className="lg-fd-all">
              <input type="checkbox" checked={showAll} onChange={(e) => setShowAll(e.target.checked)} /> all files
            </label>
          )}
        </div>
        {error && <div className="lg-issue error">{error}</div>}
        <div className="lg-fd-list" data-testid="file-dialog-list">
          {listing?.entries.map((e) => (
            <div
              key={e.name}
              className={`lg-fd-entry ${e.kind}${e.name === name ? ' selected' : ''}`}
              data-testid={`fs-entry-${e.name}`}
              onClick={() => (e.kind === 'dir' ? setDir(join(listing.dir, e.name)) : setName(e.name))}
              onDoubleClick={() => {
                if (e.kind === 'file') store.closeDialog(join(listing.dir, e.name));
              }}
            >
              <span className={`lg-fd-icon ${e.kind}`} />
              {e.name}
              {e.size !== undefined && <small>{e.size < 2 ** 20 ? `${(e.size / 1024).toFixed(1)} KiB` : `${(e.size / 2 ** 20).toFixed(1)} MiB`}</small>}
            </div>
          ))}
          {listing && listing.entries.length === 0 && <div className="lg-hint">empty folder</div>}
        </div>
        <div className="lg-fd-name">
          <label>{d.mode === 'save' ? 'File name' : 'File'}</label>
          <input
            type="text"
            data-testid="file-dialog-name"
            value={name}
            autoFocus
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') ok();
            }}
          />
        </div>
        <div className="lg-modal-buttons">
          {d.mode === 'any' && listing && (
            <button data-testid="file-dialog-folder" onClick={() => store.closeDialog(listing.dir)} title="use the current folder (an image folder source)">
              Use this folder
            </button>
          )}
          <span className="lg-spacer" />
          <button data-testid="file-dialog-cancel" onClick={() => store.closeDialog(null)}>
            Cancel
          </button>
          <button data-testid="file-dialog-ok" className="primary" disabled={!name.trim()} onClick={ok}>
            {d.mode === 'save' ? 'Save' : 'Open'}
          </button>
        </div>
      </div>
    </div>
  );
}
