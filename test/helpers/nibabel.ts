import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Debian's python3-nibabel lives under the system python, not a pyenv or venv one that may come first. */
export const PYTHON = process.env.NEUROVAULT_TEST_PYTHON ?? '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../../test/helpers/nibabel_ref.py', import.meta.url));

export function nibabelMissing(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import nibabel'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `nibabel not importable by ${PYTHON} (apt-get install python3-nibabel)`;
}

/** A synthetic volume: world-space blobs, written by nibabel with the given header choices. */
export interface VolumeSpec {
  shape: number[];
  affine: number[][];
  dtype: string;
  /** '>' writes a big-endian file. */
  byteorder?: '<' | '>';
  /** Value outside the brain; null is NaN. */
  background?: number | null;
  brain?: { centre: number[]; radii: number[]; value: number };
  blobs?: { mm: number[]; radius: number; value: number }[];
  /** Float values stored in an integer dtype with a scl_slope/scl_inter nibabel picks. */
  scaled?: boolean;
  nifti2?: boolean;
  codes?: { sform: number; qform: number };
  /** A qform that differs from the sform (both written, each with its code). */
  qform_affine?: number[][];
  /** pixdim[1..3] when neither code is set. */
  zooms?: number[];
  intent?: string;
  /** Gaussian noise added inside the brain, rounded to `decimals` (how compressible the file is). */
  noise?: { std: number; seed?: number; decimals?: number };
}

export interface NibabelView {
  shape: number[];
  dtype: string;
  affine: number[][];
  sform_code: number;
  qform_code: number;
  nifti2: boolean;
  /** The scaling nibabel applies (1 and 0 when none). */
  slope: number;
  inter: number;
  /** get_fdata() of the first volume as float32, x fastest. */
  data: Float32Array;
  /** Set when nibabel could not read the file (then nothing else is). */
  error?: string;
}

type Job = { op: 'write'; spec: VolumeSpec; out: string } | { op: 'read'; in: string; raw: string };

function run(jobs: Job[], dir: string): unknown[] {
  const file = join(dir, `jobs-${process.pid}-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(jobs));
  const r = spawnSync(PYTHON, [SCRIPT, file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`nibabel_ref.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown[];
}

/** Writes every spec with nibabel (one python process). */
export function writeVolumes(specs: { spec: VolumeSpec; out: string }[], dir: string): void {
  run(specs.map((s) => ({ op: 'write', ...s })), dir);
}

/** What nibabel reads from each file. */
export function readVolumes(files: string[], dir: string): NibabelView[] {
  const raws = files.map((_, i) => join(dir, `nibabel-${process.pid}-${i}.raw`));
  const results = run(files.map((f, i) => ({ op: 'read', in: f, raw: raws[i]! })), dir) as (Omit<NibabelView, 'data'> & { error?: string })[];
  return results.map((r, i) => {
    if (r.error !== undefined) return r as NibabelView;
    const bytes = readFileSync(raws[i]!);
    return { ...r, data: new Float32Array(new Uint8Array(bytes).buffer) };
  });
}
