import { UsageError } from '../errors.js';
import { applyAffine, invertAffine, type Vec3 } from './affine.js';
import type { ColourScale } from './colour.js';
import { worldBounds, type Bounds } from './picture.js';
import type { VolumeStats } from './stats.js';
import type { Volume } from './volume.js';

/** What one `view` shows: the volume, where the slices cut it, and how values map to colours. */
export interface ViewModel {
  title: string;
  volume: Volume;
  stats: VolumeStats;
  bounds: Bounds;
  /** The voxel the slices go through, its centre in mm, and its value. */
  cutVoxel: Vec3;
  cutMm: Vec3;
  cutValue: number;
  /** How the cut was chosen. */
  cutFrom: 'peak' | 'cut' | 'centre';
  scale: ColourScale;
}

/** NIFTI_INTENT_CORREL (2) … NIFTI_INTENT_EXTVAL (24): the statistic intents. */
function isStatisticIntent(code: number): boolean {
  return code >= 2 && code <= 24;
}

export interface ModelOptions {
  title: string;
  /** Requested cut in mm; the slices go through the voxel that contains it. */
  cut?: Vec3;
  threshold: number;
  /** The server calls it a statistic map (T, Z, F… map_type). */
  statistic?: boolean;
}

export function buildModel(volume: Volume, stats: VolumeStats, opts: ModelOptions): ViewModel {
  const bounds = worldBounds(volume);
  const inv = invertAffine(volume.affine);
  if (!inv) throw new UsageError(`${opts.title}: the voxel-to-mm transform is singular; nothing can be placed`);
  let cutVoxel: Vec3;
  let cutFrom: ViewModel['cutFrom'];
  if (opts.cut) {
    const v = applyAffine(inv, opts.cut).map(Math.round) as Vec3;
    if (v.some((c, i) => c < 0 || c >= volume.dims[i]!)) {
      const range = (i: number) => `${'xyz'[i]} ${round1(bounds.min[i]!)}…${round1(bounds.max[i]!)}`;
      throw new UsageError(`--cut ${opts.cut.join(',')} mm is outside the image`, {
        hint: `the image spans ${[0, 1, 2].map(range).join(', ')} mm`,
      });
    }
    cutVoxel = v;
    cutFrom = 'cut';
  } else if (stats.peak) {
    cutVoxel = stats.peak.voxel;
    cutFrom = 'peak';
  } else {
    cutVoxel = volume.dims.map((n) => Math.floor((n - 1) / 2)) as Vec3;
    cutFrom = 'centre';
  }
  const [nx, ny] = volume.dims;
  const cutValue = volume.data[cutVoxel[0] + nx * (cutVoxel[1] + ny * cutVoxel[2])]!;
  const vmax = Math.max(Math.abs(stats.min), Math.abs(stats.max));
  const diverging = stats.min < 0 || Boolean(opts.statistic) || isStatisticIntent(volume.intentCode);
  return {
    title: opts.title,
    volume,
    stats,
    bounds,
    cutVoxel,
    cutMm: applyAffine(volume.affine, cutVoxel),
    cutValue,
    cutFrom,
    scale: { threshold: opts.threshold, vmax, diverging },
  };
}

export function round1(v: number): number {
  const r = Math.round(v * 10) / 10;
  return r === 0 ? 0 : r;
}

/** Values as a person reads them: 4 significant digits, no exponent for ordinary magnitudes. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1e-3 && abs < 1e6) return String(Number(v.toPrecision(4)));
  return v.toExponential(2);
}

export function formatMm(p: Vec3): string {
  return `(${p.map(round1).join(', ')})`;
}

/** The facts shown above the picture, and printed by `-o json`. */
export function describe(model: ViewModel): Record<string, unknown> {
  const { volume, stats } = model;
  return {
    title: model.title,
    format: volume.version,
    dims: volume.dims,
    volumes: volume.volumes,
    datatype: volume.datatype,
    affine: volume.affine,
    affine_source: volume.affineSource,
    space: volume.space,
    min: stats.min,
    max: stats.max,
    peak: stats.peak ? { voxel: stats.peak.voxel, mm: applyAffine(volume.affine, stats.peak.voxel), value: stats.peak.value } : null,
    cut: { voxel: model.cutVoxel, mm: model.cutMm, value: Number.isNaN(model.cutValue) ? null : model.cutValue, from: model.cutFrom },
    threshold: model.scale.threshold,
    vmax: model.scale.vmax,
    colour_map: model.scale.diverging ? 'cold_hot' : 'hot',
  };
}
