/**
 * Deepest nesting a response may have. Real NeuroVault bodies nest 4 levels (page → results → image →
 * a metadata list); 64 leaves room for any user-defined JSON value while keeping every later recursive step
 * (zod, JSON.stringify for -o json, a nested cell for tsv) far from the stack limit, which a body nested a
 * few thousand levels deep reaches.
 */
export const MAX_JSON_DEPTH = 64;

/** Whether a parsed JSON value nests deeper than `max`. Iterative, so the check cannot overflow the stack itself. */
export function nestedDeeperThan(value: unknown, max = MAX_JSON_DEPTH): boolean {
  if (value === null || typeof value !== 'object') return false;
  // Two flat stacks and `for…in`, not a tuple and an Object.values array per node: a page of 1000
  // collections has ~100,000 values, and this runs on every API body.
  const nodes: object[] = [value];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop()! as Record<string, unknown>;
    const depth = depths.pop()!;
    if (depth > max) return true;
    if (Array.isArray(node)) {
      for (const child of node) {
        if (child !== null && typeof child === 'object') {
          nodes.push(child as object);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const key in node) {
        const child = node[key];
        if (child !== null && typeof child === 'object') {
          nodes.push(child);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}
