/** An sRGB colour, 0–255 each. */
export type Rgb = [number, number, number];

/** Values at or under the threshold (but not 0): a dim grey, so the outline of the map still shows. */
export const BELOW_THRESHOLD: Rgb = [72, 72, 72];

export interface ColourScale {
  /** |value| at or under this is grey. */
  threshold: number;
  /** |value| at which the colour saturates (the largest |value| in the volume). */
  vmax: number;
  /** Negative values drawn in blue–cyan (a statistic map), or only positives shown (a sequential map). */
  diverging: boolean;
}

/**
 * nilearn's `cold_hot`, from the threshold outwards: dark red → red → yellow for positive values,
 * dark blue → blue → cyan for negative ones. Undefined is background (NaN or exactly 0).
 */
export function colourOf(v: number, scale: ColourScale): Rgb | undefined {
  if (Number.isNaN(v) || v === 0) return undefined;
  const m = Math.abs(v);
  if (m <= scale.threshold || (!scale.diverging && v < 0)) return BELOW_THRESHOLD;
  const span = scale.vmax - scale.threshold;
  const f = span > 0 ? Math.min(1, (m - scale.threshold) / span) : 1;
  const strong = f < 0.5 ? Math.round(128 + 254 * f) : 255;
  const light = f < 0.5 ? 0 : Math.round(510 * (f - 0.5));
  return v > 0 ? [strong, light, 0] : [0, light, strong];
}

/** Values along the colour bar, left to right: −vmax…vmax for a diverging map, 0…vmax otherwise. */
export function colourBarValues(scale: ColourScale, steps: number): number[] {
  const lo = scale.diverging ? -scale.vmax : 0;
  const out: number[] = [];
  for (let i = 0; i < steps; i++) out.push(lo + ((i + 0.5) / steps) * (scale.vmax - lo));
  return out;
}
