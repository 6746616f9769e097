/**
 * The viewer for any node output at full resolution (zoom/pan), with overlays for PatchSelect and APGrid,
 * the quality curve with the stack cuts for Rank, the shift histogram for Shift; and the A/B compare of
 * two image outputs (split view or blink).
 */
import { useEffect, useRef, useState } from 'react';
import type { GraphDoc } from '../../../graph/types.ts';
import type { NodeCatalogueEntry } from '../../../graph/registry.ts';
import type { ImageRef, OutputData, OutputInfo } from '../../shared/protocol.ts';
import { api, imageUrl } from '../api.ts';
import { getStore, useStore } from '../store.ts';
import { RankingChart, ShiftHistogram, ShiftsChart, type Cut } from './Charts.tsx';
import { ZoomPan } from './ZoomPan.tsx';

type Stretch = 'percentile' | 'linear';

function refKey(r: ImageRef | null): string {
  return r ? `${r.node}.${r.port}` : '';
}

/** Where the consumers of a ranking cut it: Mean's reference frames, LocalRank's stack size, Stack overrides. */
function stackCuts(doc: GraphDoc, entries: Map<string, NodeCatalogueEntry>, n: number): Cut[] {
  const cuts: Cut[] = [];
  const param = (id: string, name: string): number => {
    const v = doc.nodes[id].params?.[name];
    if (typeof v === 'number') return v;
    const d = entries.get(doc.nodes[id].type)?.params[name]?.default;
    return typeof d === 'number' ? d : 0;
  };
  const count = (p: number) => Math.max(1, Math.min(n, Math.round((n * p) / 100)));
  for (const [id, node] of Object.entries(doc.nodes)) {
    if (node.type === 'Mean') {
      const p = param(id, 'percent');
      cuts.push({ label: `${id}: best ${p} % (${count(p)})`, count: count(p) });
    } else if (node.type === 'LocalRank') {
      const num = param(id, 'number');
      const p = param(id, 'percent');
      const c = num > 0 ? Math.min(n, num) : count(p);
      cuts.push({ label: `${id}: ${num > 0 ? `${num} frames` : `${p} %`} per AP (${c})`, count: c });
    } else if (node.type === 'Stack') {
      const p = param(id, 'percent');
      if (p > 0) cuts.push({ label: `${id}: ${p} % (${count(p)})`, count: count(p) });
    }
  }
  return cuts.sort((a, b) => b.count - a.count);
}

function Overlay({ data, t }: { data: OutputData; t: { k: number } }) {
  const sw = 1.5 / t.k;
  if (data.kind === 'patch') {
    return (
      <svg className="lg-overlay" data-testid="overlay-patch" width="100%" height="100%">
        {data.rects.map((r, i) => (
          <rect key={i} x={r.x0} y={r.y0} width={r.x1 - r.x0} height={r.y1 - r.y0} className={i === 0 ? 'best' : 'cand'} strokeWidth={i === 0 ? 2.5 * sw : sw}>
            <title>{`candidate ${i + 1}${i === 0 ? ' (best)' : ''}: score ${data.scores[i]?.toFixed(3)} — y ${r.y0}..${r.y1}, x ${r.x0}..${r.x1}`}</title>
          </rect>
        ))}
      </svg>
    );
  }
  if (data.kind === 'apgrid') {
    return (
      <svg className="lg-overlay" data-testid="overlay-apgrid" width="100%" height="100%">
        {data.points.map((p, i) => (
          <g key={i}>
            <rect x={p.patch.x0} y={p.patch.y0} width={p.patch.x1 - p.patch.x0} height={p.patch.y1 - p.patch.y0} className="patch" strokeWidth={sw} />
            <rect x={p.box.x0} y={p.box.y0} width={p.box.x1 - p.box.x0} height={p.box.y1 - p.box.y0} className="box" strokeWidth={1.5 * sw} data-testid="ap-box">
              <title>{`AP ${i + 1} at (${p.y}, ${p.x}), structure ${p.structure.toFixed(2)}`}</title>
            </rect>
            <circle cx={p.x} cy={p.y} r={2 * sw} className="centre" />
          </g>
        ))}
      </svg>
    );
  }
  return null;
}

function OutputView({ node, port, info, rev, stretch, frame, setFrame }: { node: string; port: string; info: OutputInfo; rev: number; stretch: Stretch; frame: number; setFrame: (f: number) => void }) {
  const [data, setData] = useState<OutputData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const doc = useStore((s) => s.doc);
  const outputs = useStore((s) => s.outputs);
  useEffect(() => {
    let live = true;
    setData(null);
    setError(null);
    api
      .outputData(node, port)
      .then((d) => live && setData(d))
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [node, port, rev]);
  if (error) return <div className="lg-issue error">{error}</div>;
  if (info.type === 'image' && info.image) {
    const im = info.image;
    return (
      <ZoomPan width={im.width} height={im.height} testid="viewer-image" toolbar={data?.kind === 'image' ? <span className="lg-stats">{im.width}×{im.height} · min {data.min.toFixed(0)} · max {data.max.toFixed(0)} · mean {data.mean.toFixed(0)}</span> : null}>
        {() => <img src={imageUrl(node, port, { stretch, rev })} width={im.width} height={im.height} draggable={false} data-testid="viewer-img" alt="" />}
      </ZoomPan>
    );
  }
  if (info.type === 'frames' && info.image && data?.kind === 'frames') {
    const im = info.image;
    return (
      <ZoomPan
        width={im.width}
        height={im.height}
        testid="viewer-image"
        toolbar={
          <span className="lg-frame-pick">
            frame{' '}
            <input type="range" min={0} max={data.count - 1} value={frame} onChange={(e) => setFrame(Number(e.target.value))} data-testid="viewer-frame" /> {frame + 1}/{data.count}
          </span>
        }
      >
        {() => <img src={imageUrl(node, port, { stretch, frame, rev })} width={im.width} height={im.height} draggable={false} data-testid="viewer-img" alt="" />}
      </ZoomPan>
    );
  }
  if (!data) return <div className="lg-hint">loading…</div>;
  switch (data.kind) {
    case 'ranking':
      return <RankingChart quality={data.quality} order={data.order} cuts={stackCuts(doc, getStore().entries, data.order.length)} />;
    case 'localshifts':
      return (
        <div className="lg-col">
          <div className="lg-stats">
            {data.pairs} AP × frame pairs ({data.apCount} APs × {data.k} frames), {data.failures} failed
          </div>
          <ShiftHistogram histogram={data.histogram} failures={data.failures} />
        </div>
      );
    case 'alignment':
      return <ShiftsChart dy={data.dy} dx={data.dx} reference={data.reference} failed={data.failed} />;
    case 'patch':
    case 'apgrid': {
      const bg = data.background;
      const bgInfo = bg ? outputs[bg.node]?.ports[bg.port]?.image : undefined;
      const w = bgInfo?.width ?? (data.kind === 'apgrid' ? data.width : 0);
      const h = bgInfo?.height ?? (data.kind === 'apgrid' ? data.height : 0);
      if (!w || !h) return <pre className="lg-json">{JSON.stringify(data, null, 1)}</pre>;
      const summary =
        data.kind === 'patch'
          ? `${data.rects.length} candidates${data.manual ? ' (manual)' : ''}; best in yellow, drawn on the best frame${bg?.frame !== undefined ? ` (#${bg.frame})` : ''}`
          : `${data.points.length} alignment points: boxes (solid) and stacked patches (dashed); dropped: ${data.dropped.dim} dim, ${data.dropped.structure} without structure`;
      return (
        <ZoomPan width={w} height={h} testid="viewer-image" toolbar={<span className="lg-stats">{summary}</span>}>
          {(t) => (
            <>
              {bg && <img src={imageUrl(bg.node, bg.port, { stretch, frame: bg.frame, rev: outputs[bg.node]?.rev })} width={w} height={h} draggable={false} data-testid="viewer-img" alt="" />}
              <Overlay data={data} t={t} />
            </>
          )}
        </ZoomPan>
      );
    }
    default:
      return <pre className="lg-json" data-testid="viewer-json">{JSON.stringify(data.kind === 'summary' ? data.value : data, null, 1)}</pre>;
  }
}

function Viewer() {
  const s = useStore((st, sto) => ({ viewer: st.viewer, outputs: st.outputs, nodes: st.doc.nodes, stale: st.viewer ? sto.displayStatus(st.viewer.node).stale : false }));
  const [stretch, setStretch] = useState<Stretch>('percentile');
  const [frame, setFrame] = useState(0);
  const store = getStore();
  const options: { node: string; port: string; info: OutputInfo }[] = [];
  for (const id of Object.keys(s.nodes)) {
    const o = s.outputs[id];
    if (o) for (const [port, info] of Object.entries(o.ports)) options.push({ node: id, port, info });
  }
  const cur = s.viewer && s.outputs[s.viewer.node]?.ports[s.viewer.port] ? s.viewer : null;
  const info = cur ? s.outputs[cur.node].ports[cur.port] : null;
  return (
    <div className="lg-viewer" data-testid="viewer" data-node={cur?.node ?? ''} data-port={cur?.port ?? ''}>
      <div className="lg-viewer-head">
        <select
          data-testid="viewer-select"
          value={cur ? `${cur.node}.${cur.port}` : ''}
          onChange={(e) => {
            const [node, port] = e.target.value.split('.');
            if (node && port) store.openViewer(node, port);
          }}
        >
          <option value="">— choose an output —</option>
          {options.map((o) => (
            <option key={`${o.node}.${o.port}`} value={`${o.node}.${o.port}`}>
              {o.node}.{o.port} ({o.info.type})
            </option>
          ))}
        </select>
        {info && <span className="lg-stats">{info.summary}</span>}
        {info && s.stale && (
          <span className="lg-issue warning" data-testid="viewer-stale" title="the node's parameters or inputs changed since this output was computed">
            stale: from an earlier run
          </span>
        )}
        <span className="lg-spacer" />
        <label title="display stretch of 16-bit data">
          stretch{' '}
          <select value={stretch} onChange={(e) => setStretch(e.target.value as Stretch)} data-testid="viewer-stretch">
            <option value="percentile">0.1–99.9 %</option>
            <option value="linear">full range</option>
          </select>
        </label>
      </div>
      <div className="lg-viewer-body">
        {cur && info ? (
          <OutputView node={cur.node} port={cur.port} info={info} rev={s.outputs[cur.node].rev} stretch={stretch} frame={frame} setFrame={setFrame} />
        ) : (
          <div className="lg-hint">{options.length ? 'Choose an output, double-click a node, or use “view” in the inspector.' : 'Run the graph to see its outputs here.'}</div>
        )}
      </div>
    </div>
  );
}

function Compare() {
  const s = useStore((st, store) => ({ compare: st.compare, outputs: st.outputs, images: store.imageOutputs() }));
  const store = getStore();
  const [split, setSplit] = useState(0.5);
  const [showB, setShowB] = useState(false);
  const [stretch, setStretch] = useState<Stretch>('percentile');
  const { a, b, mode } = s.compare;
  useEffect(() => {
    if (mode !== 'blink') return;
    const t = setInterval(() => setShowB((v) => !v), 700);
    return () => clearInterval(t);
  }, [mode]);
  const infoA = a ? s.outputs[a.node]?.ports[a.port]?.image : undefined;
  const infoB = b ? s.outputs[b.node]?.ports[b.port]?.image : undefined;
  const innerRef = useRef<HTMLDivElement>(null);
  const select = (slot: 'a' | 'b', v: ImageRef | null) => store.set({ compare: { ...store.state.compare, [slot]: v } });
  const picker = (slot: 'a' | 'b', cur: ImageRef | null) => (
    <select
      data-testid={`compare-${slot}`}
      value={refKey(cur)}
      onChange={(e) => {
        const [node, port] = e.target.value.split('.');
        select(slot, node && port ? { node, port } : null);
      }}
    >
      <option value="">— {slot.toUpperCase()} —</option>
      {s.images.map((r) => (
        <option key={refKey(r)} value={refKey(r)}>
          {slot.toUpperCase()}: {r.node}.{r.port}
        </option>
      ))}
    </select>
  );
  const head = (
    <div className="lg-viewer-head">
      {picker('a', a)}
      {picker('b', b)}
      <button data-testid="compare-swap" onClick={() => store.set({ compare: { ...s.compare, a: b, b: a } })} title="swap A and B">
        ⇄
      </button>
      <span className="lg-seg">
        <button data-testid="compare-mode-split" className={mode === 'split' ? 'active' : ''} onClick={() => store.set({ compare: { ...s.compare, mode: 'split' } })}>
          split
        </button>
        <button data-testid="compare-mode-blink" className={mode === 'blink' ? 'active' : ''} onClick={() => store.set({ compare: { ...s.compare, mode: 'blink' } })}>
          blink
        </button>
      </span>
      {infoA && infoB && (infoA.width !== infoB.width || infoA.height !== infoB.height) && (
        <span className="lg-issue warning">sizes differ: {infoA.width}×{infoA.height} vs {infoB.width}×{infoB.height} (B scaled to A)</span>
      )}
      <span className="lg-spacer" />
      <label>
        stretch{' '}
        <select value={stretch} onChange={(e) => setStretch(e.target.value as Stretch)}>
          <option value="percentile">0.1–99.9 %</option>
          <option value="linear">full range</option>
        </select>
      </label>
    </div>
  );
  if (!a || !b || !infoA || !infoB) {
    return (
      <div className="lg-viewer" data-testid="compare-view">
        {head}
        <div className="lg-hint">Choose two image outputs (A and B) — e.g. the Blend outputs of two Stack branches.</div>
      </div>
    );
  }
  const w = infoA.width;
  const h = infoA.height;
  const srcA = imageUrl(a.node, a.port, { stretch, rev: s.outputs[a.node].rev });
  const srcB = imageUrl(b.node, b.port, { stretch, rev: s.outputs[b.node].rev });
  const blinkB = mode === 'blink' && showB;
  return (
    <div className="lg-viewer" data-testid="compare-view" data-mode={mode}>
      {head}
      <div className="lg-viewer-body">
        <ZoomPan
          width={w}
          height={h}
          testid="compare-canvas"
          toolbar={
            <span className="lg-stats" data-testid="compare-label">
              {mode === 'split' ? `A ${a.node} | B ${b.node}` : `showing ${blinkB ? `B: ${b.node}` : `A: ${a.node}`}`}
            </span>
          }
        >
          {(t) => (
            <div ref={innerRef} className="lg-compare-inner" style={{ width: w, height: h }}>
              <img src={srcA} width={w} height={h} data-testid="compare-img-a" draggable={false} alt="A" style={{ visibility: mode === 'blink' && blinkB ? 'hidden' : 'visible' }} />
              <img
                src={srcB}
                width={w}
                height={h}
                data-testid="compare-img-b"
                draggable={false}
                alt="B"
                className="lg-compare-b"
                style={mode === 'split' ? { clipPath: `inset(0 0 0 ${split * 100}%)` } : { visibility: blinkB ? 'visible' : 'hidden' }}
              />
              {mode === 'split' && (
                <div
                  className="lg-split-handle"
                  data-testid="compare-divider"
                  style={{ left: `${split * 100}%`, width: 3 / t.k, marginLeft: -1.5 / t.k }}
                  onPointerDown={(e) => {
                    e.stopPropagation();
                    (e.target as Element).setPointerCapture(e.pointerId);
                  }}
                  onPointerMove={(e) => {
                    if (!(e.buttons & 1) || !innerRef.current) return;
                    e.stopPropagation();
                    const r = innerRef.current.getBoundingClientRect();
                    setSplit(Math.min(1, Math.max(0, (e.clientX - r.left) / r.width)));
                  }}
                >
                  <span style={{ transform: `scale(${1 / t.k})` }}>A | B</span>
                </div>
              )}
            </div>
          )}
        </ZoomPan>
      </div>
    </div>
  );
}

export function BottomPanel() {
  const s = useStore((st) => ({ tab: st.bottomTab, open: st.bottomOpen }));
  const store = getStore();
  return (
    <div className="lg-bottom-inner">
      <div className="lg-tabs">
        <button data-testid="tab-viewer" className={s.tab === 'viewer' ? 'active' : ''} onClick={() => store.set({ bottomTab: 'viewer', bottomOpen: true })}>
          Viewer
        </button>
        <button data-testid="tab-compare" className={s.tab === 'compare' ? 'active' : ''} onClick={() => store.set({ bottomTab: 'compare', bottomOpen: true })}>
          A/B compare
        </button>
        <span className="lg-spacer" />
        <button onClick={() => store.set({ bottomOpen: !s.open })} title={s.open ? 'collapse' : 'expand'}>
          {s.open ? '▾' : '▴'}
        </button>
      </div>
      {s.open && (s.tab === 'viewer' ? <Viewer /> : <Compare />)}
    </div>
  );
}
