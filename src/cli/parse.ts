import { UsageError } from '../errors.js';
import { parseWholeNumber } from '../util/whole-number.js';

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A whole-number flag within [min, max]; undefined when the flag was not given. */
export function parseIntFlag(value: string, flag: string, min: number, max: number): number;
export function parseIntFlag(value: string | undefined, flag: string, min: number, max: number): number | undefined;
export function parseIntFlag(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  return value === undefined ? undefined : parseWholeNumber(value, flag, min, max);
}

export function parsePositiveInt(value: string | undefined, flag: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  return parseIntFlag(value, flag, 1, max);
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
