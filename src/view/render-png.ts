import { basename } from 'node:path';
import type { Vec3 } from './affine.js';
import { encodePng, headerLines } from './compose.js';
import { figure } from './figure.js';
import { buildModel, describe, type ViewModel } from './model.js';
import { volumeStats } from './stats.js';
import { readVolumeFile } from './volume.js';

export interface PngOptions {
  /** Title written into the PNG (default: the file name). */
  title?: string;
  /** Cut through this point in mm (default: the peak). */
  cut?: Vec3;
  /** Hide |values| below this (default 0). */
  threshold?: number;
  /** Draw with the diverging colour map (T, Z, F… maps). */
  statistic?: boolean;
  signal?: AbortSignal;
}

/** Three orthogonal slices of a .nii/.nii.gz file as a PNG (what `neurovault view --png` writes). */
export async function renderPng(
  file: string,
  opts: PngOptions = {},
): Promise<{ png: Uint8Array; width: number; height: number; summary: Record<string, unknown> }> {
  const signal = opts.signal ?? new AbortController().signal;
  const title = opts.title ?? basename(file);
  const volume = await readVolumeFile(file, signal);
  const model = buildModel(volume, await volumeStats(volume, signal), { title, cut: opts.cut, threshold: opts.threshold ?? 0, statistic: opts.statistic });
  return { ...(await pngOf(model, title, signal)), summary: describe(model) };
}

/** The PNG of a model (the figure that stands alone, figure.ts), with its title and header lines as PNG text (what `view --png` writes). */
export async function pngOf(model: ViewModel, title: string, signal: AbortSignal): Promise<{ png: Uint8Array; width: number; height: number }> {
  const image = await figure(model, signal);
  const png = await encodePng(image, { Title: title, Description: headerLines(model).join('\n') });
  return { png, width: image.width, height: image.height };
}
