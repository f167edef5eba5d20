import { isNullLike } from '../filter/where.js';
import { getPath } from './format.js';
import type { Humanizer } from './humanize.js';
import { tableCell } from './table.js';
import { displayWidth, wrapWords } from './text.js';

export interface KeyValueOptions {
  width: number;
  color: boolean;
  humanize?: Humanizer;
}

const MAX_KEY = 34;
// "Uncut" within reason: a value longer than this is a server problem, not something to read.
const MAX_VALUE = 100_000;
// What a reader looks for first; the rest keeps the server's order.
const FIRST = ['id', 'name'];

/**
 * One object for reading on a terminal (`get` on a TTY): a field per line, keys aligned, values uncut —
 * long text wraps at spaces and a URL is never broken, so it can be copied — nested objects indented and
 * lists of words joined. Without `fields`, every field that holds something (nulls, "" and "None" left out).
 */
export function renderKeyValues(record: object, fields: string[] | undefined, opts: KeyValueOptions): string {
  const entries: [string, unknown][] = fields
    ? fields.map((f) => [f, getPath(record, f)])
    : Object.entries(record)
        .filter(([, v]) => meaningful(v))
        .sort(([a], [b]) => rank(a) - rank(b));
  return block(entries, 0, opts).join('\n');
}

function rank(key: string): number {
  const at = FIRST.indexOf(key);
  return at < 0 ? FIRST.length : at;
}

function meaningful(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(meaningful);
  if (v !== null && typeof v === 'object') return Object.values(v).some(meaningful);
  return !isNullLike(v);
}

function block(entries: [string, unknown][], indent: number, opts: KeyValueOptions): string[] {
  const keyWidth = Math.min(MAX_KEY, Math.max(0, ...entries.map(([k]) => displayWidth(k))));
  const lines: string[] = [];
  const pad = ' '.repeat(indent);
  const key = (k: string) => (opts.color ? `\u001b[1m${k}\u001b[22m` : k) + ' '.repeat(Math.max(0, keyWidth - displayWidth(k)));
  for (const [k, v] of entries) {
    if (isNested(v)) {
      lines.push(`${pad}${key(k)}`.trimEnd());
      lines.push(...nested(v, indent + 2, opts));
      continue;
    }
    const text = valueText(k, v, opts);
    const first = `${pad}${key(k)}  `;
    const hang = ' '.repeat(indent + keyWidth + 2);
    const wrapped = wrapWords(text, Math.max(20, opts.width - hang.length));
    lines.push(`${first}${wrapped[0] ?? ''}`.trimEnd(), ...wrapped.slice(1).map((l) => `${hang}${l}`));
  }
  return lines;
}

function isNested(v: unknown): v is object {
  if (Array.isArray(v)) return v.some((x) => x !== null && typeof x === 'object');
  return v !== null && typeof v === 'object' && Object.keys(v).length > 0;
}

function nested(v: object, indent: number, opts: KeyValueOptions): string[] {
  if (!Array.isArray(v)) return block(Object.entries(v).filter(([, x]) => meaningful(x)), indent, opts);
  const lines: string[] = [];
  v.forEach((item, i) => {
    if (item !== null && typeof item === 'object') {
      lines.push(`${' '.repeat(indent)}[${i}]`, ...nested(item, indent + 2, opts));
    } else lines.push(`${' '.repeat(indent)}- ${valueText('', item, opts)}`);
  });
  return lines;
}

function valueText(field: string, v: unknown, opts: KeyValueOptions): string {
  const human = opts.humanize?.(field, v);
  if (human !== undefined) return human;
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map((x) => valueText(field, x, opts)).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return tableCell(String(v), MAX_VALUE).trim();
}
