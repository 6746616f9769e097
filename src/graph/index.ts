/** Public API of the graph model: types, registry, YAML, params, validation, migration, topology, edits. */
export * from './types.ts';
export { NodeRegistry, nodeCatalogueEntry } from './registry.ts';
export type { Catalogue, NodeCatalogueEntry, ParamCatalogueEntry, PortCatalogueEntry } from './registry.ts';
export { parseGraphYaml, stringifyGraph, loadGraphFile, saveGraphFile } from './yaml.ts';
export { sourceMapOf, locateIssue } from './source-map.ts';
export type { SourceMap, SourceLocation } from './source-map.ts';
export {
  resolveParams,
  parseParamValue,
  canonicalParams,
  coerceParamValue,
  checkParamValue,
  defaultParams,
  describeExpected,
  describeRange,
} from './params.ts';
export type { CoerceResult } from './params.ts';
export { validateGraph, formatIssues, hasErrors, assertValid } from './validate.ts';
export { migrateGraph, migrateParams } from './migrate.ts';
export type { AppliedMigration } from './migrate.ts';
export { edgesOf, topologicalOrder, upstreamOf, downstreamOf, findCycles, formatCycle, adjacency } from './topology.ts';
export {
  edit,
  setParam,
  addNode,
  removeNode,
  duplicateNode,
  renameNode,
  connect,
  connectionProblem,
  disconnect,
  moveNode,
  GraphHistory,
} from './edit.ts';
export type { EditResult, Command, HistoryEntry, HistoryEvent, HistoryListener, ApplyOptions, Patch } from './edit.ts';
export { parseRef, formatRef, closest, stableStringify, isValidId } from './util.ts';
