import { UsageError } from '../errors.js';
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

// Damerau-Levenshtein (optimal string alignment): a swapped pair of letters is one typo.
export function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The first records of a list, as what `--fields` and the field checks judge by. */
export async function sampleOnce<T extends object>(items: AsyncIterable<T>, max = 100): Promise<T[]> {
  const sample: T[] = [];
  for await (const item of items) {
    sample.push(item);
    if (sample.length >= max) break;
  }
  return sample;
}
