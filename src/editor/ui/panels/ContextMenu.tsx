/** Right-click menu: on a node (view, duplicate, delete), on the background (add a node here, arrange, fit). */
import { CATEGORY_ORDER } from '../lib/colors.ts';
import { getStore, useStore } from '../store.ts';

export function ContextMenu() {
  const menu = useStore((s) => s.contextMenu);
  const catalogue = useStore((s) => s.catalogue);
  if (!menu) return null;
  const store = getStore();
  const close = () => store.set({ contextMenu: null });
  const doAnd = (f: () => void) => () => {
    close();
    f();
  };
  const entry = menu.node ? store.entryOf(menu.node) : undefined;
  const style = { left: Math.min(menu.x, window.innerWidth - 220), top: Math.min(menu.y, window.innerHeight - 320) };
  return (
    <>
      <div className="lg-ctx-backdrop" onMouseDown={close} onContextMenu={(e) => { e.preventDefault(); close(); }} />
      <div className="lg-ctx" style={style} data-testid="context-menu">
        {menu.node ? (
          <>
            <div className="lg-ctx-title">{menu.node}</div>
            {entry &&
              Object.keys(entry.outputs).map((port) => (
                <button key={port} data-testid="ctx-view" onClick={doAnd(() => store.openViewer(menu.node!, port))}>
                  View {port}
                </button>
              ))}
            <button data-testid="ctx-duplicate" onClick={doAnd(() => store.duplicateNode(menu.node!))}>
              Duplicate <kbd>Ctrl+D</kbd>
            </button>
            <button data-testid="ctx-delete" className="danger" onClick={doAnd(() => store.removeNode(menu.node!))}>
              Delete <kbd>Del</kbd>
            </button>
          </>
        ) : (
          <>
            <div className="lg-ctx-title">Add node</div>
            <div className="lg-ctx-scroll">
              {[...catalogue.nodes]
                .sort((a, b) => CATEGORY_ORDER.indexOf(a.category) - CATEGORY_ORDER.indexOf(b.category))
                .map((n) => (
                  <button key={n.type} data-testid={`ctx-add-${n.type}`} title={n.doc} onClick={doAnd(() => store.addNode(n.type, menu.at))}>
                    {n.type} <small>{n.category}</small>
                  </button>
                ))}
            </div>
            <hr />
            <button onClick={doAnd(() => store.arrange())}>Arrange</button>
            <button onClick={doAnd(() => store.view?.fit())}>Fit view</button>
          </>
        )}
      </div>
    </>
  );
}
