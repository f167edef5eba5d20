import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { NeuroVaultClient } from '../api/client.js';
import { rejected } from '../api/new-collection.js';
import { ANALYSIS_LEVELS, CHOICE_FIELDS, MAP_TYPES, MODALITIES, describeChoices, resolveChoice, type Choice } from '../api/choices.js';
import { uploadImage } from '../api/publish.js';
import { parseCollectionRef, type CollectionRef } from '../api/refs.js';
import type { Image } from '../api/schemas.js';
import { CliError, UsageError } from '../errors.js';
import { NetworkError } from '../http/errors.js';
import { buildImageForm } from './form.js';
import { GzipScratch } from './gzip.js';
import { checkNiftiFile, type CheckedFile } from './inspect.js';

/**
 * NeuroVault checks and thumbnails a map before it answers an upload, and its gunicorn workers may take
 * up to 120 s (API.md §9): waiting less would report a failure for an image that was in fact created.
 */
const UPLOAD_ANSWER_MS = 120_000;
const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export interface UploadImagesOptions {
  /** The client, or a function that makes it once every file is checked (the CLI checks the token then). */
  client: NeuroVaultClient | (() => Promise<NeuroVaultClient>);
  /** Collection id, or the token of a private one. */
  collection: string;
  /** .nii or .nii.gz files (a plain .nii is gzipped into a temp folder first). */
  files: readonly string[];
  /** Required by the server: a code or label of MAP_TYPES / MODALITIES. */
  mapType?: string;
  modality?: string;
  analysisLevel?: string;
  /** The image name (one file only); default the file name without .nii/.nii.gz. */
  name?: string;
  /** A JSON object file of metadata, then `metadata` on top. */
  metaFile?: string;
  metadata?: Record<string, string>;
  /** Skip a file when an image of the same name and size is already in the collection. */
  skipExisting?: boolean;
  signal?: AbortSignal;
  /** The wait for each answer (at least 120 s: the server checks each map first). */
  timeoutMs?: number;
  onEvent?: (event: UploadEvent) => void;
}

export type UploadEvent =
  /** `bytes` when every file is gzipped already (a plain .nii's size on the wire is known only later). */
  | { type: 'start'; files: number; bytes: number | undefined }
  | { type: 'phase'; phase: 'preparing' | 'uploading'; path: string; index: number }
  | { type: 'uploaded'; path: string; index: number; total: number; image: Image; bytes: number }
  | { type: 'skipped'; path: string; index: number; total: number; reason: string; bytes: number }
  | { type: 'warning'; message: string };

export interface UploadResult {
  /** The images created, in order (also when a later file failed). */
  created: Image[];
  /** The run stopped at this file: `error` is what to report (a 400 as the server's field messages, exit 2). */
  failure?: { error: unknown; path?: string; index: number; total: number };
}

interface PlannedUpload {
  file: CheckedFile;
  name: string;
}

/**
 * Checks every setting and every file first (UsageError, nothing sent), then uploads one file at a time.
 * Stops at the first failure; `skipExisting` makes a re-run pick up where it stopped.
 */
export async function uploadImages(opts: UploadImagesOptions): Promise<UploadResult> {
  const ref = parseCollectionRef(opts.collection);
  const fields = await uploadFields(opts);
  const emit = opts.onEvent ?? (() => undefined);
  const plan = await planFiles(opts.files, opts.name, emit);
  const api = typeof opts.client === 'function' ? await opts.client() : opts.client;
  const signal = opts.signal ?? new AbortController().signal;
  const existing = opts.skipExisting ? await existingImages(api, ref) : undefined;
  const scratch = new GzipScratch();
  const created: Image[] = [];
  let current: PlannedUpload | undefined;
  let index = 0;
  emit({ type: 'start', files: plan.length, bytes: plan.every((p) => p.file.gzipped) ? plan.reduce((n, p) => n + p.file.size, 0) : undefined });
  try {
    for (const [i, item] of plan.entries()) {
      current = item;
      index = i;
      const path = item.file.path;
      emit({ type: 'phase', phase: 'preparing', path, index });
      const send = item.file.gzipped ? { path, size: item.file.size } : await scratch.gzip(path, signal);
      const match = existing?.get(item.name)?.find((img) => img.file_size === send.size);
      if (match) {
        await scratch.release(send.path);
        const reason = `image ${match.id} "${item.name}" with the same size is already in the collection`;
        emit({ type: 'skipped', path, index, total: plan.length, reason, bytes: send.size });
        continue;
      }
      emit({ type: 'phase', phase: 'uploading', path, index });
      const filename = uploadFilename(item.file);
      const image = await uploadImage(api, ref, () => buildImageForm({ fields: [['name', item.name], ...fields], path: send.path, filename }), {
        signal,
        timeoutMs: Math.max(opts.timeoutMs ?? 0, UPLOAD_ANSWER_MS),
      });
      await scratch.release(send.path);
      created.push(image);
      // Two paths with the same stem in one run (a/t.nii.gz, b/t.nii.gz) are judged like a re-run.
      existing?.set(item.name, [...(existing.get(item.name) ?? []), { ...image, file_size: send.size }]);
      emit({ type: 'uploaded', path, index, total: plan.length, image, bytes: send.size });
      if (image.file_size && image.file_size !== send.size) {
        emit({ type: 'warning', message: `image ${image.id}: the server reports ${image.file_size} bytes but ${send.size} were sent` });
      }
    }
    return { created };
  } catch (err) {
    return { created, failure: { error: signal.aborted ? err : uploadError(err), path: current?.file.path, index, total: plan.length } };
  } finally {
    await scratch.dispose();
  }
}

/**
 * A 400 becomes the server's `field: message` lines (exit 2); a network failure after the body went out
 * may still have created the image, so the hint says how to finish safely instead of retrying.
 */
function uploadError(err: unknown): unknown {
  if (err instanceof NetworkError) {
    return new CliError(err.message, {
      exitCode: err.exitCode,
      cause: err,
      hint: 'the image may or may not have been created; re-run with --skip-existing to upload only what is missing',
    });
  }
  return rejected('images upload', err);
}

/** The form fields shared by every file of the run (everything but `name` and `file`). */
async function uploadFields(opts: UploadImagesOptions): Promise<[string, string][]> {
  if (opts.name !== undefined && opts.files.length > 1) {
    throw new UsageError(`--name names one image, but ${opts.files.length} files were given`, {
      hint: 'drop --name to use each file name (without .nii.gz/.nii), or upload the files one by one',
    });
  }
  if (opts.name !== undefined && opts.name.trim() === '') throw new UsageError('--name must not be empty');
  const fields: [string, string][] = [
    ['map_type', requiredChoice('--map-type', opts.mapType, MAP_TYPES)],
    ['modality', requiredChoice('--modality', opts.modality, MODALITIES)],
  ];
  if (opts.analysisLevel !== undefined) fields.push(['analysis_level', choice('--analysis-level', opts.analysisLevel, ANALYSIS_LEVELS)]);
  const meta = new Map<string, string>();
  if (opts.metaFile !== undefined) for (const [k, v] of await readMetaFile(opts.metaFile)) meta.set(k, v);
  for (const [key, value] of Object.entries(opts.metadata ?? {})) meta.set(key, value);
  for (const [key, value] of meta) {
    if (!KEY.test(key)) throw new UsageError(`invalid metadata key "${key}": letters, digits, _ . - only`);
    const flag = DEDICATED_FLAGS[key];
    if (flag) throw new UsageError(`metadata key "${key}": set it with ${flag} instead`);
    const table = CHOICE_FIELDS[key];
    fields.push([key, table ? choice(`metadata ${key}`, value, table) : value]);
  }
  return fields;
}

const DEDICATED_FLAGS: Record<string, string> = {
  file: 'the file argument',
  name: '--name',
  map_type: '--map-type',
  modality: '--modality',
  analysis_level: '--analysis-level',
  collection: '--collection',
};

function requiredChoice(flag: string, value: string | undefined, table: readonly Choice[]): string {
  if (value === undefined) throw new UsageError(`missing ${flag}, which the server requires`, { hint: `one of: ${describeChoices(table)}` });
  return choice(flag, value, table);
}

function choice(flag: string, value: string, table: readonly Choice[]): string {
  const code = resolveChoice(table, value);
  if (code === undefined) throw new UsageError(`unknown ${flag} "${value}"`, { hint: `one of: ${describeChoices(table)}` });
  return code;
}

/**
 * A JSON object of user metadata. Multipart carries only strings, and the server `json.loads` each
 * value on output, so numbers and booleans are sent in their JSON spelling and come back typed.
 */
async function readMetaFile(path: string): Promise<[string, string][]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code ? `cannot read (${code})` : `not JSON (${(err as Error).message})`;
    throw new UsageError(`--meta-file ${path}: ${why}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(`--meta-file ${path}: expected a JSON object of key: value pairs`);
  }
  return Object.entries(parsed as Record<string, unknown>).map(([k, v]) => [k, v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v)]);
}

/** Checks every file before the first request, so a typo in the fifth path does not leave four uploads behind. */
async function planFiles(paths: readonly string[], name: string | undefined, emit: (e: UploadEvent) => void): Promise<PlannedUpload[]> {
  const seen = new Set<string>();
  const plan: PlannedUpload[] = [];
  for (const path of paths) {
    const abs = resolve(path);
    if (seen.has(abs)) {
      emit({ type: 'warning', message: `${path} was given more than once; uploading it once` });
      continue;
    }
    seen.add(abs);
    plan.push({ file: await checkNiftiFile(path), name: name?.trim() ?? imageNameFor(path) });
  }
  return plan;
}

/** `maps/tstat1.nii.gz` → `tstat1`. */
export function imageNameFor(path: string): string {
  const base = basename(path);
  const stem = base.replace(/\.nii(\.gz)?$/i, '');
  return stem === '' ? base : stem;
}

/** The server keeps the sent file name; it must end in .gz because the bytes are gzip. */
function uploadFilename(file: CheckedFile): string {
  const base = basename(file.path);
  if (file.gzipped) return /\.gz$/i.test(base) ? base : `${base.replace(/\.nii$/i, '')}.nii.gz`;
  return /\.nii$/i.test(base) ? `${base}.gz` : `${base}.nii.gz`;
}

/** Name → images of the collection, for `skipExisting`. */
async function existingImages(api: NeuroVaultClient, ref: CollectionRef): Promise<Map<string, Image[]>> {
  const byName = new Map<string, Image[]>();
  for await (const image of api.collectionImages(ref, { all: true })) byName.set(image.name, [...(byName.get(image.name) ?? []), image]);
  return byName;
}
