import { UsageError } from '../errors.js';
import { distance } from '../util/distance.js';
import { getPath } from './format.js';

/** A field name the user typed, and the flag it came from (for the message). */
export interface FieldUse {
  field: string;
  flag: string;
}

/**
 * A `--where`/`--columns`/`--json` field that none of `sample` has (and the schema does not declare) is a
 * typo, not an empty answer: exit 2 naming the closest real fields, before anything is printed.
 * `sample` is the first page (or the one object); with no sample there is nothing to judge by.
 */
export function checkFields(uses: FieldUse[], sample: readonly object[], declared: readonly string[]): void {
  if (sample.length === 0) return;
  for (const { field, flag } of uses) {
    if (declared.includes(field) || sample.some((r) => getPath(r, field) !== undefined)) continue;
    const names = fieldNames(sample, declared);
    const close = suggest(field, names);
    throw new UsageError(`unknown field "${field}" in ${flag}: no ${sample.length === 1 ? 'such field' : 'record has it'}`, {
      hint: close.length > 0 ? `did you mean ${close.join(', ')}? (--fields lists them all)` : 'run the same command with --fields to list them',
    });
  }
}

/** Top-level field names of the sample, declared ones first, in the order they were first seen. */
export function fieldNames(sample: readonly object[], declared: readonly string[] = []): string[] {
  const names = new Set<string>(declared);
  for (const r of sample) for (const k of Object.keys(r)) names.add(k);
  return [...names];
}

/** Up to three names within a small edit distance (case ignored), closest first; a dotted path is matched on its head. */
export function suggest(field: string, names: readonly string[]): string[] {
  const dot = field.indexOf('.');
  const head = dot > 0 ? field.slice(0, dot) : field;
  const tail = dot > 0 ? field.slice(dot) : '';
  const want = head.toLowerCase();
  const limit = Math.max(2, Math.floor(want.length / 3));
  return names
    .map((n) => ({ n, d: n.toLowerCase() === want ? 0 : distance(want, n.toLowerCase()) }))
    .filter(({ n, d }) => d <= limit || (want.length >= 3 && n.toLowerCase().startsWith(want)))
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map(({ n }) => `${n}${tail}`);
}

// The library's --where value check uses it too (src/filter/where.ts), so it lives in src/util.
export { distance };

/** The first records of a list, as what `--fields` and the field checks judge by. */
export async function sampleOnce<T extends object>(items: AsyncIterable<T>, max = 100): Promise<T[]> {
  const sample: T[] = [];
  for await (const item of items) {
    sample.push(item);
    if (sample.length >= max) break;
  }
  return sample;
}
