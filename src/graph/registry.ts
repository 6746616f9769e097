/** Registry of node definitions and the JSON catalogue of their specs (for `luckygraph nodes --json` and the editor palette). */
import { GRAPH_FORMAT, GraphError, PORT_TYPES, type NodeDefinition, type ParamSpec, type ParamValue, type PortSpec, type PortType } from './types.ts';
import { checkParamValue } from './params.ts';
import { closest, isValidId } from './util.ts';

export interface PortCatalogueEntry {
  type: PortType;
  doc: string;
  optional?: boolean;
}

export interface ParamCatalogueEntry {
  kind: ParamSpec['kind'];
  default: ParamValue;
  doc: string;
  unit?: string;
  /** int/float: inclusive range. */
  min?: number;
  max?: number;
  step?: number;
  choices?: string[];
  /** intlist: exact length when set (an empty list means unset). */
  length?: number;
  mustExist?: boolean;
  role?: 'input' | 'output';
}

export interface NodeCatalogueEntry {
  type: string;
  version: number;
  category: NodeDefinition['category'];
  doc: string;
  sideEffect?: boolean;
  inputs: Record<string, PortCatalogueEntry>;
  outputs: Record<string, PortCatalogueEntry>;
  params: Record<string, ParamCatalogueEntry>;
}

export interface Catalogue {
  format: string;
  portTypes: Record<PortType, string>;
  nodes: NodeCatalogueEntry[];
}

export class NodeRegistry {
  private readonly defs = new Map<string, NodeDefinition>();

  constructor(defs: Iterable<NodeDefinition> = []) {
    for (const d of defs) this.register(d);
  }

  /** Adds a definition after checking it is self-consistent (known port types, defaults valid). Throws on duplicates. */
  register<P extends Record<string, ParamValue>>(def: NodeDefinition<P>): this {
    const problems = checkDefinition(def as unknown as NodeDefinition);
    if (this.defs.has(def.type)) problems.unshift(`type '${def.type}' is already registered`);
    if (problems.length) {
      throw new GraphError(`cannot register node type '${def.type}': ${problems.join('; ')}`);
    }
    this.defs.set(def.type, def as unknown as NodeDefinition);
    return this;
  }

  get(type: string): NodeDefinition | undefined {
    return this.defs.get(type);
  }

  has(type: string): boolean {
    return this.defs.has(type);
  }

  /** Definitions in registration order. */
  list(): NodeDefinition[] {
    return [...this.defs.values()];
  }

  types(): string[] {
    return [...this.defs.keys()];
  }

  /** The closest known type name to a misspelt one, if any is close. */
  suggest(type: string): string | undefined {
    return closest(type, this.defs.keys());
  }

  /** JSON-able spec of every node, sorted by category then type. */
  catalogue(): Catalogue {
    const nodes = this.list()
      .slice()
      .sort((a, b) => a.category.localeCompare(b.category) || a.type.localeCompare(b.type))
      .map(nodeCatalogueEntry);
    return { format: GRAPH_FORMAT, portTypes: { ...PORT_TYPES }, nodes };
  }
}

export function nodeCatalogueEntry(def: NodeDefinition): NodeCatalogueEntry {
  const ports = (r: Record<string, PortSpec>) =>
    Object.fromEntries(
      Object.entries(r).map(([k, p]) => [k, { type: p.type, doc: p.doc, ...(p.optional ? { optional: true } : {}) }]),
    );
  const params: Record<string, ParamCatalogueEntry> = {};
  for (const [name, s] of Object.entries(def.params)) {
    const e: ParamCatalogueEntry = {
      kind: s.kind,
      default: Array.isArray(s.default) ? [...s.default] : s.default,
      doc: s.doc,
    };
    if (s.unit !== undefined) e.unit = s.unit;
    switch (s.kind) {
      case 'int':
      case 'float':
        e.min = s.min;
        e.max = s.max;
        if (s.step !== undefined) e.step = s.step;
        break;
      case 'choice':
        e.choices = [...s.choices];
        break;
      case 'path':
        e.mustExist = s.mustExist;
        e.role = s.role;
        break;
      case 'intlist':
        if (s.length !== undefined) e.length = s.length;
        if (s.min !== undefined) e.min = s.min;
        break;
    }
    params[name] = e;
  }
  return {
    type: def.type,
    version: def.version,
    category: def.category,
    doc: def.doc,
    ...(def.sideEffect ? { sideEffect: true } : {}),
    inputs: ports(def.inputs),
    outputs: ports(def.outputs),
    params,
  };
}

function checkDefinition(def: NodeDefinition): string[] {
  const out: string[] = [];
  if (typeof def.type !== 'string' || !def.type) out.push('type must be a non-empty string');
  if (!Number.isInteger(def.version) || def.version < 1) out.push(`version must be an integer >= 1, found ${def.version}`);
  for (const [dir, ports] of [['input', def.inputs], ['output', def.outputs]] as const) {
    for (const [name, p] of Object.entries(ports ?? {})) {
      if (!isValidId(name)) out.push(`${dir} port name '${name}' is not a valid identifier`);
      if (!(p.type in PORT_TYPES)) out.push(`${dir} '${name}' has unknown port type '${p.type}'`);
    }
  }
  for (const [name, spec] of Object.entries(def.params ?? {})) {
    if (!isValidId(name)) out.push(`param name '${name}' is not a valid identifier`);
    if ((spec.kind === 'int' || spec.kind === 'float') && !(spec.min <= spec.max)) {
      out.push(`param '${name}' has min ${spec.min} > max ${spec.max}`);
    }
    const problem = checkParamValue(spec, spec.default);
    if (problem) out.push(`default of param '${name}' is invalid: ${problem.message}`);
  }
  for (const key of Object.keys(def.migrate ?? {})) {
    const v = Number(key);
    if (!Number.isInteger(v) || v < 1 || v >= def.version) out.push(`migration key ${key} must be a version in 1..${def.version - 1}`);
  }
  return out;
}
