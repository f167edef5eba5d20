/**
 * Objects shown beside a record without becoming part of it (an image's collection, for
 * `collection.<field>` in --columns and --json as in --where): a symbol key, so JSON output stays the
 * server's object.
 */
const RELATED = Symbol('related');

export function withRelated<T extends object>(record: T, related: Record<string, object | undefined>): T {
  Object.defineProperty(record, RELATED, { value: related, enumerable: false, configurable: true });
  return record;
}

/** Reads "a.b.0.c". At each level the whole remaining path is tried first, since user-defined keys may contain dots. */
export function getPath(obj: unknown, dotted: string): unknown {
  const own = ownPath(obj, dotted);
  if (own !== undefined || obj === null || typeof obj !== 'object') return own;
  const related = (obj as { [RELATED]?: Record<string, object | undefined> })[RELATED];
  const dot = dotted.indexOf('.');
  if (!related || dot <= 0 || !Object.hasOwn(related, dotted.slice(0, dot))) return undefined;
  return ownPath(related[dotted.slice(0, dot)], dotted.slice(dot + 1));
}

function ownPath(obj: unknown, dotted: string): unknown {
  if (obj === null || typeof obj !== 'object') return undefined;
  // Own keys only: "constructor" or "__proto__" must not reach into the prototype.
  if (Object.hasOwn(obj, dotted)) return (obj as Record<string, unknown>)[dotted];
  for (let dot = dotted.indexOf('.'); dot > 0; dot = dotted.indexOf('.', dot + 1)) {
    const head = dotted.slice(0, dot);
    if (!Object.hasOwn(obj, head)) continue;
    const found = ownPath((obj as Record<string, unknown>)[head], dotted.slice(dot + 1));
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
