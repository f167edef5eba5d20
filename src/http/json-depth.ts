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
  const stack: [object, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > max) return true;
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) if (child !== null && typeof child === 'object') stack.push([child as object, depth + 1]);
  }
  return false;
}
