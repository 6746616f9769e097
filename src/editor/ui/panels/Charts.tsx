/** Small SVG charts: the ranking quality curve with stack cuts, the shift histogram, per-frame shifts. */
import { useEffect, useRef, useState } from 'react';

function useSize<T extends HTMLElement>(): [React.RefObject<T | null>, { w: number; h: number }] {
  const ref = useRef<T>(null);
  const [size, setSize] = useState({ w: 600, h: 240 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setSize({ w: Math.max(200, el.clientWidth), h: Math.max(140, el.clientHeight) }));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, size];
}

const M = { l: 52, r: 16, t: 14, b: 36 };

function ticks(min: number, max: number, n = 5): number[] {
  const span = max - min || 1;
  const raw = span / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = raw / p >= 5 ? 5 * p : raw / p >= 2 ? 2 * p : p;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

export interface Cut {
  label: string;
  count: number;
}

/** Quality of the frames sorted best first, with vertical lines where each consumer cuts the ranking. */
export function RankingChart({ quality, order, cuts }: { quality: number[]; order: number[]; cuts: Cut[] }) {
  const [ref, { w, h }] = useSize<HTMLDivElement>();
  const n = order.length;
  const sorted = order.map((i) => quality[i]);
  const maxQ = Math.max(1e-9, ...sorted);
  const minQ = Math.min(0, ...sorted);
  const x = (i: number) => M.l + (n <= 1 ? 0 : (i / (n - 1)) * (w - M.l - M.r));
  const y = (q: number) => M.t + (1 - (q - minQ) / (maxQ - minQ)) * (h - M.t - M.b);
  const pts = sorted.map((q, i) => `${x(i).toFixed(1)},${y(q).toFixed(1)}`).join(' ');
  return (
    <div className="lg-chart" ref={ref} data-testid="ranking-chart">
      <svg width={w} height={h}>
        {ticks(minQ, maxQ).map((v) => (
          <g key={v}>
            <line x1={M.l} x2={w - M.r} y1={y(v)} y2={y(v)} className="grid" />
            <text x={M.l - 6} y={y(v) + 4} textAnchor="end">
              {v}
            </text>
          </g>
        ))}
        {ticks(1, n).map((v) => (
          <text key={v} x={x(v - 1)} y={h - M.b + 16} textAnchor="middle">
            {v}
          </text>
        ))}
        <text x={(M.l + w - M.r) / 2} y={h - 4} textAnchor="middle" className="axis">
          rank (best first) of {n} frames
        </text>
        <text x={12} y={(M.t + h - M.b) / 2} textAnchor="middle" className="axis" transform={`rotate(-90 12 ${(M.t + h - M.b) / 2})`}>
          quality
        </text>
        <rect x={M.l} y={M.t} width={Math.max(0, x(Math.max(0, (cuts[0]?.count ?? 0) - 1)) - M.l)} height={h - M.t - M.b} className="kept" />
        <polyline points={pts} className="curve" />
        {cuts.map((c, i) => {
          const cx = x(Math.min(n - 1, Math.max(0, c.count - 0.5)));
          return (
            <g key={c.label} data-testid="stack-cut">
              <line x1={cx} x2={cx} y1={M.t} y2={h - M.b} className={`cut cut-${i % 4}`} />
              <text x={cx + 4} y={M.t + 12 + i * 14} className={`cut-label cut-${i % 4}`}>
                {c.label}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}

/** Histogram of |local shift| in whole pixels, with the failure count. */
export function ShiftHistogram({ histogram, failures }: { histogram: number[]; failures: number }) {
  const [ref, { w, h }] = useSize<HTMLDivElement>();
  const bins = [...histogram.map((c, i) => ({ label: `${i}`, c })), ...(failures ? [{ label: 'failed', c: failures }] : [])];
  const maxC = Math.max(1, ...bins.map((b) => b.c));
  const bw = Math.min(90, (w - M.l - M.r) / Math.max(1, bins.length));
  const y = (c: number) => M.t + (1 - c / maxC) * (h - M.t - M.b);
  return (
    <div className="lg-chart" ref={ref} data-testid="shift-histogram">
      <svg width={w} height={h}>
        {ticks(0, maxC).map((v) => (
          <g key={v}>
            <line x1={M.l} x2={w - M.r} y1={y(v)} y2={y(v)} className="grid" />
            <text x={M.l - 6} y={y(v) + 4} textAnchor="end">
              {v}
            </text>
          </g>
        ))}
        {bins.map((b, i) => (
          <g key={b.label}>
            <rect x={M.l + i * bw + 2} y={y(b.c)} width={Math.max(1, bw - 4)} height={h - M.b - y(b.c)} className={b.label === 'failed' ? 'bar failed' : 'bar'}>
              <title>{`${b.label === 'failed' ? 'failed' : `|shift| ≈ ${b.label} px`}: ${b.c}`}</title>
            </rect>
            <text x={M.l + i * bw + bw / 2} y={h - M.b + 16} textAnchor="middle">
              {b.label}
            </text>
          </g>
        ))}
        <text x={(M.l + w - M.r) / 2} y={h - 4} textAnchor="middle" className="axis">
          |local shift| (px, rounded) — number of AP × frame pairs
        </text>
      </svg>
    </div>
  );
}

/** Global shift per frame (dy, dx). */
export function ShiftsChart({ dy, dx, reference, failed }: { dy: number[]; dx: number[]; reference: number; failed: number[] }) {
  const [ref, { w, h }] = useSize<HTMLDivElement>();
  const n = dy.length;
  const all = [...dy, ...dx, 0];
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const x = (i: number) => M.l + (n <= 1 ? 0 : (i / (n - 1)) * (w - M.l - M.r));
  const y = (v: number) => M.t + (1 - (v - lo) / (hi - lo || 1)) * (h - M.t - M.b);
  const line = (a: number[]) => a.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return (
    <div className="lg-chart" ref={ref} data-testid="shifts-chart">
      <svg width={w} height={h}>
        {ticks(lo, hi).map((v) => (
          <g key={v}>
            <line x1={M.l} x2={w - M.r} y1={y(v)} y2={y(v)} className="grid" />
            <text x={M.l - 6} y={y(v) + 4} textAnchor="end">
              {v}
            </text>
          </g>
        ))}
        <polyline points={line(dy)} className="curve dy" />
        <polyline points={line(dx)} className="curve dx" />
        <line x1={x(reference)} x2={x(reference)} y1={M.t} y2={h - M.b} className="cut cut-1" />
        {failed.map((f) => (
          <circle key={f} cx={x(f)} cy={y(0)} r={4} className="failed" />
        ))}
        <text x={M.l + 6} y={M.t + 12} className="legend dy">
          dy
        </text>
        <text x={M.l + 30} y={M.t + 12} className="legend dx">
          dx
        </text>
        <text x={(M.l + w - M.r) / 2} y={h - 4} textAnchor="middle" className="axis">
          frame (reference {reference}) — global shift in px
        </text>
      </svg>
    </div>
  );
}
