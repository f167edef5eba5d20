import type { Vec3 } from './affine.js';
import type { Volume } from './volume.js';
import { yieldEvery } from './yield.js';

export interface VolumeStats {
  /** Smallest and largest finite values (0 when the volume has none). */
  min: number;
  max: number;
  /**
   * The voxel with the largest |value|: the first in file order holding it, the positive one when +v and
   * −v tie; undefined when every voxel is 0 or NaN.
   */
  peak?: { voxel: Vec3; value: number };
}

const STEP = 1 << 20;

/**
 * Range and peak, interruptible between steps. The loop only compares (NaN fails every comparison, so
 * it needs no test of its own) and the peak is then found by the native indexOf: this pass runs on every
 * view, and most of it before V8 has optimised the loop.
 */
export async function volumeStats(volume: Volume, signal: AbortSignal): Promise<VolumeStats> {
  const data = volume.data;
  let min = Infinity;
  let max = -Infinity;
  const step = yieldEvery(signal);
  for (let start = 0; start < data.length; start += STEP) {
    const end = Math.min(data.length, start + STEP);
    for (let i = start; i < end; i++) {
      const v = data[i]!;
      if (v > max) max = v;
      if (v < min) min = v;
    }
    await step();
  }
  if (min === -Infinity || max === Infinity) ({ min, max } = finiteRange(data));
  if (min === Infinity) return { min: 0, max: 0 };
  const value = -min > max ? min : max;
  if (value === 0) return { min, max };
  const at = data.indexOf(value);
  const [nx, ny] = volume.dims;
  return { min, max, peak: { voxel: [at % nx, Math.floor(at / nx) % ny, Math.floor(at / (nx * ny))], value } };
}

/** ±Infinity cannot be placed on a colour scale: the rare file that holds it gets a second, slower pass. */
function finiteRange(data: Float32Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) {
    if (!Number.isFinite(v)) continue;
    if (v > max) max = v;
    if (v < min) min = v;
  }
  return { min, max };
}
