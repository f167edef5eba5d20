/**
 * Where things go under `--out` (SPEC "Download layout", the same shape as nilearn's NeuroVault cache, so
 * `fetch_neurovault_ids(mode='offline', data_dir=…)` can read it). Paths are POSIX, relative to the root,
 * and built only from numeric ids and a whitelisted extension: a server file name never becomes a path.
 */

export const MANIFEST_FILE = 'manifest.jsonl';
export const PART_SUFFIX = '.part';

/** Extensions that wrap another one, so `x.nii.gz` keeps both parts. */
const WRAPPERS = new Set(['gz', 'bz2', 'xz', 'zst', 'zip']);
const PART = /^[a-z0-9]{1,10}$/;

/**
 * The extension of the server's file, sanitised: lower-case alphanumeric parts only, at most two of them
 * (`.nii.gz`, `.gii`, `.nidm.zip`); `''` when the name has none. Query strings and percent-escapes are
 * ignored and a `/` or `..` inside the name can't survive, because only `[a-z0-9]` parts are kept.
 */
export function fileExtension(fileUrl: string): string {
  let name: string;
  try {
    name = new URL(fileUrl).pathname;
  } catch {
    name = fileUrl.split(/[?#]/)[0] ?? '';
  }
  try {
    name = decodeURIComponent(name);
  } catch {
    // A malformed escape stays as it is; only its extension matters.
  }
  const base = name.split(/[/\\]/).pop() ?? '';
  const parts = base.toLowerCase().split('.');
  if (parts.length < 2) return '';
  const last = parts[parts.length - 1]!;
  if (!PART.test(last)) return '';
  const prev = parts.length >= 3 ? parts[parts.length - 2]! : undefined;
  if (WRAPPERS.has(last) && prev !== undefined && PART.test(prev)) return `.${prev}.${last}`;
  return `.${last}`;
}

/**
 * What a final file may be called: the formats NeuroVault serves (NIfTI, GIfTI, Analyze, FreeSurfer, NIDM
 * packs). Anything else from a server (`.part`, `.lock`, `.sh`, `.tar.gz`) is refused rather than renamed:
 * a name we do not expect is either a server bug or an attempt to collide with our own files.
 */
const ALLOWED_EXTENSIONS = new Set([
  '', // no extension: `image_<id>`, nothing to collide with
  '.nii.gz',
  '.nii',
  '.gii',
  '.gii.gz',
  '.img',
  '.hdr',
  '.img.gz',
  '.hdr.gz',
  '.mgz',
  '.mgh',
  '.nidm.zip',
  '.zip',
  '.ttl',
]);

/** True when fileExtension's result may become part of a final name. */
export function allowedExtension(ext: string): boolean {
  return ALLOWED_EXTENSIONS.has(ext);
}

/** The ids NeuroVault hands out: positive safe integers. Anything else is refused per record. */
export function validId(id: unknown): id is number {
  return Number.isSafeInteger(id) && (id as number) > 0;
}

/**
 * A path that stays inside the download root whatever the root is: relative, POSIX, no empty, `.` or
 * `..` segment, no backslash or NUL. Manifest paths are checked with it before anything is opened.
 */
export function isInsidePath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0')) return false;
  return path.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

function checkId(kind: string, id: number): void {
  if (!Number.isSafeInteger(id) || id < 0) throw new Error(`invalid ${kind} id ${String(id)}`);
}

export function collectionDir(collectionId: number): string {
  checkId('collection', collectionId);
  return `collection_${collectionId}`;
}

export function collectionMetadataPath(collectionId: number): string {
  return `${collectionDir(collectionId)}/collection_metadata.json`;
}

export function imagePath(collectionId: number, imageId: number, ext: string): string {
  checkId('image', imageId);
  return `${collectionDir(collectionId)}/image_${imageId}${ext}`;
}

export function imageMetadataPath(collectionId: number, imageId: number): string {
  checkId('image', imageId);
  return `${collectionDir(collectionId)}/image_${imageId}_metadata.json`;
}
