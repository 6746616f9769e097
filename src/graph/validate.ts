/** Checks a graph document against the registry and reports every problem at once. */
import { migrateParams } from './migrate.ts';
import { resolveParams } from './params.ts';
import type { NodeRegistry } from './registry.ts';
import { locateIssue } from './source-map.ts';
import { findCycles, formatCycle } from './topology.ts';
import { GRAPH_FORMAT, GraphError, type GraphDoc, type NodeDefinition, type ValidationIssue } from './types.ts';
import { closest, describeValue, didYouMean, isRecord, isValidId, parseRef } from './util.ts';

const NODE_KEYS = ['type', 'version', 'params', 'inputs'];

interface NodeInfo {
  id: string;
  node: Record<string, unknown>;
  def?: NodeDefinition;
}

/**
 * Every problem of `doc` (errors and warnings), in document order: format tag, node types and versions, parameters
 * (unknown, wrong type, out of range, not a choice, wrong list length, cross-parameter checks), inputs (unknown port,
 * malformed reference, unknown node or output, port type mismatch), required inputs not connected, cycles, layout.
 * Nodes older than their definition are checked after migrating their params in memory.
 */
export function validateGraph(doc: unknown, registry: NodeRegistry): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const err = (i: Omit<ValidationIssue, 'severity'>) => issues.push({ severity: 'error', ...i });
  const warn = (i: Omit<ValidationIssue, 'severity'>) => issues.push({ severity: 'warning', ...i });

  if (!isRecord(doc)) {
    err({ message: `graph: expected a mapping with 'format' and 'nodes'; found ${describeValue(doc)}` });
    return issues;
  }
  if (doc.format === undefined) err({ message: `graph: missing format tag; expected 'format: ${GRAPH_FORMAT}'` });
  else if (doc.format !== GRAPH_FORMAT) err({ message: `graph: expected format '${GRAPH_FORMAT}'; found ${describeValue(doc.format)}` });
  for (const key of ['name', 'description']) {
    if (doc[key] !== undefined && typeof doc[key] !== 'string') {
      warn({ message: `graph: expected '${key}' to be a string; found ${describeValue(doc[key])}` });
    }
  }
  if (!isRecord(doc.nodes)) {
    err({ message: `graph: expected 'nodes' to be a mapping of node id → node; found ${describeValue(doc.nodes)}` });
    return issues;
  }
  const ids = Object.keys(doc.nodes);
  if (!ids.length) warn({ message: 'graph: has no nodes' });

  // Pass 1: node shape, type, version, params.
  const infos = new Map<string, NodeInfo>();
  for (const id of ids) {
    const node = doc.nodes[id];
    const where = `node '${id}'`;
    if (!isValidId(id)) {
      err({ node: id, message: `${where}: invalid node id; expected letters, digits, '_' or '-' starting with a letter or '_' (no '.'); found '${id}'` });
    }
    if (!isRecord(node)) {
      err({ node: id, message: `${where}: expected a mapping with 'type'; found ${describeValue(node)}` });
      continue;
    }
    const info: NodeInfo = { id, node };
    infos.set(id, info);
    for (const key of Object.keys(node)) {
      if (NODE_KEYS.includes(key)) continue;
      const near = closest(key, NODE_KEYS);
      if (near && !(near in node)) warn({ node: id, message: `${where}: unknown key '${key}' is kept but ignored (did you mean '${near}'?)` });
    }
    if (typeof node.type !== 'string' || !node.type) {
      err({ node: id, message: `${where}: expected 'type' naming a node type; found ${describeValue(node.type)}` });
      continue;
    }
    const def = registry.get(node.type);
    if (!def) {
      err({ node: id, message: `${where}: expected a known node type; found '${node.type}'${didYouMean(node.type, registry.types())}` });
      continue;
    }
    info.def = def;
    let params: unknown = node.params;
    let migratedFrom: number | undefined;
    const v = node.version;
    if (v !== undefined) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
        err({ node: id, message: `${where}: expected 'version' to be an integer >= 1; found ${describeValue(v)}` });
      } else if (v > def.version) {
        err({
          node: id,
          message: `${where}: expected ${def.type} version <= ${def.version} (the newest this build knows); found version ${v} (saved by a newer luckygraph?)`,
        });
        continue; // params of an unknown future version cannot be checked meaningfully
      } else if (v < def.version) {
        warn({ node: id, message: `${where}: ${def.type} version ${v} is older than the current version ${def.version}; it will be migrated` });
        if (params === undefined || isRecord(params)) {
          try {
            params = migrateParams(def, params as Record<string, unknown> | undefined, v, id);
            migratedFrom = v;
          } catch (e) {
            err({ node: id, message: (e as Error).message });
            continue;
          }
        }
      }
    }
    const paramIssues = resolveParams(def, params, id).issues;
    if (migratedFrom !== undefined) for (const i of paramIssues) i.message += ` (after migrating the params from version ${migratedFrom})`;
    issues.push(...paramIssues);
  }

  // Pass 2: inputs.
  for (const info of infos.values()) {
    const { id, node, def } = info;
    if (!def) continue;
    const inputs = node.inputs;
    if (inputs !== undefined && inputs !== null && !isRecord(inputs)) {
      err({ node: id, message: `node '${id}': expected 'inputs' to be a mapping of input port → 'node.port'; found ${describeValue(inputs)}` });
      continue;
    }
    const given = isRecord(inputs) ? inputs : {};
    const portNames = Object.keys(def.inputs);
    for (const [port, ref] of Object.entries(given)) {
      const where = `node '${id}' port '${port}'`;
      const spec = def.inputs[port];
      if (!spec || !Object.prototype.hasOwnProperty.call(def.inputs, port)) {
        const list = portNames.length ? `expected one of ${portNames.join(', ')}` : `${def.type} has no inputs`;
        err({ node: id, port, message: `${where}: unknown input of ${def.type}; ${list}${didYouMean(port, portNames)}` });
        continue;
      }
      const from = parseRef(ref);
      if (!from) {
        let hint = '';
        if (typeof ref === 'string' && isRecord(doc.nodes[ref])) {
          const src = infos.get(ref)?.def;
          const match = src && Object.entries(src.outputs).filter(([, o]) => o.type === spec.type);
          if (match && match.length === 1) hint = ` (did you mean '${ref}.${match[0][0]}'?)`;
        }
        err({ node: id, port, message: `${where}: expected a reference 'node.port' to a ${spec.type} output; found ${describeValue(ref)}${hint}` });
        continue;
      }
      const src = infos.get(from.node);
      if (!src) {
        err({
          node: id,
          port,
          message: `${where}: expected an existing node; found '${from.node}' in '${ref as string}'${didYouMean(from.node, ids)}`,
        });
        continue;
      }
      if (!src.def) continue; // its own problem is reported on that node
      const out = src.def.outputs[from.port];
      const outNames = Object.keys(src.def.outputs);
      if (!out || !Object.prototype.hasOwnProperty.call(src.def.outputs, from.port)) {
        const list = outNames.length ? `expected one of ${outNames.join(', ')}` : `${src.def.type} has no outputs`;
        err({
          node: id,
          port,
          message: `${where}: '${from.node}' (${src.def.type}) has no output '${from.port}'; ${list}${didYouMean(from.port, outNames)}`,
        });
        continue;
      }
      if (out.type !== spec.type) {
        const alt = outNames.filter((n) => src.def!.outputs[n].type === spec.type);
        const hint = alt.length ? ` (did you mean '${from.node}.${alt[0]}'?)` : '';
        err({
          node: id,
          port,
          message: `${where}: ${id}.${port} expects ${spec.type} but ${from.node}.${from.port} gives ${out.type}${hint}`,
        });
      }
    }
    for (const [port, spec] of Object.entries(def.inputs)) {
      if (spec.optional || given[port] !== undefined) continue;
      const candidates: string[] = [];
      for (const other of infos.values()) {
        if (other.id === id || !other.def) continue;
        for (const [o, os] of Object.entries(other.def.outputs)) if (os.type === spec.type) candidates.push(`${other.id}.${o}`);
      }
      const hint = candidates.length ? `, e.g. ${candidates.slice(0, 3).join(' or ')}` : '';
      err({ node: id, port, message: `node '${id}' port '${port}': required input is not connected; expected a ${spec.type} output${hint}; found none` });
    }
  }

  // Cycles.
  for (const cycle of findCycles(doc as GraphDoc)) {
    const names = cycle.map((n) => `'${n}'`).join(', ');
    err({
      node: cycle[0],
      message:
        cycle.length === 1
          ? `node '${cycle[0]}': expected no cycles; found the node feeding its own input (${formatCycle(cycle)})`
          : `node '${cycle[0]}': expected no cycles; found nodes ${names} forming a cycle ${formatCycle(cycle)}`,
    });
  }

  // Layout (editor only; never an error).
  if (doc.layout !== undefined && doc.layout !== null) {
    if (!isRecord(doc.layout)) {
      warn({ message: `graph: expected 'layout' to be a mapping of node id → [x, y]; found ${describeValue(doc.layout)}` });
    } else {
      for (const [id, pos] of Object.entries(doc.layout)) {
        if (!(id in doc.nodes)) warn({ message: `layout: entry '${id}' names no node; it will be dropped by the editor` });
        else if (!Array.isArray(pos) || pos.length !== 2 || !pos.every((x) => typeof x === 'number' && Number.isFinite(x))) {
          warn({ node: id, message: `layout of node '${id}': expected [x, y] numbers; found ${describeValue(pos)}` });
        }
      }
    }
  }
  return issues;
}

export function hasErrors(issues: readonly ValidationIssue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}

/**
 * One line per issue: errors as their message, warnings prefixed with "warning: ". When `doc` was parsed from YAML,
 * lines start with "file:line:col: ".
 */
export function formatIssues(issues: readonly ValidationIssue[], doc?: GraphDoc): string[] {
  return issues.map((i) => {
    const loc = locateIssue(doc, i);
    return `${loc ? loc + ': ' : ''}${i.severity === 'warning' ? 'warning: ' : ''}${i.message}`;
  });
}

/** Throws a GraphError listing all errors (warnings are not fatal). Returns the warnings. */
export function assertValid(doc: GraphDoc, registry: NodeRegistry): ValidationIssue[] {
  const issues = validateGraph(doc, registry);
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length) throw new GraphError(formatIssues(errors, doc).join('\n'), issues);
  return issues.filter((i) => i.severity === 'warning');
}
