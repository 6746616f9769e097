/** File menu (presets, open, recent, save), undo/redo, arrange, run/cancel with the run state. */
import { useEffect, useRef, useState } from 'react';
import { getStore, useStore } from '../store.ts';

function Menu({ label, testid, children }: { label: string; testid: string; children: (close: () => void) => React.ReactNode }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    window.addEventListener('mousedown', onDown);
    return () => window.removeEventListener('mousedown', onDown);
  }, [open]);
  return (
    <div className="lg-menu" ref={ref}>
      <button data-testid={testid} onClick={() => setOpen(!open)} className={open ? 'active' : ''}>
        {label} ▾
      </button>
      {open && <div className="lg-menu-list">{children(() => setOpen(false))}</div>}
    </div>
  );
}

function fmtMs(ms?: number) {
  return ms === undefined ? '' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function Toolbar() {
  const store = getStore();
  const s = useStore((st) => ({
    presets: st.presets,
    recent: st.recent,
    canUndo: st.canUndo,
    canRedo: st.canRedo,
    undoLabel: st.undoLabel,
    redoLabel: st.redoLabel,
    dirty: st.dirty,
    filePath: st.filePath,
    source: st.source,
    run: st.run,
    connected: st.connected,
  }));
  const running = s.run.state === 'running' || s.run.state === 'starting';
  const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  const title = s.filePath ? base(s.filePath) : s.source ? `${base(s.source)} — untitled copy` : 'untitled';
  const folder = s.filePath ? s.filePath.slice(0, s.filePath.lastIndexOf('/') + 1) : '';
  let runText = '';
  switch (s.run.state) {
    case 'starting':
      runText = 'starting…';
      break;
    case 'running':
      runText = `running${s.run.level !== undefined && s.run.level !== null ? ` (buffering level ${s.run.level})` : ''}…`;
      break;
    case 'done':
      runText = `done in ${fmtMs(s.run.ms)}${s.run.level !== null && s.run.level !== undefined ? ` · level ${s.run.level}` : ''}`;
      break;
    case 'cancelled':
      runText = 'cancelled';
      break;
    case 'error':
      runText = `failed: ${s.run.message ?? ''}`;
      break;
  }
  return (
    <header className="lg-toolbar">
      <span className="lg-logo">luckygraph</span>
      <Menu label="Presets" testid="menu-presets">
        {(close) =>
          s.presets.map((p) => (
            <button
              key={p.file}
              data-testid={`preset-${p.file.replace(/\.ya?ml$/i, '')}`}
              title={p.description}
              onClick={() => {
                close();
                void store.openPreset(p.file);
              }}
            >
              <b>{p.name}</b>
              <small>{p.file}</small>
            </button>
          ))
        }
      </Menu>
      <button data-testid="open" onClick={() => void store.openDialog()} title="Open a graph file (Ctrl+O)">
        Open…
      </button>
      <Menu label="Recent" testid="menu-recent">
        {(close) =>
          s.recent.length ? (
            s.recent.map((p) => (
              <button
                key={p}
                data-testid="recent-item"
                title={p}
                onClick={() => {
                  close();
                  void store.openPath(p);
                }}
              >
                <b>{p.split('/').pop()}</b>
                <small>{p}</small>
              </button>
            ))
          ) : (
            <div className="lg-menu-empty">no recent files</div>
          )
        }
      </Menu>
      <button data-testid="save" onClick={() => void store.save()} title="Save (Ctrl+S)">
        Save
      </button>
      <button data-testid="save-as" onClick={() => void store.saveAs()} title="Save as (Ctrl+Shift+S)">
        Save as…
      </button>
      <span className="lg-sep" />
      <button data-testid="undo" disabled={!s.canUndo} onClick={() => store.undo()} title={s.canUndo ? `Undo ${s.undoLabel ?? ''} (Ctrl+Z)` : 'Nothing to undo'}>
        ↶ Undo
      </button>
      <button data-testid="redo" disabled={!s.canRedo} onClick={() => store.redo()} title={s.canRedo ? `Redo ${s.redoLabel ?? ''} (Ctrl+Shift+Z)` : 'Nothing to redo'}>
        ↷ Redo
      </button>
      <button data-testid="arrange" onClick={() => store.arrange()} title="Arrange the nodes automatically">
        Arrange
      </button>
      <button data-testid="fit" onClick={() => store.view?.fit()} title="Fit the graph into the view">
        Fit
      </button>
      <span className="lg-sep" />
      <button data-testid="run" className="primary" disabled={running} onClick={() => void store.run()} title="Run the graph (Ctrl+Enter); only nodes whose inputs changed run again">
        ▶ Run
      </button>
      <button data-testid="cancel" disabled={!running} onClick={() => void store.cancel()}>
        ■ Cancel
      </button>
      <span className={`lg-run-status run-${s.run.state}`} data-testid="run-status" data-state={s.run.state} title={s.run.message}>
        {runText}
      </span>
      <span className="lg-spacer" />
      {!s.connected && <span className="lg-offline" title="The event stream from the server is disconnected">● offline</span>}
      <span className="lg-file" data-testid="file-name" title={s.filePath ?? s.source ?? ''}>
        {s.dirty ? '• ' : ''}
        <b>{title}</b>
        {folder && <span className="lg-file-dir"> — {folder}</span>}
      </span>
    </header>
  );
}
