import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { NIFTI1, NIFTI2 } from 'nifti-reader-js';
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
  const tail = Buffer.alloc(4);
  const fh = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw badFile(path, err.code === 'ENOENT' ? 'no such file' : err.message);
  });
  let size: number;
  try {
    size = (await fh.stat()).size;
    await fh.read(head, 0, 2, 0);
    if (size >= 4) await fh.read(tail, 0, 4, size - 4);
  } finally {
    await fh.close();
  }
  const gzip = isGzip(head);
  // gzip ends with the uncompressed size mod 2^32: a hint to write into one buffer instead of collecting
  // chunks and concatenating them (which would hold the volume twice). A wrong hint only costs the copy.
  const sink = new Collector(gzip ? tail.readUInt32LE(0) : size);
  const source = createReadStream(path, { highWaterMark: 1 << 20 });
  const done = gzip
    ? pipeline(source, createGunzip({ chunkSize: 1 << 20 }), sink.stream, { signal })
    : pipeline(source, sink.stream, { signal });
  await done.catch((err: unknown) => {
    if (signal.aborted) throw signal.reason;
    throw badFile(path, (err as Error).message);
  });
  return parseVolume(sink.bytes(), path, signal);
}

class Collector {
  private target: Buffer | undefined;
  private filled = 0;
  private chunks: Buffer[] = [];
  readonly stream: Writable;

  constructor(expected: number) {
    this.target = expected > 0 ? Buffer.allocUnsafeSlow(expected) : undefined;
    this.stream = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        this.add(chunk);
        done();
      },
    });
  }

  private add(chunk: Buffer): void {
    if (this.target && this.filled + chunk.length <= this.target.length) {
      chunk.copy(this.target, this.filled);
      this.filled += chunk.length;
      return;
    }
    if (this.target) {
      this.chunks.push(this.target.subarray(0, this.filled));
      this.target = undefined;
    }
    this.chunks.push(chunk);
  }

  bytes(): Buffer {
    if (this.target) return this.target.subarray(0, this.filled);
    const all = Buffer.concat(this.chunks);
    this.chunks = [];
    return all;
  }
}

function badFile(path: string, why: string): UsageError {
  return new UsageError(`${path}: ${why}`, { hint: 'view reads NIfTI-1 and NIfTI-2 files (.nii or .nii.gz)' });
}

/** Parses uncompressed NIfTI bytes. */
export async function parseVolume(bytes: Buffer, path: string, signal: AbortSignal): Promise<Volume> {
  const version = niftiVersion(bytes.subarray(0, NIFTI_HEADER_BYTES));
  if (!version) throw badFile(path, 'not a NIfTI-1 or NIfTI-2 file');
  const header = readHeader(bytes, version, path);
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

  // The first volume's bytes, swapped in place to this machine's byte order when the file's differs (the
  // buffer is ours), and copied only when the data offset is not aligned for the type.
  let raw = bytes.subarray(offset, offset + count * size);
  if (le !== HOST_LE && size > 1) {
    if (size === 2) raw.swap16();
    else if (size === 4) raw.swap32();
    else raw.swap64();
  }
  if (raw.byteOffset % size !== 0) raw = Buffer.from(raw);
  const typed = new type.ctor(raw.buffer as ArrayBuffer, raw.byteOffset, count);
  const { slope, inter } = scaling(header.scl_slope, header.scl_inter, path);
  // A single float32 volume needs no conversion: the file's own bytes are the data.
  const direct = typed instanceof Float32Array && slope === 1 && inter === 0 && volumes === 1;
  const data = direct ? (typed as Float32Array) : new Float32Array(count);
  const step = yieldEvery(signal);
  for (let start = 0; start < count && !direct; start += VOXELS_PER_STEP) {
    const end = Math.min(count, start + VOXELS_PER_STEP);
    // TypedArray.set converts natively, many times faster than a loop over an integer view.
    if (slope === 1 && inter === 0) data.set(typed.subarray(start, end), start);
    else for (let i = start; i < end; i++) data[i] = typed[i]! * slope + inter;
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

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Header bytes given to nifti-reader-js: the header and any extensions, not the (copied) voxel data. */
const HEADER_SLICE = 1 << 16;

/**
 * The header classes are used directly, not the package's readHeader(): that one would gunzip with
 * fflate, and referencing it keeps fflate (whose tables cost start-up time) in the view chunk.
 */
function readHeader(bytes: Buffer, version: NiftiVersion, path: string): NIFTI1 | NIFTI2 {
  const parse = (n: number) => {
    const copy = new Uint8Array(n);
    copy.set(bytes.subarray(0, n));
    const header = version === 'nifti1' ? new NIFTI1() : new NIFTI2();
    header.readHeader(copy.buffer);
    return header;
  };
  try {
    try {
      return parse(Math.min(bytes.length, HEADER_SLICE));
    } catch (err) {
      // Extensions longer than the slice: parse with everything.
      if (bytes.length <= HEADER_SLICE) throw err;
      return parse(bytes.length);
    }
  } catch (err) {
    throw badFile(path, `unreadable NIfTI header (${(err as Error).message})`);
  }
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
