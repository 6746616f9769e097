/** A connection drawn in the colour of the port type it carries. */
import { Presets } from 'rete-react-plugin';
import { portColor } from '../lib/colors.ts';
import { getStore } from '../store.ts';
import type { GraphConnection } from './schemes.ts';

export function ConnectionComponent({ data }: { data: GraphConnection & { isPseudo?: boolean } }) {
  const { path } = Presets.classic.useConnection();
  if (!path) return null;
  const entry = getStore().entryOf(data.source);
  const type = entry?.outputs[data.sourceOutput]?.type ?? '';
  return (
    <svg className="lg-connection" data-testid="connection" data-id={data.id} style={{ overflow: 'visible', position: 'absolute', pointerEvents: 'none', width: 9999, height: 9999 }}>
      <path d={path} fill="none" stroke={type ? portColor(type) : '#ccc'} strokeWidth={3} style={{ pointerEvents: 'auto' }} />
    </svg>
  );
}
