/**
 * The selected node: its parameters with controls from their declarations (slider + number for ranges,
 * select for choices, text + file chooser for paths), units and docs as tooltips, validation messages
 * inline, its inputs, its outputs (view, A/B), and why it ran.
 */
import { useEffect, useState } from 'react';
import type { ParamCatalogueEntry } from '../../../graph/registry.ts';
import type { ValidationIssue } from '../../../graph/types.ts';
import { describeRange } from '../../../graph/params.ts';
import { portColor } from '../lib/colors.ts';
import { getStore, useStore } from '../store.ts';

function tooltip(name: string, spec: ParamCatalogueEntry): string {
  const lines = [`${name}: ${spec.doc}`];
  if ((spec.kind === 'int' || spec.kind === 'float') && spec.min !== undefined && spec.max !== undefined) {
    lines.push(`range ${describeRange({ min: spec.min, max: spec.max, unit: spec.unit })}`);
  } else if (spec.unit) lines.push(`unit: ${spec.unit}`);
  if (spec.choices) lines.push(`choices: ${spec.choices.join(', ')}`);
  lines.push(`default: ${JSON.stringify(spec.default)}`);
  return lines.join('\n');
}

function sliderStep(spec: ParamCatalogueEntry): number {
  if (spec.step) return spec.step;
  if (spec.kind === 'int') return 1;
  const span = (spec.max ?? 1) - (spec.min ?? 0);
  const raw = span / 500;
  const p = 10 ** Math.floor(Math.log10(raw));
  return raw / p >= 5 ? 5 * p : raw / p >= 2 ? 2 * p : p;
}

function NumberParam({ node, name, spec, value }: { node: string; name: string; spec: ParamCatalogueEntry; value: unknown }) {
  const store = getStore();
  const eff = typeof value === 'number' ? value : (spec.default as number);
  const [text, setText] = useState(String(value ?? spec.default));
  useEffect(() => setText(String(value ?? spec.default)), [value, spec.default]);
  const min = spec.min ?? -Infinity;
  const max = spec.max ?? Infinity;
  const valid = (v: number) => Number.isFinite(v) && v >= min && v <= max && (spec.kind !== 'int' || Number.isInteger(v));
  const commit = (t: string) => {
    const v = t.trim() === '' ? NaN : Number(t);
    if (Number.isFinite(v)) {
      if (v !== eff || value === undefined) store.setParam(node, name, v);
    } else setText(String(value ?? spec.default));
    store.commitMerge();
  };
  const showSlider = Number.isFinite(min) && Number.isFinite(max) && (spec.kind === 'float' || max - min <= 2000);
  return (
    <div className="lg-num">
      {showSlider && (
        <input
          type="range"
          data-testid={`param-${name}-slider`}
          min={min}
          max={max}
          step={sliderStep(spec)}
          value={Math.min(max, Math.max(min, eff))}
          onChange={(e) => store.setParam(node, name, Number(e.target.value), true)}
          onPointerUp={() => store.commitMerge()}
          onKeyUp={() => store.commitMerge()}
        />
      )}
      <input
        type="number"
        data-testid={`param-${name}`}
        className={valid(Number(text)) ? '' : 'invalid'}
        min={Number.isFinite(min) ? min : undefined}
        max={Number.isFinite(max) ? max : undefined}
        step={spec.kind === 'int' ? 1 : 'any'}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          const v = Number(e.target.value);
          if (e.target.value.trim() !== '' && valid(v) && v !== eff) store.setParam(node, name, v, true);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit((e.target as HTMLInputElement).value);
        }}
        onBlur={(e) => commit(e.target.value)}
      />
    </div>
  );
}

function TextParam({ node, name, spec, value, list }: { node: string; name: string; spec: ParamCatalogueEntry; value: unknown; list?: boolean }) {
  const store = getStore();
  const show = (v: unknown) => (Array.isArray(v) ? v.join(', ') : String(v ?? ''));
  const [text, setText] = useState(show(value ?? spec.default));
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => setText(show(value ?? spec.default)), [value, spec.default]);
  const commit = () => {
    if (list) {
      const parts = text.split(/[\s,;]+/).filter(Boolean);
      const nums = parts.map(Number);
      if (nums.some((n) => !Number.isInteger(n))) {
        setErr('expected whole numbers separated by commas');
        return;
      }
      setErr(null);
      const cur = (value ?? spec.default) as number[];
      if (JSON.stringify(cur) !== JSON.stringify(nums)) store.setParam(node, name, nums);
      return;
    }
    if (text !== show(value ?? spec.default)) store.setParam(node, name, text);
  };
  const browse = async () => {
    const role = spec.role ?? 'input';
    const cur = text || store.state.cwd;
    const dir = cur.includes('/') ? cur.slice(0, cur.lastIndexOf('/')) || '/' : store.state.cwd;
    const p = await store.choosePath({
      kind: 'path',
      title: role === 'output' ? `Output file for ${node}.${name}` : `Input for ${node}.${name}`,
      mode: role === 'output' ? 'save' : 'any',
      dir,
      name: cur.includes('/') ? cur.slice(cur.lastIndexOf('/') + 1) : cur,
    });
    if (p) store.setParam(node, name, p);
  };
  return (
    <div className="lg-text">
      <input
        type="text"
        data-testid={`param-${name}`}
        value={text}
        placeholder={list ? (spec.length ? `${spec.length} numbers, or empty` : 'numbers, comma separated') : spec.kind === 'path' ? 'path on the server' : ''}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') setText(show(value ?? spec.default));
        }}
        onBlur={commit}
      />
      {spec.kind === 'path' && (
        <button data-testid={`browse-${name}`} onClick={() => void browse()} title="Choose a file on the server">
          …
        </button>
      )}
      {err && <div className="lg-issue error">{err}</div>}
    </div>
  );
}

function ParamRow({ node, name, spec, value, issues }: { node: string; name: string; spec: ParamCatalogueEntry; value: unknown; issues: ValidationIssue[] }) {
  const store = getStore();
  let control: React.ReactNode;
  switch (spec.kind) {
    case 'int':
    case 'float':
      control = <NumberParam node={node} name={name} spec={spec} value={value} />;
      break;
    case 'bool':
      control = (
        <input
          type="checkbox"
          data-testid={`param-${name}`}
          checked={(value ?? spec.default) === true}
          onChange={(e) => store.setParam(node, name, e.target.checked)}
        />
      );
      break;
    case 'choice':
      control = (
        <select data-testid={`param-${name}`} value={String(value ?? spec.default)} onChange={(e) => store.setParam(node, name, e.target.value)}>
          {(spec.choices ?? []).map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
          {value !== undefined && !(spec.choices ?? []).includes(String(value)) && <option value={String(value)}>{String(value)} (invalid)</option>}
        </select>
      );
      break;
    case 'intlist':
      control = <TextParam node={node} name={name} spec={spec} value={value} list />;
      break;
    default:
      control = <TextParam node={node} name={name} spec={spec} value={value} />;
  }
  return (
    <div className={`lg-param${value !== undefined ? ' set' : ''}${issues.some((i) => i.severity === 'error') ? ' has-error' : ''}`} data-testid={`paramrow-${name}`}>
      <label title={tooltip(name, spec)}>
        {name}
        <span className="lg-help">?</span>
        {spec.unit && <span className="lg-unit">{spec.unit}</span>}
      </label>
      <div className="lg-param-control">
        {control}
        <button
          className="lg-reset"
          data-testid={`reset-${name}`}
          disabled={value === undefined}
          onClick={() => store.setParam(node, name, undefined)}
          title={value === undefined ? 'at the default' : `reset to the default (${JSON.stringify(spec.default)})`}
        >
          ↺
        </button>
      </div>
      {issues.map((i, k) => (
        <div key={k} className={`lg-issue ${i.severity}`} data-testid={`issue-${name}`}>
          {i.message}
        </div>
      ))}
    </div>
  );
}

function fmtMs(ms?: number) {
  return ms === undefined ? '' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function Inspector() {
  const store = getStore();
  const s = useStore((st, sto) => {
    const id = st.selected;
    const node = id ? st.doc.nodes[id] : undefined;
    return {
      id,
      node,
      entry: id ? sto.entryOf(id) : undefined,
      issues: st.analysis?.issues ?? null,
      status: id ? sto.displayStatus(id) : null,
      outputs: id ? st.outputs[id] : undefined,
      forecastError: st.analysis?.forecastError,
      pending: st.analysisPending,
    };
  });
  const graphIssues = (s.issues ?? []).filter((i) => !i.node);
  if (!s.id || !s.node) {
    return (
      <div className="lg-inspector" data-testid="inspector">
        <h3>Inspector</h3>
        <p className="lg-hint">Select a node to edit its parameters. Drag from an output socket to an input to connect; right-click for more.</p>
        {graphIssues.map((i, k) => (
          <div key={k} className={`lg-issue ${i.severity}`}>
            {i.message}
          </div>
        ))}
        {s.forecastError && <div className="lg-issue warning">cannot run yet: {s.forecastError}</div>}
        {s.issues && s.issues.length > 0 && (
          <div className="lg-issues-summary">
            {s.issues.filter((i) => i.node).map((i, k) => (
              <div key={k} className={`lg-issue ${i.severity}`}>
                <a onClick={() => store.select(i.node!)}>{i.node}</a>: {i.message}
              </div>
            ))}
          </div>
        )}
      </div>
    );
  }
  const id = s.id;
  const entry = s.entry;
  const nodeIssues = (s.issues ?? []).filter((i) => i.node === id);
  const params = (s.node.params ?? {}) as Record<string, unknown>;
  const st = s.status!;
  return (
    <div className="lg-inspector" data-testid="inspector" data-node={id}>
      <h3>
        {id} <small>{s.node.type}</small>
      </h3>
      {entry && <p className="lg-doc">{entry.doc}</p>}
      <div className={`lg-insp-status badge-${st.status}`} data-testid="inspector-status">
        {st.status === 'ran' ? `ran in ${fmtMs(st.ms)}` : st.status}
        {st.status === 'ran' && st.reason ? <div className="lg-reason">because: {st.reason}</div> : null}
        {st.status === 'error' && st.message ? <div className="lg-reason">{st.message}</div> : null}
      </div>
      {nodeIssues
        .filter((i) => !i.param)
        .map((i, k) => (
          <div key={k} className={`lg-issue ${i.severity}`} data-testid="inspector-node-issue">
            {i.message}
          </div>
        ))}
      {!entry && <div className="lg-issue error">unknown node type '{s.node.type}'</div>}
      {entry && Object.keys(entry.params).length > 0 && (
        <section>
          <h4>Parameters</h4>
          {Object.entries(entry.params).map(([name, spec]) => (
            <ParamRow key={name} node={id} name={name} spec={spec} value={params[name]} issues={nodeIssues.filter((i) => i.param === name)} />
          ))}
        </section>
      )}
      {entry && Object.keys(entry.inputs).length > 0 && (
        <section>
          <h4>Inputs</h4>
          {Object.entries(entry.inputs).map(([port, spec]) => {
            const ref = s.node!.inputs?.[port];
            return (
              <div key={port} className="lg-io" title={spec.doc}>
                <i style={{ background: portColor(spec.type) }} />
                <span className="lg-io-name">{port}</span>
                <span className="lg-io-src">{ref ? `← ${ref}` : spec.optional ? 'optional, not connected' : 'not connected'}</span>
                {ref && (
                  <button className="lg-mini" title="disconnect" data-testid={`disconnect-${port}`} onClick={() => store.disconnect(`${id}.${port}`)}>
                    ✕
                  </button>
                )}
              </div>
            );
          })}
        </section>
      )}
      {entry && (
        <section>
          <h4>Outputs</h4>
          {Object.entries(entry.outputs).map(([port, spec]) => {
            const info = s.outputs?.ports[port];
            return (
              <div key={port} className="lg-io" title={spec.doc}>
                <i style={{ background: portColor(spec.type) }} />
                <span className="lg-io-name">{port}</span>
                <span className="lg-io-src">{info ? info.summary : 'not computed yet'}</span>
                {info && (
                  <button className="lg-mini" data-testid={`view-${port}`} onClick={() => store.openViewer(id, port)}>
                    view
                  </button>
                )}
                {info?.image && spec.type === 'image' && (
                  <>
                    <button className="lg-mini" data-testid={`compare-a-${port}`} title="compare: set as A" onClick={() => store.setCompare('a', { node: id, port })}>
                      A
                    </button>
                    <button className="lg-mini" data-testid={`compare-b-${port}`} title="compare: set as B" onClick={() => store.setCompare('b', { node: id, port })}>
                      B
                    </button>
                  </>
                )}
              </div>
            );
          })}
        </section>
      )}
      <section className="lg-node-actions">
        <button onClick={() => store.duplicateNode(id)}>Duplicate</button>
        <button className="danger" onClick={() => store.removeNode(id)}>
          Delete
        </button>
      </section>
    </div>
  );
}
