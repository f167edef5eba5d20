import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import * as nifti from 'nifti-reader-js';
import { UsageError } from '../errors.js';
import { isGzip, niftiVersion, NIFTI_HEADER_BYTES, type NiftiVersion } from '../nifti.js';
import { bestAffine, spaceName, type AffineSource, type Mat4, type Vec3 } from './affine.js';
import { yieldEvery } from './yield.js';

/** The first 3-D volume of a NIfTI file, as floats with scl_slope/scl_inter applied. */
export interface Volume {
  version: NiftiVersion;
  dims: Vec3;
  /** Volumes along dims 4–7 (only the first is read). */
  volumes: number;
  datatype: string;
  affine: Mat4;
  affineSource: AffineSource;
  /** What the chosen transform's code names (MNI, Talairach, scanner…). */
  space: string;
  intentCode: number;
  /** x fastest, then y, then z; NaN where the file has NaN. */
  data: Float32Array;
}

type TypedArrayCtor =
  | Uint8ArrayConstructor
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

/** The data types NeuroVault holds (and uint32, which costs nothing more). */
const DATATYPES: Record<number, { name: string; ctor: TypedArrayCtor }> = {
  2: { name: 'uint8', ctor: Uint8Array },
  4: { name: 'int16', ctor: Int16Array },
  8: { name: 'int32', ctor: Int32Array },
  16: { name: 'float32', ctor: Float32Array },
  64: { name: 'float64', ctor: Float64Array },
  256: { name: 'int8', ctor: Int8Array },
  512: { name: 'uint16', ctor: Uint16Array },
  768: { name: 'uint32', ctor: Uint32Array },
};

/** Converted per step between checks for Ctrl-C: a few ms of work on this machine. */
const VOXELS_PER_STEP = 1 << 20;

/**
 * Reads a `.nii` or `.nii.gz` file. Gunzip streams on the thread pool (the event loop stays free for
 * Ctrl-C, and an abort stops it); the conversion to floats runs in steps that check the signal.
 */
export async function readVolumeFile(path: string, signal: AbortSignal): Promise<Volume> {
  const head = Buffer.alloc(2);
  const fh = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw badFile(path, err.code === 'ENOENT' ? 'no such file' : err.message);
  });
  try {
    await fh.read(head, 0, 2, 0);
  } finally {
    await fh.close();
  }
  const chunks: Buffer[] = [];
  const collect = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
  });
  const source = createReadStream(path, { highWaterMark: 1 << 20 });
  const done = isGzip(head)
    ? pipeline(source, createGunzip({ chunkSize: 1 << 20 }), collect, { signal })
    : pipeline(source, collect, { signal });
  await done.catch((err: unknown) => {
    if (signal.aborted) throw signal.reason;
    throw badFile(path, (err as Error).message);
  });
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  return parseVolume(bytes, path, signal);
}

function badFile(path: string, why: string): UsageError {
  return new UsageError(`${path}: ${why}`, { hint: 'view reads NIfTI-1 and NIfTI-2 files (.nii or .nii.gz)' });
}

/** Parses uncompressed NIfTI bytes. */
export async function parseVolume(bytes: Buffer, path: string, signal: AbortSignal): Promise<Volume> {
  const version = niftiVersion(bytes.subarray(0, NIFTI_HEADER_BYTES));
  if (!version) throw badFile(path, 'not a NIfTI-1 or NIfTI-2 file');
  const whole =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? (bytes.buffer as ArrayBuffer)
      : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  let header: nifti.NIFTI1 | nifti.NIFTI2;
  try {
    header = nifti.readHeader(whole);
  } catch (err) {
    throw badFile(path, `unreadable NIfTI header (${(err as Error).message})`);
  }
  const type = DATATYPES[header.datatypeCode];
  if (!type) {
    throw badFile(path, `data type ${header.getDatatypeCodeString(header.datatypeCode)} (${header.datatypeCode}) is not a scalar map type`);
  }
  const ndim = header.dims[0]!;
  if (!(ndim >= 1 && ndim <= 7)) throw badFile(path, `dim[0] is ${ndim}, not 1 to 7`);
  const dim = (i: number): number => (i <= ndim ? Math.max(1, Number(header.dims[i])) : 1);
  const dims: Vec3 = [dim(1), dim(2), dim(3)];
  let volumes = 1;
  for (let i = 4; i <= 7; i++) volumes *= dim(i);
  const count = dims[0] * dims[1] * dims[2];
  const size = type.ctor.BYTES_PER_ELEMENT;
  const offset = Number(header.vox_offset);
  if (!Number.isSafeInteger(count) || offset < 0 || offset + count * size > bytes.length) {
    throw badFile(path, `the file is shorter than its header says (${count} voxels of ${type.name} from byte ${offset})`);
  }

  const isNifti2 = version === 'nifti2';
  const le = header.littleEndian;
  const srow = [0, 1, 2].map((r) =>
    [0, 1, 2, 3].map((c) =>
      isNifti2 ? readF64(bytes, 400 + (r * 4 + c) * 8, le) : readF32(bytes, 280 + (r * 4 + c) * 4, le),
    ),
  );
  const { affine, source } = bestAffine({
    sformCode: header.sform_code,
    qformCode: header.qform_code,
    srow,
    quatern: [header.quatern_b, header.quatern_c, header.quatern_d],
    qoffset: [header.qoffset_x, header.qoffset_y, header.qoffset_z],
    pixdim: header.pixDims,
    dims,
  });
  if (affine.some((row) => row.some((v) => !Number.isFinite(v)))) throw badFile(path, 'the voxel-to-mm transform is not finite');

  // Copy the first volume's bytes to an aligned buffer (the data offset need not be), swapped to this
  // machine's byte order when the file's differs.
  const raw = Buffer.from(bytes.subarray(offset, offset + count * size));
  if (le !== (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) && size > 1) {
    if (size === 2) raw.swap16();
    else if (size === 4) raw.swap32();
    else raw.swap64();
  }
  const typed = new type.ctor(raw.buffer, raw.byteOffset, count);
  const { slope, inter } = scaling(header.scl_slope, header.scl_inter, path);
  const data = new Float32Array(count);
  const step = yieldEvery(signal);
  for (let start = 0; start < count; start += VOXELS_PER_STEP) {
    const end = Math.min(count, start + VOXELS_PER_STEP);
    if (slope === 1 && inter === 0) {
      for (let i = start; i < end; i++) data[i] = typed[i]!;
    } else {
      for (let i = start; i < end; i++) data[i] = typed[i]! * slope + inter;
    }
    await step();
  }
  const code = source === 'sform' ? header.sform_code : source === 'qform' ? header.qform_code : 0;
  return {
    version,
    dims,
    volumes,
    datatype: type.name,
    affine,
    affineSource: source,
    space: spaceName(code),
    intentCode: header.intent_code,
    data,
  };
}

/** nibabel's rule: a slope of 0 or not finite means unscaled; a valid slope needs a finite intercept. */
function scaling(slope: number, inter: number, path: string): { slope: number; inter: number } {
  if (slope === 0 || !Number.isFinite(slope)) return { slope: 1, inter: 0 };
  if (!Number.isFinite(inter)) throw badFile(path, `valid scl_slope but invalid scl_inter ${inter}`);
  return { slope, inter };
}

function readF32(b: Buffer, at: number, le: boolean): number {
  return le ? b.readFloatLE(at) : b.readFloatBE(at);
}

function readF64(b: Buffer, at: number, le: boolean): number {
  return le ? b.readDoubleLE(at) : b.readDoubleBE(at);
}
