/**
 * Voxel → world (mm) transforms as nibabel chooses them (`Nifti1Header.get_best_affine`): the sform when
 * sform_code > 0, else the qform (quaternion) when qform_code > 0, else nibabel's fall-back of pixdim
 * scaling centred on the volume with x flipped. nifti-reader-js prefers the qform when its code is higher
 * and, for NIfTI-2, always keeps the srow rows, so the choice is made here from the header fields.
 */
export type Mat4 = number[][];
export type Vec3 = [number, number, number];
export type AffineSource = 'sform' | 'qform' | 'pixdim';

export interface AffineFields {
  sformCode: number;
  qformCode: number;
  /** srow_x, srow_y, srow_z (3 × 4). */
  srow: number[][];
  quatern: Vec3;
  qoffset: Vec3;
  /** pixdim[0..3]: qfac, then voxel sizes. */
  pixdim: number[];
  dims: Vec3;
}

export function bestAffine(f: AffineFields): { affine: Mat4; source: AffineSource } {
  if (f.sformCode > 0) return { affine: [...f.srow.map((r) => r.slice(0, 4)), [0, 0, 0, 1]], source: 'sform' };
  if (f.qformCode > 0) return { affine: qformAffine(f), source: 'qform' };
  return { affine: baseAffine(f), source: 'pixdim' };
}

function qformAffine(f: AffineFields): Mat4 {
  const [b, c, d] = f.quatern;
  // nibabel's fillpositive: a tiny negative remainder from float32 rounding counts as 0.
  const a = Math.sqrt(Math.max(0, 1 - (b * b + c * c + d * d)));
  const n = a * a + b * b + c * c + d * d;
  const s = n < Number.EPSILON ? 0 : 2 / n;
  const r = [
    [1 - s * (c * c + d * d), s * (b * c - a * d), s * (b * d + a * c)],
    [s * (b * c + a * d), 1 - s * (b * b + d * d), s * (c * d - a * b)],
    [s * (b * d - a * c), s * (c * d + a * b), 1 - s * (b * b + c * c)],
  ];
  const qfac = f.pixdim[0]! < 0 ? -1 : 1;
  const zoom = [f.pixdim[1]!, f.pixdim[2]!, f.pixdim[3]! * qfac];
  return [
    ...r.map((row, i) => [row[0]! * zoom[0]!, row[1]! * zoom[1]!, row[2]! * zoom[2]!, f.qoffset[i]!]),
    [0, 0, 0, 1],
  ];
}

function baseAffine(f: AffineFields): Mat4 {
  const zoom = [-(f.pixdim[1] || 1), f.pixdim[2] || 1, f.pixdim[3] || 1];
  const m: Mat4 = [
    [zoom[0]!, 0, 0, 0],
    [0, zoom[1]!, 0, 0],
    [0, 0, zoom[2]!, 0],
    [0, 0, 0, 1],
  ];
  for (let i = 0; i < 3; i++) m[i]![3] = (-(f.dims[i]! - 1) / 2) * zoom[i]!;
  return m;
}

export function applyAffine(m: Mat4, p: Vec3): Vec3 {
  const out: Vec3 = [0, 0, 0];
  for (let i = 0; i < 3; i++) out[i] = m[i]![0]! * p[0] + m[i]![1]! * p[1] + m[i]![2]! * p[2] + m[i]![3]!;
  return out;
}

/** The inverse of an affine (rotation/zoom/shear + translation); undefined when singular. */
export function invertAffine(m: Mat4): Mat4 | undefined {
  const [a, b, c] = [m[0]!, m[1]!, m[2]!];
  const cof = [
    [b[1]! * c[2]! - b[2]! * c[1]!, a[2]! * c[1]! - a[1]! * c[2]!, a[1]! * b[2]! - a[2]! * b[1]!],
    [b[2]! * c[0]! - b[0]! * c[2]!, a[0]! * c[2]! - a[2]! * c[0]!, a[2]! * b[0]! - a[0]! * b[2]!],
    [b[0]! * c[1]! - b[1]! * c[0]!, a[1]! * c[0]! - a[0]! * c[1]!, a[0]! * b[1]! - a[1]! * b[0]!],
  ];
  const det = a[0]! * cof[0]![0]! + a[1]! * cof[1]![0]! + a[2]! * cof[2]![0]!;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) return undefined;
  const inv: Mat4 = cof.map((row) => row.map((v) => v / det).concat(0));
  const t: Vec3 = [a[3]!, b[3]!, c[3]!];
  for (let i = 0; i < 3; i++) inv[i]![3] = -(inv[i]![0]! * t[0] + inv[i]![1]! * t[1] + inv[i]![2]! * t[2]);
  inv.push([0, 0, 0, 1]);
  return inv;
}

/** The length of each voxel axis in mm (columns of the 3 × 3 part). */
export function voxelSizes(m: Mat4): Vec3 {
  const out: Vec3 = [0, 0, 0];
  for (let j = 0; j < 3; j++) out[j] = Math.hypot(m[0]![j]!, m[1]![j]!, m[2]![j]!);
  return out;
}

const XFORM_NAMES: Record<number, string> = { 1: 'scanner', 2: 'aligned', 3: 'Talairach', 4: 'MNI', 5: 'template' };

/** What the chosen transform's code says the mm are relative to. */
export function spaceName(code: number): string {
  return XFORM_NAMES[code] ?? 'unknown';
}
