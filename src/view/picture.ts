import { applyAffine, invertAffine, voxelSizes, type Vec3 } from './affine.js';
import type { Volume } from './volume.js';
import { yieldEvery } from './yield.js';

/** World axes: 0 = x (left → right), 1 = y (posterior → anterior), 2 = z (inferior → superior). */
export type Axis = 0 | 1 | 2;

/** One orthogonal slice placed in the picture. */
export interface Panel {
  name: 'sagittal' | 'coronal' | 'axial';
  /** The world axis held fixed, and the mm value it is held at. */
  axis: Axis;
  at: number;
  /** World axes along the panel: h grows to the right, v grows upwards. */
  h: Axis;
  v: Axis;
  hRange: [number, number];
  vRange: [number, number];
  /** Placement in picture pixels. */
  left: number;
  top: number;
  width: number;
  height: number;
  /** Anatomical side at the left and right edge. */
  sides: [string, string];
}

/** Slice values laid out side by side; NaN is background (outside the volume, NaN, or exactly 0). */
export interface Picture {
  width: number;
  height: number;
  values: Float32Array;
  panels: Panel[];
}

export interface Bounds {
  min: Vec3;
  max: Vec3;
}

/** The world-space box around the volume's voxels (their outer edges, not centres). */
export function worldBounds(volume: Volume): Bounds {
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (let corner = 0; corner < 8; corner++) {
    const p = applyAffine(volume.affine, [
      corner & 1 ? volume.dims[0] - 0.5 : -0.5,
      corner & 2 ? volume.dims[1] - 0.5 : -0.5,
      corner & 4 ? volume.dims[2] - 0.5 : -0.5,
    ]);
    for (let i = 0; i < 3; i++) {
      min[i] = Math.min(min[i]!, p[i]!);
      max[i] = Math.max(max[i]!, p[i]!);
    }
  }
  return { min, max };
}

const PANELS = [
  { name: 'sagittal', axis: 0, h: 1, v: 2, sides: ['P', 'A'] },
  { name: 'coronal', axis: 1, h: 0, v: 2, sides: ['L', 'R'] },
  { name: 'axial', axis: 2, h: 0, v: 1, sides: ['L', 'R'] },
] as const;

export interface Layout {
  /** Picture pixels per mm, across and down (they differ for text where a character is two rows tall). */
  scaleX: number;
  scaleY: number;
  /** Pixels between panels. */
  gap: number;
}

/** Horizontal mm the three panels need side by side (y, then x twice). */
export function totalWidthMm(bounds: Bounds): number {
  return bounds.max[1] - bounds.min[1] + 2 * (bounds.max[0] - bounds.min[0]);
}

/**
 * Places the three slices through `cut` (mm): sagittal (y across, anterior right), coronal and axial
 * (x across, the subject's right on the right: the neurological convention, as nilearn draws them).
 */
export function layoutPanels(bounds: Bounds, cut: Vec3, layout: Layout): { panels: Panel[]; width: number; height: number } {
  let left = 0;
  const panels: Panel[] = PANELS.map((p, index) => {
    const hRange: [number, number] = [bounds.min[p.h], bounds.max[p.h]];
    const vRange: [number, number] = [bounds.min[p.v], bounds.max[p.v]];
    const width = Math.max(1, Math.round((hRange[1] - hRange[0]) * layout.scaleX));
    const height = Math.max(1, Math.round((vRange[1] - vRange[0]) * layout.scaleY));
    const panel: Panel = { name: p.name, axis: p.axis, at: cut[p.axis], h: p.h, v: p.v, hRange, vRange, left, top: 0, width, height, sides: [...p.sides] };
    left += width + (index < 2 ? layout.gap : 0);
    return panel;
  });
  const height = Math.max(...panels.map((p) => p.height));
  for (const p of panels) p.top = Math.floor((height - p.height) / 2);
  return { panels, width: left, height };
}

/**
 * Samples the slices. A picture pixel may cover several voxels (a small terminal): it then shows the
 * strongest value among a few samples across it, so a peak never falls between samples and vanishes.
 */
export async function renderPicture(volume: Volume, cut: Vec3, layout: Layout, signal: AbortSignal): Promise<Picture> {
  const bounds = worldBounds(volume);
  const { panels, width, height } = layoutPanels(bounds, cut, layout);
  const values = new Float32Array(width * height).fill(NaN);
  const inv = invertAffine(volume.affine)!;
  const smallest = Math.min(...voxelSizes(volume.affine));
  const [nx, ny, nz] = volume.dims;
  const data = volume.data;
  const step = yieldEvery(signal);
  const sample = (p: Vec3): number => {
    const i = Math.round(inv[0]![0]! * p[0] + inv[0]![1]! * p[1] + inv[0]![2]! * p[2] + inv[0]![3]!);
    const j = Math.round(inv[1]![0]! * p[0] + inv[1]![1]! * p[1] + inv[1]![2]! * p[2] + inv[1]![3]!);
    const k = Math.round(inv[2]![0]! * p[0] + inv[2]![1]! * p[1] + inv[2]![2]! * p[2] + inv[2]![3]!);
    if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz) return NaN;
    return data[i + nx * (j + ny * k)]!;
  };
  for (const panel of panels) {
    const subX = Math.min(4, Math.max(1, Math.ceil(1 / layout.scaleX / smallest)));
    const subY = Math.min(4, Math.max(1, Math.ceil(1 / layout.scaleY / smallest)));
    const point: Vec3 = [0, 0, 0];
    point[panel.axis] = panel.at;
    for (let y = 0; y < panel.height; y++) {
      for (let x = 0; x < panel.width; x++) {
        let best = NaN;
        for (let sy = 0; sy < subY; sy++) {
          point[panel.v] = panel.vRange[1] - (y + (sy + 0.5) / subY) / layout.scaleY;
          for (let sx = 0; sx < subX; sx++) {
            point[panel.h] = panel.hRange[0] + (x + (sx + 0.5) / subX) / layout.scaleX;
            const v = sample(point);
            if (Number.isNaN(v) || v === 0) continue;
            if (Number.isNaN(best) || Math.abs(v) > Math.abs(best)) best = v;
          }
        }
        values[(panel.top + y) * width + panel.left + x] = best;
      }
      await step();
    }
  }
  return { width, height, values, panels };
}
