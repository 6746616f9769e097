/** The editor window: toolbar, palette, graph canvas, inspector + memory, viewer/compare panel. */
import { useEffect, useRef } from 'react';
import { createGraphView, type GraphView } from './graph/rete-view.ts';
import { getStore, useStore } from './store.ts';
import { Toolbar } from './panels/Toolbar.tsx';
import { Palette } from './panels/Palette.tsx';
import { Inspector } from './panels/Inspector.tsx';
import { MemoryPanel } from './panels/MemoryPanel.tsx';
import { BottomPanel } from './panels/BottomPanel.tsx';
import { FileDialog } from './panels/FileDialog.tsx';
import { ContextMenu } from './panels/ContextMenu.tsx';
import { Toasts } from './panels/Toasts.tsx';

let graphView: GraphView | null = null;

function Canvas() {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const store = getStore();
    const el = ref.current!;
    const view = createGraphView(el, store);
    graphView = view;
    store.view = { viewportCentre: () => view.viewportCentre(), fit: () => void view.fit() };
    void view.settled().then(() => view.fit());
    return () => {
      view.destroy();
      graphView = null;
      store.view = null;
    };
  }, []);
  const onDrop = (e: React.DragEvent) => {
    const type = e.dataTransfer.getData('application/x-luckygraph-node');
    if (!type || !graphView) return;
    e.preventDefault();
    const [x, y] = graphView.toContent(e.clientX, e.clientY);
    getStore().addNode(type, [x - 20, y - 20]);
  };
  return (
    <div className="lg-canvas-wrap" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
      <div className="lg-canvas" ref={ref} data-testid="canvas" />
    </div>
  );
}

function useKeyboard() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const store = getStore();
      const t = e.target as HTMLElement | null;
      const typing = !!t && (t.tagName === 'TEXTAREA' || (t.tagName === 'INPUT' && ['text', 'search', ''].includes((t as HTMLInputElement).type)));
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === 'z' && !typing) {
        e.preventDefault();
        if (e.shiftKey) store.redo();
        else store.undo();
      } else if (mod && key === 'y' && !typing) {
        e.preventDefault();
        store.redo();
      } else if (mod && key === 's') {
        e.preventDefault();
        void (e.shiftKey ? store.saveAs() : store.save());
      } else if (mod && key === 'o') {
        e.preventDefault();
        void store.openDialog();
      } else if (mod && key === 'd' && store.state.selected && !typing) {
        e.preventDefault();
        store.duplicateNode(store.state.selected);
      } else if ((e.key === 'Delete' || e.key === 'Backspace') && store.state.selected && !(t && ['INPUT', 'SELECT', 'TEXTAREA'].includes(t.tagName))) {
        e.preventDefault();
        store.removeNode(store.state.selected);
      } else if (e.key === 'Escape') {
        if (store.state.contextMenu) store.set({ contextMenu: null });
      } else if (mod && e.key === 'Enter') {
        e.preventDefault();
        void store.run();
      }
    };
    window.addEventListener('keydown', onKey);
    const beforeUnload = (e: BeforeUnloadEvent) => {
      if (getStore().history.dirty) e.preventDefault();
    };
    window.addEventListener('beforeunload', beforeUnload);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('beforeunload', beforeUnload);
    };
  }, []);
}

function useTitle() {
  const { name, dirty } = useStore((s) => ({ name: s.filePath ?? (s.source ? `${s.source.split('/').pop()} (untitled)` : 'untitled'), dirty: s.dirty }));
  useEffect(() => {
    document.title = `${dirty ? '• ' : ''}${name.split('/').pop()} — luckygraph`;
  }, [name, dirty]);
}

export function App() {
  useKeyboard();
  useTitle();
  const bottomOpen = useStore((s) => s.bottomOpen);
  return (
    <div className={`lg-app${bottomOpen ? '' : ' bottom-closed'}`} data-testid="editor-ready">
      <Toolbar />
      <aside className="lg-left">
        <Palette />
      </aside>
      <main className="lg-main">
        <Canvas />
      </main>
      <aside className="lg-right">
        <MemoryPanel />
        <Inspector />
      </aside>
      <section className="lg-bottom">
        <BottomPanel />
      </section>
      <FileDialog />
      <ContextMenu />
      <Toasts />
    </div>
  );
}
