/** A graph node in the Rete view: title, state badge, progress, typed sockets, output thumbnail. */
import { Presets, type RenderEmit } from 'rete-react-plugin';
import { imageUrl } from '../api.ts';
import { CATEGORY_COLORS } from '../lib/colors.ts';
import { getStore, useStore } from '../store.ts';
import type { GraphNode, Schemes } from './schemes.ts';

const { RefSocket } = Presets.classic;

function fmtMs(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function NodeComponent({ data, emit }: { data: GraphNode; emit: RenderEmit<Schemes> }) {
  const id = data.id;
  const v = useStore((s, store) => {
    const st = store.displayStatus(id);
    const issues = (s.analysis?.issues ?? []).filter((i) => i.node === id);
    const outs = s.outputs[id];
    let thumb: string | null = null;
    if (outs) {
      for (const [port, info] of Object.entries(outs.ports)) {
        if (info.image) {
          thumb = imageUrl(id, port, { size: 'thumb', rev: outs.rev });
          break;
        }
      }
    }
    return {
      status: st.status,
      ms: st.ms,
      message: st.message,
      reason: st.reason,
      done: st.progress?.done,
      total: st.progress?.total,
      stale: st.stale,
      errors: issues.filter((i) => i.severity === 'error').length,
      warnings: issues.filter((i) => i.severity === 'warning').length,
      issueText: issues.map((i) => i.message).join('\n'),
      thumb,
      selected: s.selected === id,
      viewer: s.viewer?.node === id,
    };
  });
  const entry = data.entry;
  const pct = v.total ? Math.round((100 * (v.done ?? 0)) / v.total) : 0;
  let badge: string;
  switch (v.status) {
    case 'running':
      badge = v.total ? `running ${pct} %` : 'running';
      break;
    case 'ran':
      badge = `done ${fmtMs(v.ms)}`;
      break;
    case 'error':
      badge = 'error';
      break;
    default:
      badge = v.status;
  }
  const open = () => {
    const first = entry && Object.keys(entry.outputs)[0];
    if (first) getStore().openViewer(id, first);
  };
  return (
    <div
      className={`lg-node status-${v.status}${v.selected || data.selected ? ' selected' : ''}`}
      data-testid={`node-${id}`}
      data-status={v.status}
      data-type={data.nodeType}
      onDoubleClick={open}
    >
      <div className="lg-node-head" style={{ borderTopColor: CATEGORY_COLORS[entry?.category ?? ''] ?? '#777' }}>
        <span className="lg-node-title" title={entry?.doc}>{id}</span>
        <span className="lg-node-type">{data.nodeType}</span>
        {(v.errors > 0 || v.warnings > 0) && (
          <span className={`lg-node-issues ${v.errors ? 'err' : 'warn'}`} title={v.issueText} data-testid={`issues-${id}`}>
            {v.errors ? '!' : '⚠'} {v.errors + v.warnings}
          </span>
        )}
      </div>
      <div
        className={`lg-badge badge-${v.status}`}
        data-testid={`status-${id}`}
        title={v.status === 'error' ? v.message : v.reason ? `ran because: ${v.reason}` : undefined}
      >
        {badge}
        {v.status === 'error' && v.message ? <span className="lg-badge-msg">{v.message}</span> : null}
      </div>
      {v.status === 'running' && (
        <div className="lg-progress" data-testid={`progress-${id}`}>
          <div style={{ width: `${pct}%` }} />
        </div>
      )}
      <div className="lg-ports">
        {entry &&
          Object.entries(data.outputs).map(([key, out]) =>
            out ? (
              <div className="lg-port out" key={key} title={`${key}: ${entry.outputs[key]?.type} — ${entry.outputs[key]?.doc}`}>
                <span className="lg-port-name">{key}</span>
                <RefSocket name="lg-socket-ref" side="output" socketKey={key} nodeId={id} emit={emit as never} payload={out.socket} data-testid={`socket-out-${id}-${key}`} />
              </div>
            ) : null,
          )}
        {entry &&
          Object.entries(data.inputs).map(([key, inp]) =>
            inp ? (
              <div className="lg-port in" key={key} title={`${key}: ${entry.inputs[key]?.type}${entry.inputs[key]?.optional ? ' (optional)' : ''} — ${entry.inputs[key]?.doc}`}>
                <RefSocket name="lg-socket-ref" side="input" socketKey={key} nodeId={id} emit={emit as never} payload={inp.socket} data-testid={`socket-in-${id}-${key}`} />
                <span className="lg-port-name">
                  {key}
                  {entry.inputs[key]?.optional ? '?' : ''}
                </span>
              </div>
            ) : null,
          )}
        {!entry && <div className="lg-node-unknown">unknown node type</div>}
      </div>
      {v.thumb && (
        <div className={`lg-thumb${v.stale ? ' stale' : ''}`}>
          <img src={v.thumb} alt={`${id} output`} data-testid={`thumb-${id}`} draggable={false} />
        </div>
      )}
    </div>
  );
}
