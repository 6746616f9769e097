/** Parameter resolution: defaults, type checks and coercion, CLI text parsing, canonical form for cache signatures. */
import { GraphError, type NodeDefinition, type ParamSpec, type ParamValue, type ValidationIssue } from './types.ts';
import { describeTyped, describeValue, didYouMean, isRecord, stableStringify } from './util.ts';

export interface CoerceResult {
  /** The accepted (possibly coerced) value; absent when `error` is set. */
  value?: ParamValue;
  /** "expected …; found …" when the value is not acceptable. */
  error?: string;
  /** Accepted with a coercion worth telling the user about. */
  warning?: string;
}

function unitSuffix(spec: ParamSpec): string {
  return spec.unit ? ` ${spec.unit}` : '';
}

/** "1..10 frames" */
export function describeRange(spec: { min: number; max: number; unit?: string }): string {
  return `${spec.min}..${spec.max}${spec.unit ? ' ' + spec.unit : ''}`;
}

/** A human description of what a parameter accepts. */
export function describeExpected(spec: ParamSpec): string {
  switch (spec.kind) {
    case 'int':
      return `an integer in ${describeRange(spec)}`;
    case 'float':
      return `a number in ${describeRange(spec)}`;
    case 'bool':
      return 'true or false';
    case 'choice':
      return `one of ${spec.choices.join(', ')}`;
    case 'string':
      return 'a string';
    case 'path':
      return `a ${spec.role} path`;
    case 'intlist': {
      const items = spec.min !== undefined ? `integers >= ${spec.min}${unitSuffix(spec)}` : `integers${unitSuffix(spec)}`;
      return spec.length !== undefined ? `a list of ${spec.length} ${items} or an empty list` : `a list of ${items}`;
    }
  }
}

/** Checks (and mildly coerces) one raw value against its spec. Never throws. */
export function coerceParamValue(spec: ParamSpec, raw: unknown): CoerceResult {
  const fail = (found: string = describeTyped(raw)): CoerceResult => ({ error: `expected ${describeExpected(spec)}; found ${found}` });
  switch (spec.kind) {
    case 'int':
    case 'float': {
      if (typeof raw !== 'number' || Number.isNaN(raw) || !Number.isFinite(raw)) return fail();
      if (spec.kind === 'int' && !Number.isInteger(raw)) return fail(`non-integer ${raw}`);
      if (raw < spec.min || raw > spec.max) return fail(`${raw}${unitSuffix(spec)}`);
      return { value: Object.is(raw, -0) ? 0 : raw };
    }
    case 'bool':
      return typeof raw === 'boolean' ? { value: raw } : fail();
    case 'choice':
      if (typeof raw !== 'string') return fail();
      return spec.choices.includes(raw) ? { value: raw } : fail(describeValue(raw));
    case 'string':
    case 'path': {
      if (typeof raw === 'string') return { value: raw };
      if (typeof raw === 'number' || typeof raw === 'boolean') {
        // YAML reads unquoted 2024 or yes as number/boolean; accept it as text but say so.
        return {
          value: String(raw),
          warning: `expected ${describeExpected(spec)}; found ${describeTyped(raw)} (used as '${String(raw)}'; quote it in YAML to keep it exact)`,
        };
      }
      return fail();
    }
    case 'intlist': {
      if (!Array.isArray(raw)) return fail();
      for (let i = 0; i < raw.length; i++) {
        const x = raw[i];
        if (typeof x !== 'number' || !Number.isInteger(x)) return fail(`item ${i} = ${describeTyped(x)} in ${describeValue(raw)}`);
        if (spec.min !== undefined && x < spec.min) return fail(`item ${i} = ${x} in ${describeValue(raw)}`);
      }
      if (spec.length !== undefined && raw.length !== 0 && raw.length !== spec.length) {
        return fail(`${raw.length} items ${describeValue(raw)}`);
      }
      return { value: [...raw] as number[] };
    }
  }
}

/** The problem with a value, or null when it is acceptable as is (coercion warnings are not problems). */
export function checkParamValue(spec: ParamSpec, value: unknown): { message: string } | null {
  const r = coerceParamValue(spec, value);
  return r.error !== undefined ? { message: r.error } : null;
}

function cloneValue(v: ParamValue): ParamValue {
  return Array.isArray(v) ? [...v] : v;
}

/** Every parameter at its default. */
export function defaultParams(def: NodeDefinition): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [name, spec] of Object.entries(def.params)) out[name] = cloneValue(spec.default);
  return out;
}

function prefix(nodeId: string | undefined, param?: string): string {
  const parts: string[] = [];
  if (nodeId !== undefined) parts.push(`node '${nodeId}'`);
  if (param !== undefined) parts.push(`param '${param}'`);
  return parts.length ? parts.join(' ') + ': ' : '';
}

/**
 * Fills defaults and checks every given parameter. Invalid values keep their default in `values` and are reported.
 * `nodeId` only makes messages name the node.
 */
export function resolveParams(
  def: NodeDefinition,
  rawParams: unknown,
  nodeId?: string,
): { values: Record<string, ParamValue>; issues: ValidationIssue[] } {
  const values = defaultParams(def);
  const issues: ValidationIssue[] = [];
  const at = (param?: string) => ({ ...(nodeId !== undefined ? { node: nodeId } : {}), ...(param !== undefined ? { param } : {}) });
  if (rawParams === undefined || rawParams === null) return { values, issues };
  if (!isRecord(rawParams)) {
    issues.push({
      severity: 'error',
      ...at(),
      message: `${prefix(nodeId)}expected 'params' to be a mapping of name: value; found ${describeValue(rawParams)}`,
    });
    return { values, issues };
  }
  const known = Object.keys(def.params);
  for (const [name, raw] of Object.entries(rawParams)) {
    const spec = def.params[name];
    if (!spec || !Object.prototype.hasOwnProperty.call(def.params, name)) {
      const list = known.length ? `expected one of ${known.join(', ')}` : 'it takes no parameters';
      issues.push({
        severity: 'error',
        ...at(name),
        message: `${prefix(nodeId, name)}unknown parameter of ${def.type}; ${list}${didYouMean(name, known)}`,
      });
      continue;
    }
    if (raw === undefined) continue;
    const r = coerceParamValue(spec, raw);
    if (r.error !== undefined) {
      issues.push({ severity: 'error', ...at(name), message: prefix(nodeId, name) + r.error });
      continue;
    }
    values[name] = r.value!;
    if (r.warning !== undefined) issues.push({ severity: 'warning', ...at(name), message: prefix(nodeId, name) + r.warning });
  }
  if (def.check && !issues.some((i) => i.severity === 'error')) {
    let messages: string[];
    try {
      messages = def.check(values);
    } catch (e) {
      messages = [`parameter check failed: ${(e as Error).message}`];
    }
    for (const m of messages) issues.push({ severity: 'error', ...at(), message: prefix(nodeId) + m });
  }
  return { values, issues };
}

/**
 * Stable JSON of the full, defaulted params (keys sorted) for cache signatures.
 * Fail-closed: throws a GraphError when the params have errors.
 */
export function canonicalParams(def: NodeDefinition, params: unknown): string {
  const { values, issues } = resolveParams(def, params);
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length) throw new GraphError(`${def.type}: ${errors.map((e) => e.message).join('; ')}`, errors);
  return stableStringify(values);
}

const TRUE_WORDS = new Set(['true', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0']);

/**
 * Parses a value given as text (CLI `--set node.param=value`) into the param's kind.
 * Throws a GraphError when the text cannot be read as that kind; range and choice membership are left to resolveParams,
 * except that a choice is matched case-insensitively to its canonical spelling.
 */
export function parseParamValue(spec: ParamSpec, text: string): ParamValue {
  const t = text.trim();
  const fail = (): never => {
    throw new GraphError(`expected ${describeExpected(spec)}; found '${text}'`);
  };
  switch (spec.kind) {
    case 'int':
      if (!/^[+-]?\d+$/.test(t)) fail();
      return Number(t);
    case 'float': {
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) fail();
      return Number(t);
    }
    case 'bool': {
      const l = t.toLowerCase();
      if (TRUE_WORDS.has(l)) return true;
      if (FALSE_WORDS.has(l)) return false;
      return fail();
    }
    case 'choice': {
      if (spec.choices.includes(t)) return t;
      const ci = spec.choices.filter((c) => c.toLowerCase() === t.toLowerCase());
      return ci.length === 1 ? ci[0] : t;
    }
    case 'string':
    case 'path':
      return text;
    case 'intlist': {
      let body = t;
      if (body.startsWith('[') && body.endsWith(']')) body = body.slice(1, -1).trim();
      if (body === '') return [];
      const parts = body.split(/[\s,]+/).filter((p) => p !== '');
      const out: number[] = [];
      for (const p of parts) {
        if (!/^[+-]?\d+$/.test(p)) fail();
        out.push(Number(p));
      }
      return out;
    }
  }
}
