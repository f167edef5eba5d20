import { UsageError } from '../errors.js';

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parsePositiveInt(value: string | undefined, flag: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > max) {
    throw new UsageError(`invalid ${flag} "${value}": a whole number from 1 to ${max}`);
  }
  return Number(value);
}

/** `--limit n | --all`: mutually exclusive, default limit 100 (the server's page). */
export function parseLimit(opts: { limit?: string; all?: boolean }): { limit?: number; all: boolean } {
  if (opts.all && opts.limit !== undefined) throw new UsageError('use either --limit or --all, not both');
  return { limit: parsePositiveInt(opts.limit, '--limit'), all: Boolean(opts.all) };
}

/** `key=value` pairs from repeatable flags; the first `=` splits, so values may contain `=`. */
export function parseKeyValues(pairs: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid ${flag} "${pair}": expected key=value`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return out;
}
