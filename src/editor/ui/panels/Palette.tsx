/** Node types from the catalogue, grouped by category: click to add at the view centre, or drag onto the canvas. */
import { useState } from 'react';
import { CATEGORY_COLORS, CATEGORY_ORDER, portColor } from '../lib/colors.ts';
import { getStore, useStore } from '../store.ts';

export function Palette() {
  const catalogue = useStore((s) => s.catalogue);
  const [filter, setFilter] = useState('');
  const groups = new Map<string, typeof catalogue.nodes>();
  for (const n of catalogue.nodes) {
    if (filter && !`${n.type} ${n.doc}`.toLowerCase().includes(filter.toLowerCase())) continue;
    groups.set(n.category, [...(groups.get(n.category) ?? []), n]);
  }
  const cats = [...groups.keys()].sort((a, b) => CATEGORY_ORDER.indexOf(a) - CATEGORY_ORDER.indexOf(b));
  return (
    <div className="lg-palette" data-testid="palette">
      <h3>Nodes</h3>
      <input type="search" placeholder="filter…" value={filter} onChange={(e) => setFilter(e.target.value)} />
      {cats.map((cat) => (
        <div key={cat} className="lg-palette-group">
          <h4 style={{ borderLeftColor: CATEGORY_COLORS[cat] }}>{cat}</h4>
          {groups.get(cat)!.map((n) => (
            <button
              key={n.type}
              className="lg-palette-item"
              data-testid={`palette-${n.type}`}
              draggable
              onDragStart={(e) => {
                e.dataTransfer.setData('application/x-luckygraph-node', n.type);
                e.dataTransfer.effectAllowed = 'copy';
              }}
              onClick={() => getStore().addNode(n.type)}
              title={`${n.doc}\n\ninputs: ${Object.entries(n.inputs).map(([k, p]) => `${k} (${p.type})`).join(', ') || 'none'}\noutputs: ${Object.entries(n.outputs).map(([k, p]) => `${k} (${p.type})`).join(', ') || 'none'}`}
            >
              <span>{n.type}</span>
              <span className="lg-palette-ports">
                {Object.values(n.outputs).map((p, i) => (
                  <i key={i} style={{ background: portColor(p.type) }} />
                ))}
              </span>
            </button>
          ))}
        </div>
      ))}
      <div className="lg-legend">
        <h4>Port types</h4>
        {Object.entries(catalogue.portTypes).map(([t, doc]) => (
          <div key={t} title={doc}>
            <i style={{ background: portColor(t) }} /> {t}
          </div>
        ))}
      </div>
    </div>
  );
}
