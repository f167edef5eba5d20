import { BELOW_THRESHOLD, colourBarValues, colourOf } from './colour.js';
import { formatMm, formatValue, round1, type ViewModel } from './model.js';
import { renderPicture, totalWidthMm, type Panel, type Picture } from './picture.js';
import { ASCII_LEGEND, asciiLines, halfBlockLines, itermImage, kittyImage, type Display } from './terminal.js';
import type { Vec3 } from './affine.js';

/** Columns between panels in text. */
const TEXT_GAP = 2;
/** Lines around the picture: two of header, labels, sides, colour bar. */
const TEXT_LINES = 5;

export interface TextOptions {
  display: Display;
  columns: number;
  /** Terminal height when known: the picture is shrunk to fit it. */
  rows?: number;
  signal: AbortSignal;
}

/** The two header lines: what the file is, and where the slices cut it. */
export function headerLines(model: ViewModel): string[] {
  const { volume, stats, scale } = model;
  const dims = volume.dims.join('×') + (volume.volumes > 1 ? ` (volume 1 of ${volume.volumes})` : '');
  const first = `${model.title} · ${dims} ${volume.datatype} · ${volume.space} mm (${volume.affineSource})`;
  const peak = stats.peak ? `peak ${formatValue(stats.peak.value)}` : 'every voxel is 0 or NaN';
  const where = model.cutFrom === 'peak' ? ' at' : model.cutFrom === 'cut' ? ' · cut' : ' · centre';
  const range = scale.diverging ? `±${formatValue(scale.vmax)}` : `0…${formatValue(scale.vmax)}`;
  const threshold = scale.threshold > 0 ? ` · |v| > ${formatValue(scale.threshold)}` : '';
  const second = `${peak}${where} ${formatMm(model.cutMm)} mm = ${formatValue(model.cutValue)} · scale ${range}${threshold}`;
  return [first, second];
}

/** The picture in the terminal: header, slice labels, picture, sides, colour bar (or legend). */
export async function textView(model: ViewModel, opts: TextOptions): Promise<string> {
  const usable = Math.max(20, opts.columns - 1);
  const widthMm = totalWidthMm(model.bounds);
  let scaleX = (usable - 2 * TEXT_GAP) / widthMm;
  // A character cell is about twice as tall as it is wide: half-blocks give two pixels a cell, plain
  // characters one.
  const perRow = opts.display === 'ascii' ? 1 : 2;
  const heightMm = Math.max(model.bounds.max[2] - model.bounds.min[2], model.bounds.max[1] - model.bounds.min[1]);
  if (opts.rows !== undefined && opts.rows > TEXT_LINES + 4) {
    const fit = ((opts.rows - TEXT_LINES - 1) * 2) / heightMm;
    scaleX = Math.min(scaleX, fit);
  }
  const scaleY = (scaleX * perRow) / 2;
  const picture = await renderPicture(model.volume, model.cutMm, { scaleX, scaleY, gap: TEXT_GAP }, opts.signal);
  const lines = headerLines(model);
  lines.push(placeText(picture.width, picture.panels.map((p) => [p.left, sliceLabel(p)])));
  const at = (x: number, y: number) => picture.values[y * picture.width + x]!;
  if (opts.display === 'ascii') {
    lines.push(...asciiLines(picture.width, picture.height, at, model.scale.threshold, model.scale.vmax));
  } else {
    lines.push(...halfBlockLines(picture.width, picture.height, (x, y) => colourOf(at(x, y), model.scale)));
  }
  lines.push(sidesLine(picture, model.cutMm, scaleX));
  lines.push(opts.display === 'ascii' ? ASCII_LEGEND : colourBarLine(model, Math.min(48, usable - 24)));
  return `${lines.map((l) => l.trimEnd()).join('\n')}\n`;
}

function sliceLabel(p: Panel): string {
  return `${'xyz'[p.axis]}=${round1(p.at)}`;
}

/**
 * Under each panel: its sides (P/A, L/R) at the edges and `^` under the column where another slice cuts
 * it, so the three views can be matched up without a cross-hair drawn over the map.
 */
function sidesLine(picture: Picture, cut: Vec3, scaleX: number): string {
  const marks: [number, string][] = [];
  for (const p of picture.panels) marks.push([p.left, p.sides[0]], [p.left + p.width - 1, p.sides[1]]);
  for (const p of picture.panels) {
    const x = Math.floor((cut[p.h] - p.hRange[0]) * scaleX);
    if (x > 0 && x < p.width - 1) marks.push([p.left + x, '^']);
  }
  return placeText(picture.width, marks);
}

/** Text placed at columns of a line (later marks never overwrite earlier ones). */
function placeText(width: number, marks: [number, string][]): string {
  const cells = new Array<string>(Math.max(width, ...marks.map(([x, s]) => x + s.length))).fill(' ');
  for (const [x, s] of marks) {
    if (cells.slice(x, x + s.length).some((c) => c !== ' ')) continue;
    for (let i = 0; i < s.length; i++) cells[x + i] = s[i]!;
  }
  return cells.join('');
}

const RESET = '\x1b[0m';

function colourBarLine(model: ViewModel, steps: number): string {
  const { scale } = model;
  const lo = scale.diverging ? -scale.vmax : 0;
  let bar = '';
  for (const v of colourBarValues(scale, Math.max(8, steps))) {
    const c = colourOf(v, scale) ?? BELOW_THRESHOLD;
    bar += `\x1b[38;2;${c[0]};${c[1]};${c[2]}m█`;
  }
  return `${formatValue(lo)} ${bar}${RESET} ${formatValue(scale.vmax)}`;
}

export interface RgbImage {
  width: number;
  height: number;
  /** RGB, 3 bytes a pixel, rows top to bottom. */
  data: Uint8Array;
}

/** PNG text chunks (tEXt) hold Latin-1 only: an ellipsis becomes three dots, anything else outside it `?`. */
function latin1(s: string): string {
  return s.replace(/…/g, '...').replace(/[^\n\x20-\x7e\xa0-\xff]/g, '?');
}

export async function encodePng(image: RgbImage, text: Record<string, string>): Promise<Uint8Array> {
  const { encode } = await import('fast-png');
  const chunks = Object.fromEntries(Object.entries(text).map(([k, v]) => [k, latin1(v)]));
  return encode({ width: image.width, height: image.height, data: image.data, channels: 3, depth: 8, text: chunks });
}

/** kitty or iTerm2: the header as text (to copy from), then the picture that stands alone (figure.ts). */
export async function inlineImageView(model: ViewModel, display: 'kitty' | 'iterm', columns: number, signal: AbortSignal): Promise<string> {
  const { figure } = await import('./figure.js');
  const png = await encodePng(await figure(model, signal), {});
  const cols = Math.max(20, columns - 1);
  const body = display === 'kitty' ? kittyImage(png, cols) : itermImage(png, cols);
  return `${headerLines(model).join('\n')}\n${body}`;
}
