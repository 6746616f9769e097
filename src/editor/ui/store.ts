/**
 * The editor state. The graph document in GraphHistory is the single source of truth: every edit is a
 * graph-model command (undoable); the Rete view, the inspector and the viewers are derived from it.
 * Other state (selection, run progress, analysis, previews, dialogs) lives here as one immutable
 * snapshot read with useSyncExternalStore — also inside Rete's node roots, which cannot see React context.
 */
import { useRef, useSyncExternalStore } from 'react';
import {
  GraphHistory,
  connect,
  connectionProblem,
  disconnect,
  duplicateNode,
  removeNode,
  setParam,
  type Command,
} from '../../graph/edit.ts';
import type { Catalogue, NodeCatalogueEntry, NodeRegistry } from '../../graph/registry.ts';
import type { GraphDoc, ValidationIssue } from '../../graph/types.ts';
import type {
  AnalyzeResult,
  BufferingChoice,
  ImageRef,
  OpenResult,
  PresetInfo,
  ServerEvent,
  StoredOutputInfo,
} from '../shared/protocol.ts';
import type { NativeBridge } from '../shared/native.ts';
import { api, ApiError } from './api.ts';
import { addNodeCommand, freshId, moveNodes } from './lib/commands.ts';
import { missingPositions, autoLayout } from './lib/layout.ts';
import { registryFromCatalogue } from './lib/registry.ts';

export type DisplayStatus = 'dirty' | 'cached' | 'ran' | 'running' | 'error';

export interface NodeRun {
  status: 'pending' | 'running' | 'ran' | 'cached' | 'error' | 'not-run';
  ms?: number;
  reason?: string;
  message?: string;
  progress?: { done: number; total: number; etaMs: number | null } | null;
  /** The node's cache key in the run that produced this status. */
  key?: string;
}

export type NodeOutputs = StoredOutputInfo;

export interface RunState {
  id: number | null;
  state: 'idle' | 'starting' | 'running' | 'done' | 'error' | 'cancelled';
  message?: string;
  ms?: number;
  level?: number | null;
}

export interface Toast {
  id: number;
  kind: 'info' | 'error' | 'refused';
  text: string;
}

export type DialogState =
  | null
  | {
      kind: 'open' | 'save' | 'path';
      title: string;
      /** 'file' = choose a file; 'save' = type a name; 'any' = a file or the current folder. */
      mode: 'file' | 'save' | 'any';
      dir: string;
      name?: string;
      ext: string[];
      resolve: (path: string | null) => void;
    };

export interface UiState {
  catalogue: Catalogue;
  doc: GraphDoc;
  canUndo: boolean;
  canRedo: boolean;
  undoLabel?: string;
  redoLabel?: string;
  dirty: boolean;
  filePath: string | null;
  /** Where the document came from (preset path for an untitled preset copy). */
  source: string | null;
  selected: string | null;
  analysis: AnalyzeResult | null;
  analysisPending: boolean;
  buffering: BufferingChoice;
  run: RunState;
  nodeRun: Record<string, NodeRun>;
  outputs: Record<string, NodeOutputs>;
  viewer: { node: string; port: string } | null;
  bottomTab: 'viewer' | 'compare';
  bottomOpen: boolean;
  compare: { a: ImageRef | null; b: ImageRef | null; mode: 'split' | 'blink' };
  toasts: Toast[];
  dialog: DialogState;
  recent: string[];
  presets: PresetInfo[];
  cwd: string;
  connected: boolean;
  contextMenu: { x: number; y: number; node: string | null; at: [number, number] } | null;
}

/** Hooks the graph view registers so the store can ask for view-dependent things. */
export interface ViewHooks {
  viewportCentre(): [number, number];
  fit(): void;
}

const RECENT_KEY = 'luckygraph.recent';

function loadRecent(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, 10) : [];
  } catch {
    return [];
  }
}

const EMPTY_DOC: GraphDoc = { format: 'luckygraph/1', nodes: {} };

export class EditorStore {
  readonly registry: NodeRegistry;
  readonly entries: Map<string, NodeCatalogueEntry>;
  readonly history: GraphHistory;
  state: UiState;
  view: ViewHooks | null = null;
  private listeners = new Set<() => void>();
  private analyzeTimer: ReturnType<typeof setTimeout> | null = null;
  private analyzeSeq = 0;
  private toastSeq = 0;

  constructor(catalogue: Catalogue, init: { presets: PresetInfo[]; cwd: string }) {
    this.registry = registryFromCatalogue(catalogue);
    this.entries = new Map(catalogue.nodes.map((n) => [n.type, n]));
    this.history = new GraphHistory(EMPTY_DOC);
    this.state = {
      catalogue,
      doc: this.history.doc,
      canUndo: false,
      canRedo: false,
      dirty: false,
      filePath: null,
      source: null,
      selected: null,
      analysis: null,
      analysisPending: false,
      buffering: 'auto',
      run: { id: null, state: 'idle' },
      nodeRun: {},
      outputs: {},
      viewer: null,
      bottomTab: 'viewer',
      bottomOpen: true,
      compare: { a: null, b: null, mode: 'split' },
      toasts: [],
      dialog: null,
      recent: loadRecent(),
      presets: init.presets,
      cwd: init.cwd,
      connected: false,
      contextMenu: null,
    };
    this.history.subscribe((ev) => {
      const h = this.history;
      const selected = this.state.selected && this.state.selected in ev.doc.nodes ? this.state.selected : null;
      this.set({ doc: ev.doc, canUndo: h.canUndo(), canRedo: h.canRedo(), undoLabel: h.undoLabel(), redoLabel: h.redoLabel(), dirty: h.dirty, selected });
      this.scheduleAnalyze();
    });
  }

  // ---- store plumbing -------------------------------------------------------------------------

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  getState = (): UiState => this.state;

  set(patch: Partial<UiState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of [...this.listeners]) l();
  }

  get doc(): GraphDoc {
    return this.history.doc;
  }

  entryOf(nodeId: string): NodeCatalogueEntry | undefined {
    const n = this.doc.nodes[nodeId];
    return n ? this.entries.get(n.type) : undefined;
  }

  // ---- messages -------------------------------------------------------------------------------

  toast(kind: Toast['kind'], text: string, ms = kind === 'info' ? 3500 : 8000): void {
    const id = ++this.toastSeq;
    this.set({ toasts: [...this.state.toasts.slice(-3), { id, kind, text }] });
    setTimeout(() => this.dismissToast(id), ms);
  }

  dismissToast(id: number): void {
    if (this.state.toasts.some((t) => t.id === id)) this.set({ toasts: this.state.toasts.filter((t) => t.id !== id) });
  }

  // ---- edits (all through GraphHistory) ---------------------------------------------------------

  apply(command: Command, label: string, mergeKey?: string): boolean {
    const r = this.history.apply(command, { label, ...(mergeKey ? { mergeKey } : {}) });
    if (!r.ok) {
      this.toast('error', r.reason);
      return false;
    }
    return true;
  }

  commitMerge(): void {
    this.history.commit();
  }

  setParam(node: string, param: string, value: unknown, merge = false): void {
    this.apply((d) => setParam(d, node, param, value), `set ${node}.${param}`, merge ? `param:${node}.${param}` : undefined);
  }

  /** Checks a connection with the graph model's one type/cycle check; null when allowed. */
  connectionProblem(from: string, to: string): string | null {
    return connectionProblem(this.doc, this.registry, from, to);
  }

  connect(from: string, to: string): boolean {
    return this.apply((d) => connect(d, this.registry, from, to), `connect ${from} → ${to}`);
  }

  disconnect(to: string): boolean {
    return this.apply((d) => disconnect(d, to), `disconnect ${to}`);
  }

  addNode(type: string, at?: [number, number]): string | null {
    const entry = this.entries.get(type);
    if (!entry) {
      this.toast('error', `unknown node type '${type}'`);
      return null;
    }
    const id = freshId(this.doc, type);
    const pos = at ?? this.view?.viewportCentre() ?? [0, 0];
    if (!this.apply(addNodeCommand(id, type, entry.version, [Math.round(pos[0]), Math.round(pos[1])]), `add ${id}`)) return null;
    this.select(id);
    return id;
  }

  removeNode(id: string): void {
    this.apply((d) => removeNode(d, id), `delete ${id}`);
  }

  duplicateNode(id: string): void {
    const r = this.history.apply((d) => duplicateNode(d, id), { label: `duplicate ${id}` });
    if (!r.ok) this.toast('error', r.reason);
    else if (r.id) this.select(r.id);
  }

  moveNodes(positions: Record<string, [number, number]>): void {
    const changed: Record<string, [number, number]> = {};
    for (const [id, p] of Object.entries(positions)) {
      const cur = this.doc.layout?.[id];
      const r: [number, number] = [Math.round(p[0]), Math.round(p[1])];
      if (id in this.doc.nodes && (!cur || cur[0] !== r[0] || cur[1] !== r[1])) changed[id] = r;
    }
    if (Object.keys(changed).length) this.apply(moveNodes(changed), Object.keys(changed).length === 1 ? `move ${Object.keys(changed)[0]}` : 'move nodes');
  }

  arrange(): void {
    this.apply(moveNodes(autoLayout(this.doc, this.entries)), 'arrange');
    setTimeout(() => this.view?.fit(), 50);
  }

  undo(): void {
    this.history.undo();
  }

  redo(): void {
    this.history.redo();
  }

  select(id: string | null): void {
    if (id !== this.state.selected) this.set({ selected: id });
  }

  // ---- documents --------------------------------------------------------------------------------

  /** Replaces the document (opened file or preset); nodes without positions are auto-arranged. */
  load(result: OpenResult): void {
    let doc = result.doc;
    const missing = missingPositions(doc, this.entries);
    if (Object.keys(missing).length) doc = { ...doc, layout: { ...(doc.layout ?? {}), ...missing } };
    this.history.reset(doc);
    this.set({
      filePath: result.path,
      source: result.source,
      selected: null,
      dirty: false,
      nodeRun: {},
      // Previews belong to the previous document; the analysis brings back those the server holds for this one.
      outputs: {},
      analysis: null,
      run: this.state.run.state === 'running' || this.state.run.state === 'starting' ? this.state.run : { id: null, state: 'idle' },
      viewer: null,
      compare: { ...this.state.compare, a: null, b: null },
    });
    if (result.path) this.addRecent(result.path);
    for (const m of result.migrated) this.toast('info', `migrated ${m}`);
    setTimeout(() => this.view?.fit(), 60);
  }

  private confirmDiscard(): boolean {
    return !this.history.dirty || window.confirm('The graph has unsaved changes. Discard them?');
  }

  async openPreset(file: string): Promise<void> {
    if (!this.confirmDiscard()) return;
    try {
      this.load(await api.openPreset(file));
    } catch (e) {
      this.toast('error', `cannot open preset ${file}: ${(e as Error).message}`);
    }
  }

  async openPath(path: string): Promise<boolean> {
    if (!this.confirmDiscard()) return false;
    try {
      this.load(await api.openPath(path));
      return true;
    } catch (e) {
      this.toast('error', (e as Error).message);
      if (e instanceof ApiError && e.status === 404) this.set({ recent: this.state.recent.filter((r) => r !== path) });
      return false;
    }
  }

  async openDialog(): Promise<void> {
    const path = await this.choosePath({ kind: 'open', title: 'Open graph', mode: 'file', ext: ['yaml', 'yml'] });
    if (path) await this.openPath(path);
  }

  async save(): Promise<boolean> {
    if (!this.state.filePath) return this.saveAs();
    return this.saveTo(this.state.filePath);
  }

  async saveAs(): Promise<boolean> {
    const cur = this.state.filePath;
    const name = cur ? cur.split('/').pop()! : `${(this.state.source ?? 'graph').split('/').pop()!.replace(/\.ya?ml$/i, '')}-edited.yaml`;
    const dir = cur ? cur.slice(0, cur.lastIndexOf('/')) || '/' : this.state.cwd;
    const path = await this.choosePath({ kind: 'save', title: 'Save graph as', mode: 'save', ext: ['yaml', 'yml'], dir, name });
    if (!path) return false;
    return this.saveTo(path);
  }

  private async saveTo(path: string): Promise<boolean> {
    try {
      const r = await api.save(path, this.doc);
      this.history.markSaved();
      this.set({ filePath: r.path, source: r.path, dirty: false });
      this.addRecent(r.path);
      this.toast('info', `saved ${r.path}`);
      return true;
    } catch (e) {
      this.toast('error', `save failed: ${(e as Error).message}`);
      return false;
    }
  }

  private addRecent(path: string): void {
    const recent = [path, ...this.state.recent.filter((r) => r !== path)].slice(0, 10);
    try {
      localStorage.setItem(RECENT_KEY, JSON.stringify(recent));
    } catch {
      /* private mode */
    }
    this.set({ recent });
  }

  /** A path chosen with the native dialog (Electron) or the server-side file browser. */
  async choosePath(opts: { kind: 'open' | 'save' | 'path'; title: string; mode: 'file' | 'save' | 'any'; ext?: string[]; dir?: string; name?: string }): Promise<string | null> {
    const native = window.luckygraphNative;
    if (native) {
      const filters = opts.ext?.length ? [{ name: opts.ext.join(', '), extensions: opts.ext }] : [];
      if (opts.mode === 'save') return native.saveDialog({ title: opts.title, defaultPath: opts.dir && opts.name ? `${opts.dir}/${opts.name}` : opts.name, filters });
      return native.openDialog({ title: opts.title, defaultPath: opts.dir, filters, folders: opts.mode === 'any' });
    }
    return new Promise((resolve) => {
      this.set({
        dialog: { kind: opts.kind, title: opts.title, mode: opts.mode, dir: opts.dir ?? this.state.cwd, name: opts.name, ext: opts.ext ?? [], resolve },
      });
    });
  }

  closeDialog(path: string | null): void {
    const d = this.state.dialog;
    this.set({ dialog: null });
    d?.resolve(path);
  }

  // ---- analysis (validation, memory forecast, cache state) ---------------------------------------

  scheduleAnalyze(delay = 120): void {
    if (this.analyzeTimer) clearTimeout(this.analyzeTimer);
    if (!this.state.analysisPending) this.set({ analysisPending: true });
    this.analyzeTimer = setTimeout(() => void this.analyzeNow(), delay);
  }

  private async analyzeNow(): Promise<void> {
    const seq = ++this.analyzeSeq;
    const doc = this.doc;
    try {
      const analysis = await api.analyze(doc, this.state.buffering);
      if (seq !== this.analyzeSeq) return;
      // Outputs the server still holds for unchanged nodes (e.g. after opening a graph again): previews at once.
      let outputs = this.state.outputs;
      for (const [id, o] of Object.entries(analysis.outputs ?? {})) {
        const cur = outputs[id];
        if (!cur || o.rev > cur.rev) outputs = { ...outputs, [id]: o };
      }
      this.set({ analysis, analysisPending: false, outputs });
    } catch (e) {
      if (seq !== this.analyzeSeq) return;
      this.set({
        analysis: { issues: [{ severity: 'error', message: (e as Error).message }], forecast: null, keys: null, cache: null },
        analysisPending: false,
      });
    }
  }

  setBuffering(b: BufferingChoice): void {
    this.set({ buffering: b });
    this.scheduleAnalyze(0);
  }

  issuesOf(node: string): ValidationIssue[] {
    return (this.state.analysis?.issues ?? []).filter((i) => i.node === node);
  }

  // ---- runs ---------------------------------------------------------------------------------------

  async run(): Promise<void> {
    if (this.state.run.state === 'running' || this.state.run.state === 'starting') return;
    this.set({ run: { id: null, state: 'starting' } });
    try {
      const { runId } = await api.run(this.doc, this.state.buffering);
      // run-start may already have arrived over the event stream.
      const now: RunState['state'] = this.getState().run.state;
      if (now === 'starting') this.set({ run: { id: runId, state: 'running' } });
    } catch (e) {
      this.set({ run: { id: null, state: 'error', message: (e as Error).message } });
      this.toast('error', (e as Error).message);
    }
  }

  async cancel(): Promise<void> {
    try {
      await api.cancel();
    } catch (e) {
      this.toast('error', (e as Error).message);
    }
  }

  onServerEvent(e: ServerEvent): void {
    const patchNode = (id: string, p: Partial<NodeRun>) => this.set({ nodeRun: { ...this.state.nodeRun, [id]: { ...(this.state.nodeRun[id] ?? { status: 'pending' }), ...p } } });
    switch (e.type) {
      case 'hello':
        // (Re)connected: adopt a run in progress, or end one the server no longer knows (it restarted).
        if (e.running !== null && this.state.run.state !== 'running') this.set({ run: { id: e.running, state: 'running' } });
        else if (e.running === null && this.state.run.state === 'running') {
          this.set({ run: { ...this.state.run, state: 'error', message: 'the connection to the server was lost during the run' } });
          this.scheduleAnalyze(0);
        }
        return;
      case 'run-start': {
        const nodeRun: Record<string, NodeRun> = {};
        for (const id of e.nodes) nodeRun[id] = { status: 'pending', key: e.keys[id] };
        this.set({ run: { id: e.runId, state: 'running', level: e.level }, nodeRun });
        return;
      }
      case 'node-start':
        patchNode(e.node, { status: 'running', reason: e.reason, progress: null });
        return;
      case 'progress':
        patchNode(e.node, { progress: { done: e.done, total: e.total, etaMs: e.etaMs } });
        return;
      case 'node-finish':
        patchNode(e.node, { status: 'ran', ms: e.ms, progress: null });
        return;
      case 'node-cached':
        patchNode(e.node, { status: 'cached', progress: null });
        return;
      case 'node-error':
        patchNode(e.node, { status: 'error', message: e.message, progress: null });
        return;
      case 'warning':
        this.toast('info', `${e.node}: ${e.message}`);
        return;
      case 'run-finish': {
        const nodeRun: Record<string, NodeRun> = { ...this.state.nodeRun };
        for (const n of e.nodes) {
          nodeRun[n.id] = {
            status: n.status,
            ms: n.ms,
            ...(n.reason ? { reason: n.reason } : {}),
            ...(n.error ? { message: n.error } : {}),
            key: e.keys[n.id],
            progress: null,
          };
        }
        for (const [id, r] of Object.entries(nodeRun)) if (r.status === 'pending' || r.status === 'running') nodeRun[id] = { ...r, status: 'not-run', progress: null };
        const outputs = { ...this.state.outputs };
        for (const [id, o] of Object.entries(e.outputs)) outputs[id] = o;
        const state: RunState['state'] = e.cancelled ? 'cancelled' : e.ok ? 'done' : 'error';
        this.set({ nodeRun, outputs, run: { id: e.runId, state, ms: e.ms, level: e.level, ...(e.error ? { message: e.error } : {}) } });
        if (e.error) this.toast('error', e.error);
        this.autoCompare();
        this.scheduleAnalyze(0);
        return;
      }
    }
  }

  // ---- viewers ---------------------------------------------------------------------------------

  openViewer(node: string, port: string): void {
    this.set({ viewer: { node, port }, bottomTab: 'viewer', bottomOpen: true });
  }

  setCompare(slot: 'a' | 'b', ref: ImageRef | null): void {
    this.set({ compare: { ...this.state.compare, [slot]: ref }, bottomTab: 'compare', bottomOpen: true });
  }

  /** Image outputs available for A/B, in document order. */
  imageOutputs(): ImageRef[] {
    const out: ImageRef[] = [];
    for (const id of Object.keys(this.doc.nodes)) {
      const o = this.state.outputs[id];
      if (!o) continue;
      for (const [port, info] of Object.entries(o.ports)) if (info.type === 'image' && info.image) out.push({ node: id, port });
    }
    return out;
  }

  /** After a run, pick two image outputs for A/B when none are chosen (two Blend branches if present). */
  private autoCompare(): void {
    const c = this.state.compare;
    const imgs = this.imageOutputs();
    const valid = (r: ImageRef | null) => !!r && imgs.some((i) => i.node === r.node && i.port === r.port);
    if (valid(c.a) && valid(c.b)) return;
    const blends = imgs.filter((i) => this.doc.nodes[i.node]?.type === 'Blend');
    const pool = blends.length >= 2 ? blends : imgs;
    if (pool.length < 2) return;
    this.set({ compare: { ...c, a: pool[0], b: pool[pool.length - 1] } });
  }

  // ---- node display ----------------------------------------------------------------------------

  /** What a node's badge shows: the last run's status while the node's key is unchanged, else cached/dirty. */
  displayStatus(id: string): { status: DisplayStatus; ms?: number; message?: string; progress?: NodeRun['progress']; reason?: string; stale: boolean } {
    const s = this.state;
    const r = s.nodeRun[id];
    const key = s.analysis?.keys?.[id];
    const cacheState = s.analysis?.cache?.[id];
    const runActive = s.run.state === 'running';
    if (r && (r.status === 'running')) return { status: 'running', progress: r.progress, reason: r.reason, stale: true };
    // Before the first analysis the last run's status stands; an invalid graph (no keys) shows dirty.
    const sameKey = !!r?.key && (s.analysis === null || (!!s.analysis.keys && r.key === key));
    if (r && sameKey && (r.status === 'ran' || r.status === 'cached' || r.status === 'error')) {
      return { status: r.status, ms: r.ms, message: r.message, reason: r.reason, stale: false };
    }
    const stale = !this.state.outputs[id] || this.state.outputs[id].key !== key;
    if (runActive && r?.status === 'pending') return { status: cacheState === 'cached' ? 'cached' : 'dirty', stale };
    return { status: cacheState === 'cached' ? 'cached' : 'dirty', stale };
  }
}

// ---- React binding ------------------------------------------------------------------------------

let current: EditorStore | null = null;

export function setStore(s: EditorStore): void {
  current = s;
}

export function getStore(): EditorStore {
  if (!current) throw new Error('editor store not initialised');
  return current;
}

function shallowEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

/** Reads a slice of the state; re-renders only when the slice changes (shallow). */
export function useStore<T>(select: (s: UiState, store: EditorStore) => T): T {
  const store = getStore();
  const cache = useRef<{ state: UiState; value: T } | null>(null);
  const get = () => {
    const st = store.state;
    const c = cache.current;
    if (c && c.state === st) return c.value;
    const v = select(st, store);
    if (c && shallowEqual(c.value, v)) {
      c.state = st;
      return c.value;
    }
    cache.current = { state: st, value: v };
    return v;
  };
  return useSyncExternalStore(store.subscribe, get, get);
}

declare global {
  interface Window {
    /** Present in the Electron shell (preload bridge): native file dialogs. */
    luckygraphNative?: NativeBridge;
    /** Test and debugging handle. */
    __luckygraph?: { store: EditorStore; getDoc(): GraphDoc };
  }
}
