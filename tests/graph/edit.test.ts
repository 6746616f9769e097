import { applyPatches } from 'immer';
import { describe, expect, it } from 'vitest';
import {
  addNode,
  connect,
  connectionProblem,
  disconnect,
  duplicateNode,
  GraphHistory,
  moveNode,
  removeNode,
  renameNode,
  setParam,
  type EditResult,
  type HistoryEvent,
} from '../../src/graph/edit.ts';
import type { GraphDoc } from '../../src/graph/types.ts';
import { validateGraph } from '../../src/graph/validate.ts';
import { parseGraphYaml, stringifyGraph } from '../../src/graph/yaml.ts';
import { SAMPLE_YAML, testRegistry } from './fixtures.ts';

const registry = testRegistry();
const fresh = (): GraphDoc => parseGraphYaml(SAMPLE_YAML);

function ok(r: EditResult): GraphDoc {
  if (!r.ok) throw new Error(`refused: ${r.reason}`);
  return r.doc;
}

describe('edit commands', () => {
  it('setParam sets and resets a parameter without mutating the input', () => {
    const doc = fresh();
    const r = setParam(doc, 'rank', 'method', 'Laplace');
    const next = ok(r);
    expect(next.nodes.rank.params).toEqual({ method: 'Laplace' });
    expect(doc.nodes.rank.params).toEqual({ method: 'Sobel' });
    expect(next.nodes.source).toBe(doc.nodes.source); // structural sharing
    expect(r.ok && r.patches).toEqual([{ op: 'replace', path: ['nodes', 'rank', 'params', 'method'], value: 'Laplace' }]);
    const reset = ok(setParam(next, 'rank', 'method', undefined));
    expect(reset.nodes.rank.params).toBeUndefined();
    expect(setParam(doc, 'nope', 'x', 1)).toEqual({ ok: false, reason: "no node 'nope'" });
  });

  it('addNode, moveNode and duplicateNode', () => {
    const doc = fresh();
    const added = addNode(doc, 'blur', 'TestBlur', { radius: 2 }, [960, 0], 2);
    expect(added.ok && added.id).toBe('blur');
    let d = ok(added);
    expect(d.nodes.blur).toEqual({ type: 'TestBlur', version: 2, params: { radius: 2 } });
    expect(d.layout!.blur).toEqual([960, 0]);
    expect(addNode(d, 'blur', 'TestBlur')).toEqual({ ok: false, reason: "a node 'blur' already exists" });
    expect(addNode(d, 'a.b', 'TestBlur').ok).toBe(false);
    d = ok(moveNode(d, 'blur', [10, 20]));
    expect(d.layout!.blur).toEqual([10, 20]);
    const dup = duplicateNode(d, 'rank');
    expect(dup.ok && dup.id).toBe('rank_2');
    d = ok(dup);
    expect(d.nodes.rank_2).toEqual(d.nodes.rank);
    expect(d.nodes.rank_2).not.toBe(d.nodes.rank);
    expect(d.layout!.rank_2).toEqual([280, 40]);
    expect(ok(duplicateNode(d, 'rank_2')).nodes.rank_3).toBeDefined();
  });

  it('removeNode also removes inputs referencing it and its layout', () => {
    const d = ok(removeNode(fresh(), 'rank'));
    expect(d.nodes.rank).toBeUndefined();
    expect(d.layout!.rank).toBeUndefined();
    expect(d.nodes.mean.inputs).toEqual({ frames: 'source.frames' });
    const d2 = ok(removeNode(d, 'mean'));
    expect(d2.nodes.save.inputs).toBeUndefined();
    expect(validateGraph(d2, registry).map((i) => `${i.node}.${i.port}`)).toEqual(['save.image']);
  });

  it('renameNode keeps document order and rewrites references', () => {
    const d = ok(renameNode(fresh(), 'source', 'src'));
    expect(Object.keys(d.nodes)).toEqual(['src', 'rank', 'mean', 'save']);
    expect(d.nodes.mean.inputs).toEqual({ frames: 'src.frames', ranking: 'rank.ranking' });
    expect(Object.keys(d.layout!)).toEqual(['src', 'rank', 'mean', 'save']);
    expect(validateGraph(d, registry)).toEqual([]);
  });

  it('connect replaces an input connection when the types match', () => {
    let d = ok(addNode(fresh(), 'src2', 'TestSource'));
    d = ok(connect(d, registry, 'src2.frames', 'rank.frames'));
    expect(d.nodes.rank.inputs).toEqual({ frames: 'src2.frames' });
    d = ok(disconnect(d, 'rank.frames'));
    expect(d.nodes.rank.inputs).toBeUndefined();
    expect(disconnect(d, 'rank.frames')).toEqual({ ok: false, reason: 'input rank.frames is not connected' });
  });

  it('connect is refused on mismatched port types, with the reason', () => {
    const doc = fresh();
    const r = connect(doc, registry, 'mean.image', 'rank.frames');
    expect(r).toEqual({ ok: false, reason: 'cannot connect mean.image → rank.frames: rank.frames expects frames but mean.image gives image' });
    expect(connectionProblem(doc, registry, 'mean.image', 'rank.frames')).toBe('rank.frames expects frames but mean.image gives image');
    expect(connectionProblem(doc, registry, 'source.frames', 'rank.frames')).toBeNull();
    const np = connect(doc, registry, 'source.nope', 'rank.frames');
    expect(!np.ok && np.reason).toContain("TestSource 'source' has no output 'nope'; outputs: frames");
  });

  it('connect is refused when it would create a cycle', () => {
    let d = ok(addNode(fresh(), 'c', 'TestCombine'));
    d = ok(connect(d, registry, 'mean.image', 'c.a'));
    d = ok(addNode(d, 'b', 'TestBlur'));
    d = ok(connect(d, registry, 'c.image', 'b.image'));
    const r = connect(d, registry, 'b.image', 'c.b');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toBe("cannot connect b.image → c.b: it would create a cycle: 'b' already depends on 'c'");
    const self = connect(d, registry, 'b.image', 'b.image');
    expect(!self.ok && self.reason).toContain('cannot feed its own input');
  });
});

describe('GraphHistory', () => {
  it('undo/redo restore identical documents', () => {
    const start = fresh();
    const snapshot = structuredClone(start);
    const h = new GraphHistory(start);
    expect(h.canUndo()).toBe(false);
    const states: GraphDoc[] = [structuredClone(h.doc)];
    const commands = [
      (d: GraphDoc) => setParam(d, 'source', 'count', 9),
      (d: GraphDoc) => addNode(d, 'blur', 'TestBlur', { radius: 3 }, [960, 0], 2),
      (d: GraphDoc) => connect(d, registry, 'mean.image', 'blur.image'),
      (d: GraphDoc) => duplicateNode(d, 'blur'),
      (d: GraphDoc) => moveNode(d, 'source', [-50, 25]),
      (d: GraphDoc) => removeNode(d, 'rank'),
      (d: GraphDoc) => renameNode(d, 'mean', 'avg'),
      (d: GraphDoc) => disconnect(d, 'save.image'),
    ];
    for (const c of commands) {
      expect(h.apply(c).ok).toBe(true);
      states.push(structuredClone(h.doc));
    }
    for (let i = commands.length - 1; i >= 0; i--) {
      expect(h.undo()).toBe(true);
      expect(h.doc).toEqual(states[i]);
      expect(stringifyGraph(h.doc)).toBe(stringifyGraph(states[i]));
    }
    expect(h.undo()).toBe(false);
    expect(h.doc).toEqual(snapshot);
    for (let i = 1; i <= commands.length; i++) {
      expect(h.redo()).toBe(true);
      expect(h.doc).toEqual(states[i]);
    }
    expect(h.canRedo()).toBe(false);
  });

  it('undo keeps key order (the YAML file order) and event patches replay onto the previous document', () => {
    const h = new GraphHistory(fresh());
    const replayed: boolean[] = [];
    h.subscribe((e) => replayed.push(JSON.stringify(applyPatches(e.previous, e.patches)) === JSON.stringify(e.doc)));
    const before = stringifyGraph(h.doc);
    expect(h.apply((d) => disconnect(d, 'mean.frames')).ok).toBe(true);
    expect(h.apply((d) => removeNode(d, 'source')).ok).toBe(true);
    h.apply((d) => setParam(d, 'rank', 'method', undefined));
    h.undo();
    h.undo();
    h.undo();
    expect(Object.keys(h.doc.nodes)).toEqual(['source', 'rank', 'mean', 'save']);
    expect(Object.keys(h.doc.nodes.mean.inputs!)).toEqual(['frames', 'ranking']);
    expect(Object.keys(h.doc.nodes.rank)).toEqual(['type', 'inputs', 'params']);
    expect(Object.keys(h.doc.layout!)).toEqual(['source', 'rank', 'mean', 'save']);
    expect(stringifyGraph(h.doc)).toBe(before);
    h.redo();
    expect(replayed).toEqual([true, true, true, true, true, true, true]);
  });

  it('refused commands and no-op edits leave the history alone; a new edit clears redo', () => {
    const h = new GraphHistory(fresh());
    const r = h.apply((d) => connect(d, registry, 'mean.image', 'rank.frames'));
    expect(r.ok).toBe(false);
    expect(h.canUndo()).toBe(false);
    h.apply((d) => moveNode(d, 'source', [0, 0])); // already there
    expect(h.canUndo()).toBe(false);
    h.apply((d) => setParam(d, 'rank', 'method', 'Laplace'), { label: 'Set method' });
    expect(h.undoLabel()).toBe('Set method');
    h.undo();
    expect(h.canRedo()).toBe(true);
    h.apply((d) => setParam(d, 'source', 'count', 2));
    expect(h.canRedo()).toBe(false);
  });

  it('notifies listeners and merges consecutive edits with the same mergeKey', () => {
    const h = new GraphHistory(fresh());
    const events: HistoryEvent['kind'][] = [];
    const off = h.subscribe((e) => events.push(e.kind));
    for (let x = 1; x <= 5; x++) h.apply((d) => moveNode(d, 'save', [720 + x, 0]), { mergeKey: 'drag:save' });
    h.commit();
    h.apply((d) => moveNode(d, 'save', [800, 0]), { mergeKey: 'drag:save' });
    expect(h.doc.layout!.save).toEqual([800, 0]);
    h.undo();
    expect(h.doc.layout!.save).toEqual([725, 0]);
    h.undo();
    expect(h.doc.layout!.save).toEqual([720, 0]);
    expect(h.canUndo()).toBe(false);
    off();
    h.redo();
    expect(events).toEqual(['apply', 'apply', 'apply', 'apply', 'apply', 'apply', 'undo', 'undo']);
  });

  it('tracks the dirty flag across save, undo and redo', () => {
    const h = new GraphHistory(fresh());
    expect(h.dirty).toBe(false);
    h.apply((d) => setParam(d, 'source', 'count', 2));
    expect(h.dirty).toBe(true);
    h.markSaved();
    expect(h.dirty).toBe(false);
    h.undo();
    expect(h.dirty).toBe(true);
    h.redo();
    expect(h.dirty).toBe(false);
    h.reset(fresh());
    expect(h.dirty).toBe(false);
    expect(h.canUndo()).toBe(false);
  });

  it('keeps documents immutable', () => {
    const h = new GraphHistory(fresh());
    h.apply((d) => setParam(d, 'source', 'count', 2));
    expect(() => {
      (h.doc.nodes.source.params as Record<string, unknown>).count = 3;
    }).toThrow(TypeError);
  });
});
