/** A zoom/pan surface for images at full resolution: wheel zooms at the pointer, drag pans. */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';

export interface Transform {
  k: number;
  x: number;
  y: number;
}

export function ZoomPan({
  width,
  height,
  children,
  testid,
  toolbar,
}: {
  width: number;
  height: number;
  children: (t: Transform) => React.ReactNode;
  testid?: string;
  toolbar?: React.ReactNode;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [t, setT] = useState<Transform>({ k: 1, x: 0, y: 0 });
  const fitted = useRef(false);

  const fit = useCallback(() => {
    const el = ref.current;
    if (!el || !width || !height) return;
    const cw = el.clientWidth;
    const ch = el.clientHeight;
    const k = Math.min(cw / width, ch / height) * 0.96;
    setT({ k, x: (cw - width * k) / 2, y: (ch - height * k) / 2 });
  }, [width, height]);

  const actual = () => {
    const el = ref.current;
    if (!el) return;
    setT({ k: 1, x: (el.clientWidth - width) / 2, y: (el.clientHeight - height) / 2 });
  };

  useLayoutEffect(() => {
    fitted.current = false;
    fit();
    fitted.current = true;
  }, [fit]);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => fit());
    ro.observe(el);
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      const px = e.clientX - r.left;
      const py = e.clientY - r.top;
      setT((cur) => {
        const k = Math.min(64, Math.max(0.02, cur.k * Math.pow(1.0015, -e.deltaY)));
        return { k, x: px - ((px - cur.x) * k) / cur.k, y: py - ((py - cur.y) * k) / cur.k };
      });
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      ro.disconnect();
      el.removeEventListener('wheel', onWheel);
    };
  }, [fit]);

  const drag = useRef<{ x: number; y: number; tx: number; ty: number } | null>(null);
  const zoomBy = (f: number) => {
    const el = ref.current;
    if (!el) return;
    const px = el.clientWidth / 2;
    const py = el.clientHeight / 2;
    setT((cur) => {
      const k = Math.min(64, Math.max(0.02, cur.k * f));
      return { k, x: px - ((px - cur.x) * k) / cur.k, y: py - ((py - cur.y) * k) / cur.k };
    });
  };

  return (
    <div className="lg-zp" data-testid={testid}>
      <div className="lg-zp-tools">
        {toolbar}
        <span className="lg-spacer" />
        <button onClick={() => zoomBy(1 / 1.25)} title="zoom out">
          −
        </button>
        <span className="lg-zp-zoom" data-testid="zoom-level">
          {Math.round(t.k * 100)} %
        </span>
        <button onClick={() => zoomBy(1.25)} title="zoom in">
          +
        </button>
        <button onClick={fit} title="fit">
          Fit
        </button>
        <button onClick={actual} title="actual pixels">
          1:1
        </button>
      </div>
      <div
        className="lg-zp-view"
        ref={ref}
        onPointerDown={(e) => {
          if (e.button !== 0) return;
          (e.target as Element).setPointerCapture?.(e.pointerId);
          drag.current = { x: e.clientX, y: e.clientY, tx: t.x, ty: t.y };
        }}
        onPointerMove={(e) => {
          const d = drag.current;
          if (d) setT((cur) => ({ ...cur, x: d.tx + e.clientX - d.x, y: d.ty + e.clientY - d.y }));
        }}
        onPointerUp={() => (drag.current = null)}
        onDoubleClick={fit}
      >
        <div
          className={`lg-zp-content${t.k >= 2 ? ' pixelated' : ''}`}
          style={{ width, height, transform: `translate(${t.x}px, ${t.y}px) scale(${t.k})` }}
        >
          {children(t)}
        </div>
      </div>
    </div>
  );
}
