// Image files are valid gzip'd NIfTI-1 volumes whose exact size is known *before* generation:
// list endpoints must report `file_size` for thousands of images without producing their bytes.
// We therefore write the deflate stream ourselves using stored (uncompressed) blocks, whose
// size is a closed formula, instead of relying on zlib's compression ratio.
import * as zlib from 'node:zlib';
import { prng } from './prng.js';

const NIFTI_HEADER = 348;
const VOX_OFFSET = 352; // header + 4-byte extension flag
const GZIP_OVERHEAD = 18; // 10-byte header + CRC32 + ISIZE
const STORED_BLOCK_MAX = 65535;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

// zlib.crc32 exists from Node 20.15; the table version is the fallback
const nativeCrc32 = (zlib as unknown as { crc32?: (data: Uint8Array) => number }).crc32;

export function crc32(buf: Uint8Array): number {
  if (nativeCrc32) return nativeCrc32(buf) >>> 0;
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function gzipSizeForRaw(rawLen: number): number {
  return GZIP_OVERHEAD + rawLen + 5 * Math.max(1, Math.ceil(rawLen / STORED_BLOCK_MAX));
}

/** Largest NIfTI payload whose stored-gzip size is ≤ target (exact when reachable). */
export function rawLenForGzipSize(target: number): number {
  const min = VOX_OFFSET + 1;
  let raw = Math.max(min, target - GZIP_OVERHEAD - 5 * Math.ceil(target / STORED_BLOCK_MAX));
  while (raw > min && gzipSizeForRaw(raw) > target) raw--;
  while (gzipSizeForRaw(raw + 1) <= target) raw++;
  return raw;
}

/** Exact byte count of the file `niftiGz(seed, target)` will produce. */
export function niftiGzSize(target: number): number {
  return gzipSizeForRaw(rawLenForGzipSize(target));
}

let pool: Buffer | undefined;
function noisePool(): Buffer {
  if (!pool) {
    pool = Buffer.alloc(1 << 20);
    const rnd = prng(0x5eed);
    for (let i = 0; i < pool.length; i += 4) pool.writeUInt32LE(Math.floor(rnd() * 4294967296), i);
  }
  return pool;
}

function niftiRaw(seed: number, rawLen: number): Buffer {
  const buf = Buffer.alloc(rawLen);
  const nvox = rawLen - VOX_OFFSET;
  buf.writeInt32LE(NIFTI_HEADER, 0);
  // uint8 volume; dims are int16, so split into x*y with x*y <= nvox (readers ignore trailing bytes)
  const nx = Math.min(nvox, 32767);
  buf.writeInt16LE(3, 40);
  buf.writeInt16LE(nx, 42);
  buf.writeInt16LE(Math.min(32767, Math.floor(nvox / nx)), 44);
  buf.writeInt16LE(1, 46);
  for (let i = 4; i < 8; i++) buf.writeInt16LE(1, 40 + i * 2);
  buf.writeInt16LE(2, 70); // datatype DT_UINT8
  buf.writeInt16LE(8, 72); // bitpix
  for (let i = 0; i < 8; i++) buf.writeFloatLE(1, 76 + i * 4); // pixdim
  buf.writeFloatLE(VOX_OFFSET, 108);
  buf.writeFloatLE(1, 112); // scl_slope
  buf.write('neurovault-cli stand-in', 148, 'latin1'); // descrip
  buf.write('n+1\0', 344, 'latin1');
  // Noise copied from a shared pool at a seed-dependent offset, stamped with the seed every 4 KiB:
  // distinct digests per file at memcpy speed (a per-byte PRNG made benchmark files the bottleneck).
  const pool = noisePool();
  let src = seed % pool.length;
  for (let o = VOX_OFFSET; o < rawLen;) {
    const n = Math.min(rawLen - o, pool.length - src);
    pool.copy(buf, o, src, src + n);
    o += n;
    src = 0;
  }
  for (let o = VOX_OFFSET; o + 4 <= rawLen; o += 4096) buf.writeUInt32LE(seed >>> 0, o);
  return buf;
}

/** gzip'd NIfTI-1 of (at most, normally exactly) `targetBytes` bytes. */
export function niftiGz(seed: number, targetBytes: number): Buffer {
  const raw = niftiRaw(seed, rawLenForGzipSize(targetBytes));
  return storedGzip(raw);
}

export function storedGzip(raw: Buffer): Buffer {
  const out = Buffer.alloc(gzipSizeForRaw(raw.length));
  // header: magic, CM=deflate, no flags, mtime 0, XFL 0, OS=255 (unknown) → byte-identical across runs
  out[0] = 0x1f; out[1] = 0x8b; out[2] = 8; out[3] = 0; out[8] = 0; out[9] = 255;
  let o = 10;
  let p = 0;
  do {
    const len = Math.min(STORED_BLOCK_MAX, raw.length - p);
    const final = p + len >= raw.length;
    out[o++] = final ? 1 : 0; // BFINAL + BTYPE=00 (stored); byte-aligned so the header is one byte
    out.writeUInt16LE(len, o); out.writeUInt16LE(~len & 0xffff, o + 2); o += 4;
    raw.copy(out, o, p, p + len); o += len; p += len;
  } while (p < raw.length);
  out.writeUInt32LE(crc32(raw), o);
  out.writeUInt32LE(raw.length >>> 0, o + 4);
  return out;
}
