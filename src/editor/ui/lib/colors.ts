/** Colours of port types (sockets, connections) and node categories. */
export const PORT_COLORS: Record<string, string> = {
  frames: '#4fa3ff',
  ranking: '#f2c94c',
  patch: '#f2994a',
  alignment: '#bb6bd9',
  image: '#6fcf97',
  apgrid: '#eb5757',
  selection: '#56ccf2',
  localshifts: '#ff7eb6',
  stackparts: '#a3a3ff',
  file: '#bdbdbd',
};

export const CATEGORY_COLORS: Record<string, string> = {
  input: '#2f80ed',
  analysis: '#d4a72c',
  alignment: '#9b51e0',
  stacking: '#27ae60',
  postprocess: '#2d9cdb',
  output: '#828282',
  test: '#555',
};

export const CATEGORY_ORDER = ['input', 'analysis', 'alignment', 'stacking', 'postprocess', 'output', 'test'];

export function portColor(type: string): string {
  return PORT_COLORS[type] ?? '#999';
}
