// Statistical maps the stand-in serves for a few images, so `view` and the README's examples can be tried
// offline: smooth blobs (Gaussian, in mm) over faint broad ones inside an ellipsoid brain, on the
// MNI152 2 mm grid (91×109×91, FSL's affine) as float32 NIfTI-1, gzip'd. Values are quantised to 1/64 so the
// file compresses as a real thresholded map does (a few hundred KiB, not 3.6 MB).
import { gzipSync } from 'node:zlib';
import { prng } from './prng.js';

export interface Blob {
  /** Centre in MNI mm. */
  mm: [number, number, number];
  /** Gaussian width (standard deviation) in mm. */
  sigma: number;
  /** Value at the centre (negative for a deactivation). */
  peak: number;
}

export interface MapSpec {
  blobs: Blob[];
  /** NIfTI intent: 3 = t test (with degrees of freedom), 5 = z score. */
  intent: { code: 3; dof: number } | { code: 5 };
  /** Seeds the faint background. */
  seed: number;
  description: string;
}

export const MNI_SHAPE = [91, 109, 91] as const;
/** FSL's MNI152_T1_2mm: x flipped (radiological storage), origin at voxel (45, 63, 36). */
export const MNI_AFFINE = [
  [-2, 0, 0, 90],
  [0, 2, 0, -126],
  [0, 0, 2, -72],
] as const;
// The brain as an ellipsoid in mm (MNI's extent: x ±70, y −104…70, z −48…82).
const BRAIN_CENTRE = [0, -17, 17];
const BRAIN_RADII = [70, 87, 65];
const QUANTUM = 64;

export function statMapNiftiGz(spec: MapSpec): Buffer {
  return gzipSync(statMapNifti(spec), { level: 1 });
}

export function statMapNifti(spec: MapSpec): Buffer {
  const [nx, ny, nz] = MNI_SHAPE;
  const header = niftiHeader(spec);
  const data = new Float32Array(nx * ny * nz);
  const mm = (axis: number, i: number) => MNI_AFFINE[axis]![axis]! * i + MNI_AFFINE[axis]![3]!;
  // Inside the brain a small constant, so that no brain voxel reads as "no data" (0).
  const inBrain = (axis: number, n: number) => Float32Array.from({ length: n }, (_, i) => ((mm(axis, i) - BRAIN_CENTRE[axis]!) / BRAIN_RADII[axis]!) ** 2);
  const [bx, by, bz] = [inBrain(0, nx), inBrain(1, ny), inBrain(2, nz)];
  for (let k = 0, at = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      const yz = by[j]! + bz[k]!;
      for (let i = 0; i < nx; i++, at++) if (bx[i]! + yz <= 1) data[at] = 0.05;
    }
  }
  // The faint background of a real unthresholded map: broad weak blobs of either sign, a different set per map.
  const rnd = prng(spec.seed);
  const broad: Blob[] = Array.from({ length: 16 }, () => ({
    mm: [0, 1, 2].map((a) => BRAIN_CENTRE[a]! + (rnd() * 2 - 1) * BRAIN_RADII[a]! * 0.8) as Blob['mm'],
    sigma: 12 + rnd() * 12,
    peak: (rnd() < 0.5 ? -1 : 1) * (0.5 + rnd() * 1.5),
  }));
  // Blobs: a Gaussian is separable, so each is a product of three short per-axis tables, added within 3σ.
  for (const b of [...broad, ...spec.blobs]) {
    const along = (axis: number, n: number) => {
      const g = Float32Array.from({ length: n }, (_, i) => Math.exp(-((mm(axis, i) - b.mm[axis]!) ** 2) / (2 * b.sigma * b.sigma)));
      const near = [...g.keys()].filter((i) => g[i]! > 0.011); // within 3σ
      return { g, from: near[0] ?? 0, to: near.at(-1) ?? -1 };
    };
    const [gx, gy, gz] = [along(0, nx), along(1, ny), along(2, nz)];
    for (let k = gz.from; k <= gz.to; k++) {
      for (let j = gy.from; j <= gy.to; j++) {
        const f = b.peak * gy.g[j]! * gz.g[k]!;
        for (let i = gx.from, at = i + nx * (j + ny * k); i <= gx.to; i++, at++) if (data[at] !== 0) data[at] = data[at]! + f * gx.g[i]!;
      }
    }
  }
  for (let at = 0; at < data.length; at++) if (data[at] !== 0) data[at] = Math.round(data[at]! * QUANTUM) / QUANTUM || 1 / QUANTUM;
  return Buffer.concat([header, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

/** NIfTI-1 header (348 bytes) and an empty extension flag: float32, qform and sform both MNI (code 4). */
function niftiHeader(spec: MapSpec): Buffer {
  const h = Buffer.alloc(352);
  h.writeInt32LE(348, 0);
  h.write('r', 38, 'latin1');
  [3, ...MNI_SHAPE, 1, 1, 1, 1].forEach((d, i) => h.writeInt16LE(d, 40 + 2 * i));
  if (spec.intent.code === 3) h.writeFloatLE(spec.intent.dof, 56);
  h.writeInt16LE(spec.intent.code, 68);
  h.writeInt16LE(16, 70); // DT_FLOAT32
  h.writeInt16LE(32, 72);
  // pixdim[0] is qfac: -1, since the x axis is flipped.
  [-1, 2, 2, 2, 1, 1, 1, 1].forEach((p, i) => h.writeFloatLE(p, 76 + 4 * i));
  h.writeFloatLE(352, 108);
  h.writeUInt8(2 | 8, 123); // mm, s
  h.write(spec.description.slice(0, 79), 148, 'latin1');
  h.writeInt16LE(4, 252);
  h.writeInt16LE(4, 254);
  // quaternion (b, c, d) = (0, 1, 0): 180° about y, which with qfac -1 gives diag(-2, 2, 2).
  h.writeFloatLE(0, 256);
  h.writeFloatLE(1, 260);
  h.writeFloatLE(0, 264);
  h.writeFloatLE(MNI_AFFINE[0][3], 268);
  h.writeFloatLE(MNI_AFFINE[1][3], 272);
  h.writeFloatLE(MNI_AFFINE[2][3], 276);
  MNI_AFFINE.forEach((row, r) => row.forEach((v, c) => h.writeFloatLE(v, 280 + 16 * r + 4 * c)));
  h.write(spec.intent.code === 3 ? 'T' : 'Z', 328, 'latin1');
  h.write('n+1\0', 344, 'latin1');
  return h;
}
