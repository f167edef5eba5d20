/**
 * gh-style tables for a terminal: no borders, columns two spaces apart, a light header, and the whole table
 * fitted to the terminal width. When it does not fit, low-value columns (`dropFirst`) go before a text
 * column is cut below PRIMARY_MIN cells; then free text gives way (the widest free-text column is cut with
 * `…`), then other text columns. Ids, numbers and what a user copies (URLs, paths, DOIs) are never cut:
 * when they cannot fit whole, each record is shown as key/value lines instead. The layout (widths, cuts)
 * is ours; cli-table3 draws the fitted cells.
 */

import { createRequire } from 'node:module';
import type CliTable from 'cli-table3';
import { MAX_LINE, terminalLine } from '../util/terminal-text.js';
import { cut, displayWidth } from './text.js';

export interface TableOptions {
  /** Terminal columns; no line of the table is longer. */
  width: number;
  color: boolean;
  /** Columns that give way first when the table is too wide, the first listed first (gh's column priorities). */
  dropFirst?: readonly string[];
}

const GAP = '  ';
// A cut text column keeps at least this many characters (with the `…`); headers are cut like cells.
const MIN_TEXT = 3;
// Free text first gives up what it has beyond this, then headers wider than their column's values, then
// free text down to FREE_TEXT_MIN, then any text.
const FREE_TEXT_SOFT = 16;
const FREE_TEXT_MIN = 8;
const MIN_HEADER = 6;
// A name cut shorter than this is unreadable: low-value columns are dropped first.
const PRIMARY_MIN = 20;
// Rows per cli-table3 table: its layout is quadratic in rows (every cell is checked against the rows above
// for spans), so a long list is drawn as stacked tables sharing one set of widths.
const CHUNK = 100;
const NO_BORDER = Object.fromEntries(
  ['top', 'top-mid', 'top-left', 'top-right', 'bottom', 'bottom-mid', 'bottom-left', 'bottom-right', 'left', 'left-mid', 'mid', 'mid-mid', 'right', 'right-mid', 'middle'].map((c) => [c, '']),
);

/**
 * Table cells are for eyes on a terminal: server text may hold newlines (which would break the row) or escape
 * sequences (which the terminal would obey), so line breaks become spaces and other control characters
 * visible escapes (`\x1b`), through the same sanitiser as every message. Width is cut by the layout, not
 * here; `max` only bounds the work on a 10 MB value.
 */
export function tableCell(text: string, max = MAX_LINE): string {
  return terminalLine(text, max);
}

type Kind = 'fixed' | 'copy' | 'free' | 'text';

export function renderTable(head: string[], rows: string[][], opts: TableOptions): string {
  const heads = head.map((h) => tableCell(h));
  const cells = rows.map((row) => heads.map((_, i) => tableCell(row[i] ?? '')));
  const kinds = heads.map((h, i) => kindOf(h, cells.map((r) => r[i]!)));
  // Loops, not Math.max(...cells): a spread of 200k arguments overflows the stack.
  const dataWidths = heads.map(() => 0);
  for (const row of cells) row.forEach((cell, i) => (dataWidths[i] = Math.max(dataWidths[i]!, displayWidth(cell))));
  const widths = heads.map((h, i) => Math.max(displayWidth(h), dataWidths[i]!));
  const dropFirst = (opts.dropFirst ?? []).map((name) => heads.indexOf(name)).filter((i) => i >= 0);
  const shown = fit(widths, dataWidths, kinds, dropFirst, Math.max(1, opts.width));
  if (!shown) return keyValueRecords(heads, cells, opts);
  // Cut here, not by cli-table3, so the cut follows our widths (which err wide) and the `…` rule above.
  const fitted = (row: string[]) => shown.map((col) => cut(row[col]!, widths[col]!));
  const bold = opts.color ? (s: string) => `\u001b[1m${s}\u001b[22m` : (s: string) => s;
  const Table = loadCliTable();
  const options = {
    chars: NO_BORDER,
    // cli-table3's own colours go through @colors/colors, which ignores NO_COLOR and a piped stdout; the
    // caller has decided, so the header arrives already bold (or not) and cli-table3 styles nothing.
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': GAP.length },
    colWidths: shown.map((col) => widths[col]! + GAP.length),
  };
  const lines: string[] = [];
  // Without borders the stacked tables join seamlessly.
  for (let start = 0; start === 0 || start < cells.length; start += CHUNK) {
    const table = new Table(start === 0 ? { ...options, head: fitted(heads).map(bold) } : options);
    for (const row of cells.slice(start, start + CHUNK)) table.push(fitted(row));
    // The last column's padding goes: no trailing blanks to copy along with a value.
    for (const line of table.toString().split('\n')) lines.push(line.trimEnd());
  }
  return lines.join('\n');
}

let cliTable: typeof CliTable | undefined;

// CommonJS, and loaded only when a table is drawn: `--help`, `get` views and every non-table format skip it.
function loadCliTable(): typeof CliTable {
  return (cliTable ??= createRequire(import.meta.url)('cli-table3') as typeof CliTable);
}

/**
 * ids and numbers are never cut, nor URLs, paths and DOIs (words with a `/`, made to be copied); text with
 * spaces is free text, cut first; the rest (codes such as `statistic_map`) after.
 */
function kindOf(head: string, column: string[]): Kind {
  const filled = column.filter((c) => c !== '');
  if (/^(id|.*_id|owner|collection)$/i.test(head) || (filled.length > 0 && filled.every((c) => isNumberLike(c) || isDateLike(c)))) {
    return 'fixed';
  }
  if (filled.length > 0 && filled.every((c) => /^\S*\/\S*$/.test(c.trim()))) return 'copy';
  if (filled.some((c) => /\s/.test(c.trim()))) return 'free';
  return 'text';
}

// Plain and humanised numbers ("1,250", "837 KiB") are read whole or not at all.
function isNumberLike(cell: string): boolean {
  return /^[+-]?[\d,.]+( ?[KMGTP]?i?B)?$/.test(cell);
}

// Humanised dates ("2015-01-03", "3 days ago") are short and useless cut.
function isDateLike(cell: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$|^\d+ \w+ ago$|^just now$/.test(cell);
}

/**
 * Narrows `widths` in place until the row fits `width`; returns the indexes of the columns kept, or undefined
 * when a column that must stay whole (an id, a URL) cannot fit even alone with the first column.
 */
function fit(widths: number[], dataWidths: number[], kinds: Kind[], dropFirst: number[], width: number): number[] | undefined {
  let shown = widths.map((_, i) => i);
  const total = () => shown.reduce((sum, i) => sum + widths[i]!, 0) + GAP.length * (shown.length - 1);
  // gh's priorities: a low-value column goes before any text is cut below PRIMARY_MIN or a header is cut.
  const comfortable = (i: number) => (kinds[i] === 'free' || kinds[i] === 'text' ? Math.min(widths[i]!, PRIMARY_MIN) : widths[i]!);
  for (const victim of dropFirst) {
    if (shown.reduce((sum, i) => sum + comfortable(i), 0) + GAP.length * (shown.length - 1) <= width) break;
    shown = shown.filter((i) => i !== victim);
  }
  const shrink = (eligible: (i: number) => boolean, floor: (i: number) => number) => {
    while (total() > width) {
      let widest = -1;
      for (const i of shown) if (eligible(i) && widths[i]! > floor(i) && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
      if (widest < 0) return;
      widths[widest] = widths[widest]! - 1;
    }
  };
  const free = (i: number) => kinds[i] === 'free';
  const cuttable = (i: number) => kinds[i] === 'free' || kinds[i] === 'text';
  shrink(free, () => FREE_TEXT_SOFT);
  // A header is cut only where that gains a few columns ("number_of_images" over "3"), not one character.
  const natural = [...widths];
  shrink(
    (i) => natural[i]! - dataWidths[i]! > 2,
    (i) => Math.max(dataWidths[i]!, MIN_HEADER),
  );
  shrink(free, () => FREE_TEXT_MIN);
  shrink(cuttable, () => FREE_TEXT_MIN);
  shrink(cuttable, () => MIN_TEXT);
  // Then columns go from the right, except one to copy, which is shown whole elsewhere rather than lost.
  while (total() > width && shown.length > 1) {
    const last = shown.findLastIndex((i, at) => at > 0 && kinds[i] !== 'copy');
    if (last < 0) break;
    shown.splice(last, 1);
  }
  if (total() <= width || (shown.length === 1 && kinds[shown[0]!] === 'copy')) return shown;
  if (shown.some((i) => kinds[i] === 'copy' || (kinds[i] === 'fixed' && widths[i]! > width))) return undefined;
  widths[shown[0]!] = width; // one text column wider than the screen: cut it too
  return shown;
}

/** Records too wide for a row each: `key  value` lines, values whole (a long one runs on), a blank line between. */
function keyValueRecords(heads: string[], cells: string[][], opts: TableOptions): string {
  const keyWidth = Math.max(...heads.map(displayWidth));
  const key = (h: string) => (opts.color ? `\u001b[1m${h}\u001b[22m` : h) + ' '.repeat(keyWidth - displayWidth(h));
  return cells.map((row) => heads.map((h, i) => `${key(h)}  ${row[i]}`.trimEnd()).join('\n')).join('\n\n');
}
