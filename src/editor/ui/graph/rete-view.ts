/**
 * The Rete view of the graph document. Rete is a view: `reconcile()` brings its nodes, connections and
 * positions in line with the document after every change; user gestures become graph-model commands
 * (connect, disconnect, move) and Rete-side mutations that do not come from reconcile() are vetoed.
 */
import { createRoot } from 'react-dom/client';
import { NodeEditor } from 'rete';
import { AreaExtensions, AreaPlugin } from 'rete-area-plugin';
import { ClassicFlow, ConnectionPlugin, getSourceTarget, type SocketData } from 'rete-connection-plugin';
import { Presets, ReactPlugin } from 'rete-react-plugin';
import type { GraphDoc } from '../../../graph/types.ts';
import { parseRef } from '../../../graph/util.ts';
import type { EditorStore } from '../store.ts';
import { GraphConnection, GraphNode, connectionId, type AreaExtra, type Schemes } from './schemes.ts';
import { NodeComponent } from './NodeComponent.tsx';
import { SocketComponent } from './SocketComponent.tsx';
import { ConnectionComponent } from './ConnectionComponent.tsx';

export interface GraphView {
  destroy(): void;
  fit(): Promise<void>;
  viewportCentre(): [number, number];
  /** Content coordinates of a client (screen) point. */
  toContent(clientX: number, clientY: number): [number, number];
  /** Settles pending reconciliation (tests). */
  settled(): Promise<void>;
}

export function createGraphView(container: HTMLElement, store: EditorStore): GraphView {
  const editor = new NodeEditor<Schemes>();
  const area = new AreaPlugin<Schemes, AreaExtra>(container);
  const connection = new ConnectionPlugin<Schemes, AreaExtra>();
  const render = new ReactPlugin<Schemes, AreaExtra>({ createRoot });

  /** Operations reconcile() performs (everything else on the Rete side is vetoed). */
  const allowed = new Set<string>();

  const canMakeConnection = (from: SocketData, to: SocketData): boolean => {
    const st = getSourceTarget(from, to);
    if (!st) return false;
    const [s, t] = st;
    const fromRef = `${s.nodeId}.${s.key}`;
    const toRef = `${t.nodeId}.${t.key}`;
    const problem = store.connectionProblem(fromRef, toRef);
    if (problem) {
      store.toast('refused', `Connection refused: ${fromRef} → ${toRef}: ${problem}`);
      // End the gesture: the pseudo-connection must not keep following the pointer.
      setTimeout(() => connection.drop(), 0);
      return false;
    }
    return true;
  };

  connection.addPreset(
    () =>
      new ClassicFlow<Schemes, []>({
        canMakeConnection,
        makeConnection: (from, to) => {
          const st = getSourceTarget(from, to);
          if (!st) return false;
          const [s, t] = st;
          return store.connect(`${s.nodeId}.${s.key}`, `${t.nodeId}.${t.key}`);
        },
      }),
  );

  render.addPreset(
    Presets.classic.setup<Schemes, AreaExtra>({
      customize: {
        node: () => NodeComponent,
        socket: () => SocketComponent,
        connection: () => ConnectionComponent,
      },
    }),
  );

  editor.use(area);
  area.use(connection);
  area.use(render);
  AreaExtensions.simpleNodesOrder(area);
  const selector = AreaExtensions.selector();
  AreaExtensions.selectableNodes(area, selector, { accumulating: AreaExtensions.accumulateOnCtrl() });

  // Rete-side mutations: only those reconcile() announced pass; a user removing a connection (dragging it
  // off an input) becomes a disconnect command, and reconcile() then removes it from the view.
  editor.addPipe((ctx) => {
    switch (ctx.type) {
      case 'connectionremove':
        if (allowed.delete(`c-:${ctx.data.id}`)) return ctx;
        store.disconnect(`${ctx.data.target}.${ctx.data.targetInput}`);
        return undefined;
      case 'connectioncreate':
        return allowed.delete(`c+:${ctx.data.id}`) ? ctx : undefined;
      case 'nodecreate':
        return allowed.delete(`n+:${ctx.data.id}`) ? ctx : undefined;
      case 'noderemove':
        return allowed.delete(`n-:${ctx.data.id}`) ? ctx : undefined;
    }
    return ctx;
  });

  let lastContextEvent: Event | null = null;
  area.addPipe((ctx) => {
    if (ctx.type === 'nodepicked') {
      store.select(ctx.data.id);
    } else if (ctx.type === 'nodedragged') {
      // One undo step for everything that moved (selected nodes move together).
      const positions: Record<string, [number, number]> = {};
      for (const [id, v] of area.nodeViews) positions[id] = [v.position.x, v.position.y];
      store.moveNodes(positions);
    } else if (ctx.type === 'contextmenu') {
      const ev = ctx.data.event;
      ev.preventDefault();
      if (ev === lastContextEvent) return undefined; // the same event bubbling from a node to the root
      lastContextEvent = ev;
      const node = ctx.data.context === 'root' ? null : 'id' in ctx.data.context && ctx.data.context instanceof GraphNode ? ctx.data.context.id : null;
      if (ctx.data.context !== 'root' && !node) return undefined;
      if (node) store.select(node);
      store.set({ contextMenu: { x: ev.clientX, y: ev.clientY, node, at: toContent(ev.clientX, ev.clientY) } });
      return undefined;
    } else if (ctx.type === 'pointerdown') {
      if (store.state.contextMenu) store.set({ contextMenu: null });
      const target = ctx.data.event.target as HTMLElement | null;
      if (target === container || target?.parentElement === container) store.select(null);
    }
    return ctx;
  });

  function toContent(clientX: number, clientY: number): [number, number] {
    const r = container.getBoundingClientRect();
    const { x, y, k } = area.area.transform;
    return [(clientX - r.left - x) / k, (clientY - r.top - y) / k];
  }

  // ---- reconcile: document → Rete ------------------------------------------------------------------

  async function reconcile(doc: GraphDoc): Promise<void> {
    const want = doc.nodes;
    // Connections whose ends no longer exist go first (Rete does not remove them with the node).
    const desired = new Map<string, { s: string; o: string; t: string; i: string }>();
    for (const [id, n] of Object.entries(want)) {
      for (const [input, ref] of Object.entries(n.inputs ?? {})) {
        const r = parseRef(ref);
        if (!r || !(r.node in want)) continue;
        desired.set(connectionId(r.node, r.port, id, input), { s: r.node, o: r.port, t: id, i: input });
      }
    }
    const stale = (node: GraphNode | undefined) => !node || !(node.id in want) || want[node.id].type !== node.nodeType;
    for (const c of editor.getConnections()) {
      if (!desired.has(c.id) || stale(editor.getNode(c.source)) || stale(editor.getNode(c.target))) {
        allowed.add(`c-:${c.id}`);
        await editor.removeConnection(c.id);
      }
    }
    for (const n of editor.getNodes()) {
      if (stale(n)) {
        allowed.add(`n-:${n.id}`);
        await editor.removeNode(n.id);
      }
    }
    for (const [id, n] of Object.entries(want)) {
      if (editor.getNode(id)) continue;
      const node = new GraphNode(id, n.type, store.entries.get(n.type));
      allowed.add(`n+:${id}`);
      await editor.addNode(node);
      const p = doc.layout?.[id];
      if (p) await area.translate(id, { x: p[0], y: p[1] });
    }
    const have = new Set(editor.getConnections().map((c) => c.id));
    for (const [cid, c] of desired) {
      if (have.has(cid)) continue;
      const s = editor.getNode(c.s);
      const t = editor.getNode(c.t);
      if (!s || !t || !(c.o in s.outputs) || !(c.i in t.inputs)) continue; // invalid reference: validation reports it
      const conn = new GraphConnection(s, c.o, t, c.i);
      conn.id = cid;
      allowed.add(`c+:${cid}`);
      await editor.addConnection(conn);
    }
    for (const id of Object.keys(want)) {
      const p = doc.layout?.[id];
      const v = area.nodeViews.get(id);
      if (p && v && (v.position.x !== p[0] || v.position.y !== p[1])) await area.translate(id, { x: p[0], y: p[1] });
    }
  }

  let queue: Promise<void> = Promise.resolve();
  let scheduled = false;
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    queue = queue
      .then(async () => {
        scheduled = false;
        await reconcile(store.doc);
      })
      .catch((e: unknown) => console.error('reconcile failed', e));
  };
  let lastDoc: GraphDoc | null = null;
  const unsubscribe = store.subscribe(() => {
    if (store.state.doc !== lastDoc) {
      lastDoc = store.state.doc;
      schedule();
    }
  });
  lastDoc = store.state.doc;
  schedule();

  async function fit(): Promise<void> {
    await queue;
    const views = [...area.nodeViews.values()];
    const rect = container.getBoundingClientRect();
    if (!views.length || rect.width === 0) return;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const v of views) {
      const el = (v.element.firstElementChild as HTMLElement | null) ?? v.element;
      x0 = Math.min(x0, v.position.x);
      y0 = Math.min(y0, v.position.y);
      x1 = Math.max(x1, v.position.x + (el.offsetWidth || 220));
      y1 = Math.max(y1, v.position.y + (el.offsetHeight || 120));
    }
    const pad = 40;
    const k = Math.min(1.1, Math.max(0.15, Math.min((rect.width - 2 * pad) / (x1 - x0), (rect.height - 2 * pad) / (y1 - y0))));
    await area.area.zoom(k, 0, 0);
    await area.area.translate((rect.width - (x1 - x0) * k) / 2 - x0 * k, (rect.height - (y1 - y0) * k) / 2 - y0 * k);
  }

  return {
    destroy() {
      unsubscribe();
      area.destroy();
    },
    fit,
    viewportCentre() {
      const r = container.getBoundingClientRect();
      const [x, y] = toContent(r.left + r.width / 2, r.top + r.height / 2);
      return [x - 110, y - 60];
    },
    toContent,
    settled: () => queue,
  };
}
