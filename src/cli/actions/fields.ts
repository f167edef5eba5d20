import type { Context } from '../context.js';
import { fieldNames } from '../field-check.js';
import { Output } from '../../output/format.js';

/** `--fields`: the names the objects have (the sample's, then the declared ones), one per line on stdout. */
export async function printFieldNames(ctx: Context, sample: readonly object[], declared: readonly string[]): Promise<void> {
  const seen = fieldNames(sample);
  const names = [...seen, ...declared.filter((d) => !seen.includes(d))];
  const out = new Output(ctx.io.stdout);
  if (await out.write(names.map((n) => `${n}\n`).join(''))) await out.flush();
}

/** The first page of a list, as what `--fields` and the field checks judge by. */
export async function sampleOnce<T extends object>(items: AsyncIterable<T>): Promise<T[]> {
  const sample: T[] = [];
  for await (const item of items) sample.push(item);
  return sample;
}
