/** A socket coloured by its port type. */
import type { ClassicPreset } from 'rete';
import { portColor } from '../lib/colors.ts';

export function SocketComponent({ data }: { data: ClassicPreset.Socket }) {
  return <div className="lg-socket" style={{ background: portColor(data.name) }} title={data.name} data-port-type={data.name} />;
}
