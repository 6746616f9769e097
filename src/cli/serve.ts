/** `luckygraph serve`: the editor in the browser. Not built yet (issue: the visual editor). */
export async function serveCommand(): Promise<number> {
  process.stderr.write('luckygraph serve: the browser editor is not part of this version yet\n');
  return 2;
}
