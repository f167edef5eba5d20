/** NIfTI header recognition, shared by download verification and upload pre-checks. */

export const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

export type NiftiVersion = 'nifti1' | 'nifti2';

/**
 * Recognises an uncompressed NIfTI-1/2 header from its first bytes (≥ 348 for NIfTI-1, ≥ 540 for
 * NIfTI-2): sizeof_hdr in either byte order plus the magic string ("n+1\0"/"ni1\0" at 344,
 * "n+2\0"/"ni2\0" at 4).
 */
export function niftiVersion(header: Uint8Array): NiftiVersion | undefined {
  const buf = Buffer.from(header.buffer, header.byteOffset, header.byteLength);
  if (buf.length >= 348) {
    const size = buf.readInt32LE(0) === 348 || buf.readInt32BE(0) === 348;
    const magic = buf.toString('latin1', 344, 348);
    if (size && (magic === 'n+1\0' || magic === 'ni1\0')) return 'nifti1';
  }
  if (buf.length >= 540) {
    const size = buf.readInt32LE(0) === 540 || buf.readInt32BE(0) === 540;
    const magic = buf.toString('latin1', 4, 8);
    if (size && (magic === 'n+2\0' || magic === 'ni2\0')) return 'nifti2';
  }
  return undefined;
}

/** Bytes of the decompressed stream needed to decide. */
export const NIFTI_HEADER_BYTES = 540;

export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** An HTML page where a file was expected (login pages, error pages served with 200). */
export function looksLikeHtml(head: Uint8Array): boolean {
  const text = Buffer.from(head.buffer, head.byteOffset, Math.min(head.byteLength, 512)).toString('latin1').trimStart().toLowerCase();
  return text.startsWith('<!doctype html') || text.startsWith('<html') || text.startsWith('<head') || text.startsWith('<?xml');
}
