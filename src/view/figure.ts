/**
 * The picture that stands alone (`--png`, and kitty/iTerm2 inline images), laid out as nilearn's
 * `plot_stat_map` on a black background: a title (what the image is) and a line saying where the slices
 * cut it and the threshold; each slice with its coordinate above it, its anatomical sides around it
 * (L/R, P/A, S/I) and cross-hairs where the other two slices cut it; then a colour bar with numbers.
 */
import { BELOW_THRESHOLD, colourBarValues, colourOf, type Rgb } from './colour.js';
import { GLYPH_HEIGHT, GLYPH_WIDTH, blend, drawText, textWidth, type Bitmap } from './font.js';
import { formatMm, formatValue, round1, type ViewModel } from './model.js';
import { renderPicture, totalWidthMm, type Panel, type Picture } from './picture.js';
import { voxelSizes } from './affine.js';

const WHITE: Rgb = [255, 255, 255];
const GREY: Rgb = [190, 190, 190];
/** Above and below each slice: the side at its top and bottom edge (the panels' `sides` are left and right). */
const VERTICAL_SIDES: Record<Panel['name'], [string, string]> = { sagittal: ['S', 'I'], coronal: ['S', 'I'], axial: ['A', 'P'] };

export interface Figure extends Bitmap {
  /** The slices, placed in figure pixels (their `left`/`top` include the margins). */
  picture: Picture;
  /** Figure pixels per mm. */
  scale: number;
}

/** Pixels per mm: 4 a voxel, kept between 1000 and 2000 pixels across for the three slices. */
export function figureScale(model: ViewModel): number {
  const voxel = Math.min(...voxelSizes(model.volume.affine));
  const width = totalWidthMm(model.bounds);
  return Math.min(Math.max(4 / voxel, 1000 / width), 2000 / width);
}

export async function figure(model: ViewModel, signal: AbortSignal): Promise<Figure> {
  const scale = figureScale(model);
  // Font pixels double on a wide figure, so the text stays readable when it is shown smaller.
  const f = scale * totalWidthMm(model.bounds) > 1500 ? 2 : 1;
  const gw = GLYPH_WIDTH * f;
  const gh = GLYPH_HEIGHT * f;
  // Room for a side letter on each side of a gap, and at the outer edges.
  const gap = Math.max(Math.round(8 * scale), 5 * gw);
  const margin = 2 * gw;
  const picture = await renderPicture(model.volume, model.cutMm, { scaleX: scale, scaleY: scale, gap }, signal);
  const top = Math.round(gh * 0.5) + 3 * gh + Math.round(gh * 0.5);
  const barTop = top + picture.height + gh + Math.round(gh * 0.5);
  const barHeight = Math.round(gh * 0.8);
  const width = picture.width + 2 * margin;
  const height = barTop + barHeight + 3 * f + gh + Math.round(gh * 0.5);
  const image: Figure = { width, height, data: new Uint8Array(width * height * 3), picture, scale };
  for (const p of picture.panels) {
    p.left += margin;
    p.top += top;
  }

  for (let y = 0; y < picture.height; y++) {
    for (let x = 0; x < picture.width; x++) {
      const c = colourOf(picture.values[y * picture.width + x]!, model.scale);
      if (c) put(image, margin + x, top + y, c);
    }
  }
  for (const p of picture.panels) crossHairs(image, p, model, scale, f);

  const title = fitText(model.title, width - 2 * margin, f);
  drawText(image, margin, Math.round(gh * 0.5), title, WHITE, f);
  drawText(image, margin, Math.round(gh * 0.5) + gh, fitText(cutLine(model), width - 2 * margin, f), GREY, f);
  for (const p of picture.panels) {
    drawText(image, p.left, top - gh, `${'xyz'[p.axis]}=${round1(p.at)}`, WHITE, f);
    const [above, below] = VERTICAL_SIDES[p.name];
    const centre = p.left + p.width / 2 - gw / 2;
    drawText(image, centre, top - gh, above, WHITE, f);
    drawText(image, centre, top + picture.height, below, WHITE, f);
    const middle = p.top + p.height / 2 - gh / 2;
    drawText(image, p.left - gw - Math.round(gw / 2), middle, p.sides[0], WHITE, f);
    drawText(image, p.left + p.width + Math.round(gw / 2), middle, p.sides[1], WHITE, f);
  }
  colourBar(image, model, barTop, barHeight, f);
  return image;
}

function put(image: Bitmap, x: number, y: number, c: Rgb): void {
  const o = (y * image.width + x) * 3;
  image.data[o] = c[0];
  image.data[o + 1] = c[1];
  image.data[o + 2] = c[2];
}

/**
 * Where the other two slices cut this one: a thin line each way across the slice, left open around the
 * cut point so the voxel the slices go through (the peak, by default) stays visible.
 */
function crossHairs(image: Bitmap, p: Panel, model: ViewModel, scale: number, f: number): void {
  const x = p.left + Math.floor((model.cutMm[p.h] - p.hRange[0]) * scale);
  const y = p.top + Math.floor((p.vRange[1] - model.cutMm[p.v]) * scale);
  const open = Math.round(6 * scale);
  for (let t = 0; t < f; t++) {
    for (let yy = p.top; yy < p.top + p.height; yy++) if (Math.abs(yy - y) > open) blend(image, x + t, yy, WHITE, 0.45);
    for (let xx = p.left; xx < p.left + p.width; xx++) if (Math.abs(xx - x) > open) blend(image, xx, y + t, WHITE, 0.45);
  }
}

function cutLine(model: ViewModel): string {
  const at = `${formatMm(model.cutMm)} mm`;
  const where =
    model.cutFrom === 'peak'
      ? `slices through the peak, ${formatValue(model.cutValue)} at ${at}`
      : model.cutFrom === 'cut'
        ? `slices through ${at} = ${formatValue(model.cutValue)}`
        : `slices through the centre ${at} (every voxel is 0 or NaN)`;
  const t = model.scale.threshold;
  const threshold = t > 0 ? `threshold |v| > ${formatValue(t)}` : 'no threshold';
  const v = model.volume;
  return `${where}   ${threshold}   ${v.dims.join('x')} ${v.datatype}, ${v.space} mm`;
}

/** Cut with "..." to `width` pixels. */
function fitText(text: string, width: number, f: number): string {
  const chars = Array.from(text);
  const most = Math.floor(width / (GLYPH_WIDTH * f));
  return chars.length <= most ? text : `${chars.slice(0, Math.max(0, most - 3)).join('')}...`;
}

/** The colour bar, half the slices wide and centred, with ticks and numbers: the ends, 0, the threshold, halfway. */
function colourBar(image: Figure, model: ViewModel, top: number, height: number, f: number): void {
  const { scale } = model;
  const barWidth = Math.max(8, Math.round(image.picture.width / 2));
  const left = Math.floor((image.width - barWidth) / 2);
  const values = colourBarValues(scale, barWidth);
  for (let x = 0; x < barWidth; x++) {
    const c = colourOf(values[x]!, scale) ?? BELOW_THRESHOLD;
    for (let y = top; y < top + height; y++) put(image, left + x, y, c);
  }
  const lo = scale.diverging ? -scale.vmax : 0;
  const span = scale.vmax - lo;
  if (!(span > 0)) return;
  const t = scale.threshold;
  // In order of importance: a later tick whose number would overlap an earlier one is left out.
  const ticks = [lo, scale.vmax, ...(scale.diverging ? [0] : []), ...(t > 0 && t < scale.vmax ? [t, ...(scale.diverging ? [-t] : [])] : []), lo + span / 4, lo + (3 * span) / 4];
  const taken: [number, number][] = [];
  for (const v of ticks) {
    const x = left + Math.round(((v - lo) / span) * (barWidth - 1));
    const label = formatValue(Math.abs(v) < span * 1e-9 ? 0 : v);
    const w = textWidth(label, f);
    const from = Math.min(Math.max(0, x - w / 2), image.width - w);
    if (taken.some(([a, b]) => from < b + GLYPH_WIDTH * f && from + w + GLYPH_WIDTH * f > a)) continue;
    taken.push([from, from + w]);
    for (let y = top + height; y < top + height + 3 * f; y++) for (let d = 0; d < f; d++) put(image, Math.min(image.width - 1, x + d), y, WHITE);
    drawText(image, from, top + height + 3 * f, label, WHITE, f);
  }
}
