/**
 * gh-style tables for a terminal: no borders, columns two spaces apart, a light header, and the whole table
 * fitted to the terminal width. When it does not fit, free text gives way first (the widest free-text
 * column is cut with `…`), then other text columns; ids and numbers are never cut. The layout (widths,
 * cuts) is ours; cli-table3 draws the fitted cells.
 */

import { createRequire } from 'node:module';
import type CliTable from 'cli-table3';
import { MAX_LINE, terminalLine } from '../util/terminal-text.js';
import { cut, displayWidth } from './text.js';

export interface TableOptions {
  /** Terminal columns; no line of the table is longer. */
  width: number;
  color: boolean;
}

const GAP = '  ';
// A cut text column keeps at least this many characters (with the `…`); headers are cut like cells.
const MIN_TEXT = 3;
// Free text first gives up what it has beyond this, then headers wider than their column's values, then
// free text down to FREE_TEXT_MIN, then any text.
const FREE_TEXT_SOFT = 16;
const FREE_TEXT_MIN = 8;
const MIN_HEADER = 6;
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

type Kind = 'fixed' | 'free' | 'text';

export function renderTable(head: string[], rows: string[][], opts: TableOptions): string {
  const heads = head.map((h) => tableCell(h));
  const cells = rows.map((row) => heads.map((_, i) => tableCell(row[i] ?? '')));
  const kinds = heads.map((h, i) => kindOf(h, cells.map((r) => r[i]!)));
  // Loops, not Math.max(...cells): a spread of 200k arguments overflows the stack.
  const dataWidths = heads.map(() => 0);
  for (const row of cells) row.forEach((cell, i) => (dataWidths[i] = Math.max(dataWidths[i]!, displayWidth(cell))));
  const widths = heads.map((h, i) => Math.max(displayWidth(h), dataWidths[i]!));
  const shown = fit(widths, dataWidths, kinds, Math.max(1, opts.width));
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

/** ids and numbers are never cut; text with spaces is free text, cut first; the rest (URLs, DOIs, codes) after. */
function kindOf(head: string, column: string[]): Kind {
  const filled = column.filter((c) => c !== '');
  if (/^(id|.*_id|owner|collection)$/i.test(head) || (filled.length > 0 && filled.every((c) => isNumberLike(c) || isDateLike(c)))) {
    return 'fixed';
  }
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
 * Narrows `widths` in place until the row fits `width`; returns the indexes of the columns kept. Columns that
 * cannot fit even at their least are dropped from the right (ids and numbers are never cut, only dropped).
 */
function fit(widths: number[], dataWidths: number[], kinds: Kind[], width: number): number[] {
  const shown = widths.map((_, i) => i);
  const total = () => shown.reduce((sum, i) => sum + widths[i]!, 0) + GAP.length * (shown.length - 1);
  const shrink = (eligible: (i: number) => boolean, floor: (i: number) => number) => {
    while (total() > width) {
      let widest = -1;
      for (const i of shown) if (eligible(i) && widths[i]! > floor(i) && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
      if (widest < 0) return;
      widths[widest] = widths[widest]! - 1;
    }
  };
  const free = (i: number) => kinds[i] === 'free';
  const cuttable = (i: number) => kinds[i] !== 'fixed';
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
  while (total() > width && shown.length > 1) shown.pop();
  if (total() > width) widths[shown[0]!] = width; // one column wider than the screen: cut it too
  return shown;
}
