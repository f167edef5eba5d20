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

/** Samples across (and down) one pixel at most: enough to catch a blob a few voxels wide. */
const MAX_SUBSAMPLES = 3;

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
  const [r0, r1, r2] = [inv[0]!, inv[1]!, inv[2]!];
  const [a0, a1, a2, a3] = [r0[0]!, r0[1]!, r0[2]!, r0[3]!];
  const [b0, b1, b2, b3] = [r1[0]!, r1[1]!, r1[2]!, r1[3]!];
  const [c0, c1, c2, c3] = [r2[0]!, r2[1]!, r2[2]!, r2[3]!];
  const sample = (p: Vec3): number => {
    const i = Math.round(a0 * p[0] + a1 * p[1] + a2 * p[2] + a3);
    const j = Math.round(b0 * p[0] + b1 * p[1] + b2 * p[2] + b3);
    const k = Math.round(c0 * p[0] + c1 * p[1] + c2 * p[2] + c3);
    if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz) return NaN;
    return data[i + nx * (j + ny * k)]!;
  };
  for (const panel of panels) {
    const subX = Math.min(MAX_SUBSAMPLES, Math.max(1, Math.ceil(1 / layout.scaleX / smallest)));
    const subY = Math.min(MAX_SUBSAMPLES, Math.max(1, Math.ceil(1 / layout.scaleY / smallest)));
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
