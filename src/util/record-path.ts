/** Reads "a.b.0.c". At each level the whole remaining path is tried first, since user-defined keys may contain dots. */
export function getPath(obj: unknown, dotted: string): unknown {
  if (obj === null || typeof obj !== 'object') return undefined;
  // Own keys only: "constructor" or "__proto__" must not reach into the prototype.
  if (Object.hasOwn(obj, dotted)) return (obj as Record<string, unknown>)[dotted];
  for (let dot = dotted.indexOf('.'); dot > 0; dot = dotted.indexOf('.', dot + 1)) {
    const head = dotted.slice(0, dot);
    if (!Object.hasOwn(obj, head)) continue;
    const found = getPath((obj as Record<string, unknown>)[head], dotted.slice(dot + 1));
    if (found !== undefined) return found;
  }
  return undefined;
}

/** null/undefined → "", strings as is, numbers/booleans via String(), objects and arrays as compact JSON. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? '';
}
