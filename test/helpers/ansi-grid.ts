/** An RGB colour parsed from a 24-bit SGR sequence; null is the terminal's default (nothing drawn). */
export type Cell = [number, number, number] | null;

/**
 * Reads half-block lines back into pixels: two per character, the upper from ▀'s foreground (or ▄'s
 * background), the lower from ▀'s background (or ▄'s foreground). Independent of the renderer's code.
 */
export function parseHalfBlocks(lines: string[]): Cell[][] {
  const rows: Cell[][] = [];
  for (const line of lines) {
    const top: Cell[] = [];
    const bottom: Cell[] = [];
    let fg: Cell = null;
    let bg: Cell = null;
    const re = /\x1b\[([0-9;]*)m|([^\x1b])/gu;
    let m: RegExpExecArray | null;
    while ((m = re.exec(line))) {
      if (m[1] !== undefined) {
        const p = m[1].split(';').map(Number);
        for (let i = 0; i < p.length; i++) {
          if (p[i] === 0 || m[1] === '') fg = bg = null;
          else if ((p[i] === 38 || p[i] === 48) && p[i + 1] === 2) {
            const c: Cell = [p[i + 2]!, p[i + 3]!, p[i + 4]!];
            if (p[i] === 38) fg = c;
            else bg = c;
            i += 4;
          }
        }
        continue;
      }
      const ch = m[2]!;
      if (ch === '▀') {
        top.push(fg);
        bottom.push(bg);
      } else if (ch === '▄') {
        top.push(bg);
        bottom.push(fg);
      } else if (ch === '█') {
        top.push(fg);
        bottom.push(fg);
      } else {
        top.push(bg);
        bottom.push(bg);
      }
    }
    rows.push(top, bottom);
  }
  return rows;
}

/** Strong positive (red with a yellow component: the upper half of the scale) and strong negative. */
export const isHot = (c: Cell): boolean => c !== null && c[0] === 255 && c[2] === 0 && c[1] > 0;
export const isCold = (c: Cell): boolean => c !== null && c[2] === 255 && c[0] === 0 && c[1] > 0;

/** Mean column and row of the pixels that pass `keep`, within columns [left, right). */
export function centroid(grid: Cell[][], left: number, right: number, keep: (c: Cell) => boolean): { x: number; y: number; n: number } {
  let sx = 0;
  let sy = 0;
  let n = 0;
  grid.forEach((row, y) => {
    for (let x = left; x < Math.min(right, row.length); x++) {
      if (keep(row[x] ?? null)) {
        sx += x + 0.5;
        sy += y + 0.5;
        n++;
      }
    }
  });
  return { x: sx / n, y: sy / n, n };
}
