/**
 * Document edits as immer commands with patches, and an undo/redo history built on the inverse patches.
 * Every command takes the current (immutable) document and returns a new one plus patches, or a refusal with a reason.
 */
import { applyPatches, enablePatches, freeze, produceWithPatches, type Patch } from 'immer';
import type { NodeRegistry } from './registry.ts';
import { downstreamOf } from './topology.ts';
import type { GraphDoc, NodeDoc } from './types.ts';
import { isRecord, isValidId, parseRef } from './util.ts';

enablePatches();

export type { Patch } from 'immer';

export type EditResult =
  | { ok: true; doc: GraphDoc; patches: Patch[]; inverse: Patch[]; /** id of a created node (addNode, duplicateNode, renameNode) */ id?: string }
  | { ok: false; reason: string };

/** A document edit; bind its arguments, e.g. `(d) => setParam(d, 'rank', 'method', 'Sobel')`. */
export type Command = (doc: GraphDoc) => EditResult;

function refuse(reason: string): EditResult {
  return { ok: false, reason };
}

/** Runs an arbitrary recipe on a draft (the building block of every command). */
export function edit(doc: GraphDoc, recipe: (draft: GraphDoc) => void, id?: string): EditResult {
  const [next, patches, inverse] = produceWithPatches(doc, (d: GraphDoc) => {
    recipe(d);
  });
  return { ok: true, doc: next as GraphDoc, patches, inverse, ...(id !== undefined ? { id } : {}) };
}

function hasNode(doc: GraphDoc, id: string): boolean {
  return isRecord(doc.nodes) && Object.prototype.hasOwnProperty.call(doc.nodes, id);
}

/**
 * Deletes `owner[ownerKey][key]` so that the inverse patches restore the original key order: the last key is simply
 * deleted; any other key is removed by replacing `owner[ownerKey]` with a copy without it (its inverse is a replace
 * with the original object). Key order matters: it is the order of the YAML file.
 */
function deleteOrdered(owner: Record<string, unknown>, ownerKey: string, key: string): void {
  const obj = owner[ownerKey];
  if (!isRecord(obj) || !Object.prototype.hasOwnProperty.call(obj, key)) return;
  const keys = Object.keys(obj);
  if (keys[keys.length - 1] === key) {
    delete obj[key];
    return;
  }
  const copy: Record<string, unknown> = {};
  for (const k of keys) if (k !== key) copy[k] = obj[k];
  owner[ownerKey] = copy;
}

function copyValue<T>(v: T): T {
  return v === undefined ? v : (structuredClone(v) as T);
}

/** Sets a parameter; `value === undefined` removes it (back to the default). Values are not validated here. */
export function setParam(doc: GraphDoc, node: string, param: string, value: unknown): EditResult {
  if (!hasNode(doc, node)) return refuse(`no node '${node}'`);
  if (!param) return refuse('empty parameter name');
  const cur = doc.nodes[node].params;
  if (value === undefined && !(isRecord(cur) && param in cur)) return edit(doc, () => {});
  return edit(doc, (d) => {
    if (value === undefined) {
      deleteOrdered(d.nodes[node], 'params', param);
      if (isRecord(d.nodes[node].params) && !Object.keys(d.nodes[node].params!).length) deleteOrdered(d.nodes, node, 'params');
      return;
    }
    const n = d.nodes[node];
    if (!isRecord(n.params)) n.params = {};
    n.params[param] = copyValue(value);
  });
}

/** Adds a node (params are stored as given: only non-defaults need be). Pass the definition's version to record it. */
export function addNode(
  doc: GraphDoc,
  id: string,
  type: string,
  params?: Record<string, unknown>,
  position?: [number, number],
  version?: number,
): EditResult {
  if (!isValidId(id)) return refuse(`invalid node id '${id}': use letters, digits, '_' or '-', starting with a letter or '_'`);
  if (hasNode(doc, id)) return refuse(`a node '${id}' already exists`);
  if (!type) return refuse('empty node type');
  if (position && !validPosition(position)) return refuse(`invalid position ${JSON.stringify(position)}`);
  return edit(
    doc,
    (d) => {
      const n: NodeDoc = { type };
      if (version !== undefined) n.version = version;
      if (params && Object.keys(params).length) n.params = copyValue(params);
      d.nodes[id] = n;
      if (position) {
        if (!isRecord(d.layout)) d.layout = {};
        d.layout![id] = [position[0], position[1]];
      }
    },
    id,
  );
}

/** Removes a node, its layout entry and every input that referenced it. */
export function removeNode(doc: GraphDoc, id: string): EditResult {
  if (!hasNode(doc, id)) return refuse(`no node '${id}'`);
  return edit(doc, (d) => {
    for (const other of Object.keys(d.nodes)) {
      if (other === id || !isRecord(d.nodes[other]) || !isRecord(d.nodes[other].inputs)) continue;
      for (const [port, ref] of Object.entries(d.nodes[other].inputs!)) {
        if (parseRef(ref)?.node === id) deleteOrdered(d.nodes[other], 'inputs', port);
      }
      if (!Object.keys(d.nodes[other].inputs!).length) deleteOrdered(d.nodes, other, 'inputs');
    }
    deleteOrdered(d, 'nodes', id);
    if (isRecord(d.layout)) deleteOrdered(d, 'layout', id);
  });
}

function uniqueId(doc: GraphDoc, base: string): string {
  const stem = base.replace(/_\d+$/, '');
  for (let i = 2; ; i++) {
    const c = `${stem}_${i}`;
    if (!hasNode(doc, c)) return c;
  }
}

/**
 * Copies a node (type, version, params, inputs and unknown keys) under `newId` (default: "<id>_2", "<id>_3", …),
 * placed `offset` from the original when it has a layout position. Outputs of the original are not rewired.
 */
export function duplicateNode(doc: GraphDoc, id: string, newId?: string, offset: [number, number] = [40, 40]): EditResult {
  if (!hasNode(doc, id)) return refuse(`no node '${id}'`);
  const target = newId ?? uniqueId(doc, id);
  if (!isValidId(target)) return refuse(`invalid node id '${target}'`);
  if (hasNode(doc, target)) return refuse(`a node '${target}' already exists`);
  const copy = structuredClone(doc.nodes[id]);
  const pos = isRecord(doc.layout) ? doc.layout[id] : undefined;
  return edit(
    doc,
    (d) => {
      d.nodes[target] = copy;
      if (pos && validPosition(pos)) d.layout![target] = [pos[0] + offset[0], pos[1] + offset[1]];
    },
    target,
  );
}

/** Renames a node, keeping its place in the document and rewriting references and layout. */
export function renameNode(doc: GraphDoc, id: string, newId: string): EditResult {
  if (!hasNode(doc, id)) return refuse(`no node '${id}'`);
  if (id === newId) return edit(doc, () => {}, id);
  if (!isValidId(newId)) return refuse(`invalid node id '${newId}'`);
  if (hasNode(doc, newId)) return refuse(`a node '${newId}' already exists`);
  return edit(
    doc,
    (d) => {
      const nodes: Record<string, NodeDoc> = {};
      for (const [k, n] of Object.entries(d.nodes)) nodes[k === id ? newId : k] = n;
      d.nodes = nodes;
      for (const n of Object.values(d.nodes)) {
        if (!isRecord(n) || !isRecord(n.inputs)) continue;
        for (const [port, ref] of Object.entries(n.inputs)) {
          const r = parseRef(ref);
          if (r?.node === id) n.inputs[port] = `${newId}.${r.port}`;
        }
      }
      if (isRecord(d.layout) && id in d.layout) {
        const layout: Record<string, [number, number]> = {};
        for (const [k, p] of Object.entries(d.layout)) layout[k === id ? newId : k] = p;
        d.layout = layout;
      }
    },
    newId,
  );
}

/**
 * Why connecting `from` ("node.output") to `to` ("node.input") is not allowed, or null when it is.
 * The one type/cycle check shared by connect() and the editor's connection preview.
 */
export function connectionProblem(doc: GraphDoc, registry: NodeRegistry, from: string, to: string): string | null {
  const f = parseRef(from);
  const t = parseRef(to);
  if (!f) return `'${from}' is not a 'node.port' reference`;
  if (!t) return `'${to}' is not a 'node.port' reference`;
  if (!hasNode(doc, f.node)) return `no node '${f.node}'`;
  if (!hasNode(doc, t.node)) return `no node '${t.node}'`;
  const fd = registry.get(doc.nodes[f.node].type);
  const td = registry.get(doc.nodes[t.node].type);
  if (!fd) return `node '${f.node}' has unknown type '${doc.nodes[f.node].type}'`;
  if (!td) return `node '${t.node}' has unknown type '${doc.nodes[t.node].type}'`;
  const out = Object.prototype.hasOwnProperty.call(fd.outputs, f.port) ? fd.outputs[f.port] : undefined;
  const inp = Object.prototype.hasOwnProperty.call(td.inputs, t.port) ? td.inputs[t.port] : undefined;
  if (!out) return `${fd.type} '${f.node}' has no output '${f.port}'; outputs: ${Object.keys(fd.outputs).join(', ') || 'none'}`;
  if (!inp) return `${td.type} '${t.node}' has no input '${t.port}'; inputs: ${Object.keys(td.inputs).join(', ') || 'none'}`;
  if (out.type !== inp.type) return `${t.node}.${t.port} expects ${inp.type} but ${f.node}.${f.port} gives ${out.type}`;
  if (f.node === t.node) return `node '${f.node}' cannot feed its own input (cycle ${f.node} → ${f.node})`;
  if (downstreamOf(doc, t.node).includes(f.node)) return `it would create a cycle: '${f.node}' already depends on '${t.node}'`;
  return null;
}

/** Connects an output to an input (replacing the input's current connection). Refused on type mismatch or a cycle. */
export function connect(doc: GraphDoc, registry: NodeRegistry, from: string, to: string): EditResult {
  const problem = connectionProblem(doc, registry, from, to);
  if (problem) return refuse(`cannot connect ${from} → ${to}: ${problem}`);
  const f = parseRef(from)!;
  const t = parseRef(to)!;
  const ref = `${f.node}.${f.port}`;
  return edit(doc, (d) => {
    const n = d.nodes[t.node];
    if (!isRecord(n.inputs)) n.inputs = {};
    if (n.inputs[t.port] !== ref) n.inputs[t.port] = ref;
  });
}

/** Removes the connection into input `to` ("node.port"). */
export function disconnect(doc: GraphDoc, to: string): EditResult {
  const t = parseRef(to);
  if (!t) return refuse(`'${to}' is not a 'node.port' reference`);
  if (!hasNode(doc, t.node)) return refuse(`no node '${t.node}'`);
  const inputs = doc.nodes[t.node].inputs;
  if (!isRecord(inputs) || inputs[t.port] === undefined) return refuse(`input ${to} is not connected`);
  return edit(doc, (d) => {
    deleteOrdered(d.nodes[t.node], 'inputs', t.port);
    if (!Object.keys(d.nodes[t.node].inputs!).length) deleteOrdered(d.nodes, t.node, 'inputs');
  });
}

function validPosition(p: unknown): p is [number, number] {
  return Array.isArray(p) && p.length === 2 && p.every((x) => typeof x === 'number' && Number.isFinite(x));
}

/** Sets a node's editor position. */
export function moveNode(doc: GraphDoc, id: string, position: [number, number]): EditResult {
  if (!hasNode(doc, id)) return refuse(`no node '${id}'`);
  if (!validPosition(position)) return refuse(`invalid position ${JSON.stringify(position)}`);
  return edit(doc, (d) => {
    if (!isRecord(d.layout)) d.layout = {};
    const cur = d.layout![id];
    if (!cur || cur[0] !== position[0] || cur[1] !== position[1]) d.layout![id] = [position[0], position[1]];
  });
}

export interface HistoryEntry {
  label?: string;
  patches: Patch[];
  inverse: Patch[];
  mergeKey?: string;
  serial: number;
}

export interface HistoryEvent {
  kind: 'apply' | 'undo' | 'redo' | 'reset';
  doc: GraphDoc;
  /** The document before the change (adapters may diff it against `doc` instead of reading patches). */
  previous: GraphDoc;
  /** Patches that turned the previous document into `doc` (empty on reset). */
  patches: Patch[];
  label?: string;
}

export type HistoryListener = (event: HistoryEvent) => void;

export interface ApplyOptions {
  /** Shown as "Undo <label>". */
  label?: string;
  /** Consecutive applies with the same key merge into one undo step (dragging a node, scrubbing a slider). */
  mergeKey?: string;
}

/** The current document with undo/redo over immer patches and change listeners. Documents are frozen. */
export class GraphHistory {
  private current: GraphDoc;
  private undoStack: HistoryEntry[] = [];
  private redoStack: HistoryEntry[] = [];
  private listeners = new Set<HistoryListener>();
  private serial = 0;
  private savedSerial = 0;
  /** Identity of the state below the oldest undo entry. */
  private baseSerial = 0;
  private mergeOpen = false;
  readonly limit: number;

  constructor(doc: GraphDoc, options: { limit?: number } = {}) {
    this.current = freeze(doc, true);
    this.limit = options.limit ?? 500;
  }

  get doc(): GraphDoc {
    return this.current;
  }

  /** Applies a command; refused commands change nothing and are returned as is. Empty edits add no undo step. */
  apply(command: Command, options: ApplyOptions = {}): EditResult {
    const r = command(this.current);
    if (!r.ok) return r;
    if (!r.patches.length) return r;
    const previous = this.current;
    this.current = r.doc;
    this.redoStack = [];
    const top = this.undoStack[this.undoStack.length - 1];
    if (options.mergeKey !== undefined && this.mergeOpen && top && top.mergeKey === options.mergeKey) {
      top.patches = [...top.patches, ...r.patches];
      top.inverse = [...r.inverse, ...top.inverse];
      top.serial = ++this.serial;
    } else {
      this.undoStack.push({ label: options.label, patches: r.patches, inverse: r.inverse, mergeKey: options.mergeKey, serial: ++this.serial });
      if (this.undoStack.length > this.limit) {
        const dropped = this.undoStack.splice(0, this.undoStack.length - this.limit);
        this.baseSerial = dropped[dropped.length - 1].serial;
      }
    }
    this.mergeOpen = options.mergeKey !== undefined;
    this.emit({ kind: 'apply', doc: this.current, previous, patches: r.patches, label: options.label });
    return r;
  }

  /** Ends merging so that the next apply with the same mergeKey starts a new undo step (call on drag end). */
  commit(): void {
    this.mergeOpen = false;
  }

  canUndo(): boolean {
    return this.undoStack.length > 0;
  }

  canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  undoLabel(): string | undefined {
    return this.undoStack[this.undoStack.length - 1]?.label;
  }

  redoLabel(): string | undefined {
    return this.redoStack[this.redoStack.length - 1]?.label;
  }

  undo(): boolean {
    const e = this.undoStack.pop();
    if (!e) return false;
    const previous = this.current;
    this.current = applyPatches(this.current, e.inverse);
    this.redoStack.push(e);
    this.mergeOpen = false;
    this.emit({ kind: 'undo', doc: this.current, previous, patches: e.inverse, label: e.label });
    return true;
  }

  redo(): boolean {
    const e = this.redoStack.pop();
    if (!e) return false;
    const previous = this.current;
    this.current = applyPatches(this.current, e.patches);
    this.undoStack.push(e);
    this.mergeOpen = false;
    this.emit({ kind: 'redo', doc: this.current, previous, patches: e.patches, label: e.label });
    return true;
  }

  /** Replaces the document (e.g. after loading a file) and clears the history. */
  reset(doc: GraphDoc): void {
    const previous = this.current;
    this.current = freeze(doc, true);
    this.undoStack = [];
    this.redoStack = [];
    this.mergeOpen = false;
    this.baseSerial = this.savedSerial = ++this.serial;
    this.emit({ kind: 'reset', doc: this.current, previous, patches: [] });
  }

  /** Marks the current document as saved (for the dirty flag). */
  markSaved(): void {
    this.savedSerial = this.topSerial();
  }

  /** True when the document differs from the last markSaved()/reset() state by the history's reckoning. */
  get dirty(): boolean {
    return this.topSerial() !== this.savedSerial;
  }

  /** Identity of the current state: the serial of the top undo entry, or of the base state when the stack is empty. */
  private topSerial(): number {
    return this.undoStack[this.undoStack.length - 1]?.serial ?? this.baseSerial;
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: HistoryListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private emit(event: HistoryEvent): void {
    for (const l of [...this.listeners]) l(event);
  }
}
