import type { Vec3 } from './affine.js';
import type { Volume } from './volume.js';
import { yieldEvery } from './yield.js';

export interface VolumeStats {
  /** Smallest and largest finite values (0 when the volume has none). */
  min: number;
  max: number;
  /** The voxel with the largest |value| (the first one, in file order, on a tie); undefined when all are 0 or NaN. */
  peak?: { voxel: Vec3; value: number };
}

const STEP = 1 << 20;

/** One pass over the volume, interruptible between steps. */
export async function volumeStats(volume: Volume, signal: AbortSignal): Promise<VolumeStats> {
  const data = volume.data;
  let min = Infinity;
  let max = -Infinity;
  let best = 0;
  let at = -1;
  const step = yieldEvery(signal);
  for (let start = 0; start < data.length; start += STEP) {
    const end = Math.min(data.length, start + STEP);
    for (let i = start; i < end; i++) {
      const v = data[i]!;
      if (!Number.isFinite(v)) continue; // NaN is background; ±Inf cannot be placed on a scale
      if (v < min) min = v;
      if (v > max) max = v;
      const m = v < 0 ? -v : v;
      if (m > best) {
        best = m;
        at = i;
      }
    }
    await step();
  }
  if (min === Infinity) min = max = 0;
  if (at < 0) return { min, max };
  const [nx, ny] = volume.dims;
  return { min, max, peak: { voxel: [at % nx, Math.floor(at / nx) % ny, Math.floor(at / (nx * ny))], value: data[at]! } };
}
