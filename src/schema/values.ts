/**
 * A metric's per-sample result: a tree of numbers. Leaves are addressed by dotted paths, e.g.
 * `score` or `dims.motion_smoothness`. `null` marks a value that could not be computed for this sample
 * (it then counts as "metric missing" for gates, never as a pass).
 */
export interface MetricValues {
  [key: string]: number | null | MetricValues;
}

/** Reads a dotted leaf path (`dims.motion_smoothness`) from a metric's values; undefined when absent. */
export function getLeaf(values: MetricValues | undefined, path: string): number | null | undefined {
  let node: MetricValues | number | null | undefined = values;
  for (const key of path.split('.')) {
    if (node === null || node === undefined || typeof node === 'number') return undefined;
    node = Object.hasOwn(node, key) ? node[key] : undefined;
  }
  if (node === null) return null;
  return typeof node === 'number' ? node : undefined;
}

/** Every leaf path of a values tree, in insertion order. */
export function leafPaths(values: MetricValues, prefix = ''): string[] {
  const out: string[] = [];
  for (const [key, v] of Object.entries(values)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (v !== null && typeof v === 'object') out.push(...leafPaths(v, path));
    else out.push(path);
  }
  return out;
}

/** Sets a dotted leaf path, creating intermediate objects. */
export function setLeaf(values: MetricValues, path: string, value: number | null): void {
  const keys = path.split('.');
  let node = values;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === undefined || next === null || typeof next === 'number') {
      const created: MetricValues = {};
      node[key] = created;
      node = created;
    } else node = next;
  }
  node[keys[keys.length - 1]!] = value;
}
