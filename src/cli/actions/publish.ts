import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Context } from '../context.js';
import { TransferBar } from '../../output/progress-bar.js';
import { counted, formatBytes } from '../../output/units.js';
import { bareDoi, invalidDoi, parseCollectionRef, type CollectionRef } from '../../api/refs.js';
import type { Image } from '../../api/schemas.js';
import { createdPrivateNotice } from '../../api/private.js';
import {
  CHOICE_FIELDS,
  COLLECTION_READ_ONLY,
  MAP_TYPES,
  MODALITIES,
  ANALYSIS_LEVELS,
  createCollection,
  describeChoices,
  resolveChoice,
  uploadImage,
  type Choice,
} from '../../api/publish.js';
import { CliError, ExitCode, UsageError } from '../../errors.js';
import { HttpError, NetworkError } from '../../http/errors.js';
import { writeObject, writeRecords } from '../../output/format.js';
import { LOW_VALUE_COLUMNS } from './shapes.js';
import { checkNiftiFile, type CheckedFile } from '../../upload/inspect.js';
import { GzipScratch } from '../../upload/gzip.js';
import { buildImageForm } from '../../upload/form.js';
import { parseKeyValues } from '../parse.js';
import { requireToken } from './auth.js';

/**
 * NeuroVault checks and thumbnails a map before it answers an upload, and its gunicorn workers may take
 * up to 120 s (API.md §9): waiting less would report a failure for an image that was in fact created.
 */
const UPLOAD_ANSWER_MS = 120_000;

export interface CollectionsCreateOptions {
  name?: string;
  doi?: string;
  description?: string;
  private?: boolean;
  field?: string[];
}

export interface ImagesUploadOptions {
  collection: string;
  mapType?: string;
  modality?: string;
  name?: string;
  analysisLevel?: string;
  meta?: string[];
  metaFile?: string;
  skipExisting?: boolean;
}

const COLLECTION_COLUMNS = ['id', 'name', 'DOI', 'private', 'url'];
const IMAGE_COLUMNS = ['id', 'name', 'map_type', 'modality', 'file_size', 'url'];
const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

// ---------------------------------------------------------------------------------------------------
// collections create

/** Validates every flag, then POSTs one JSON body; the created collection goes to stdout per `-o`. */
export async function runCollectionsCreate(opts: CollectionsCreateOptions, ctx: Context): Promise<void> {
  const body = collectionBody(opts);
  await requireToken(ctx, 'collections create');
  const api = await ctx.api();
  const created = await createCollection(api, body, ctx.signal).catch((err: unknown) => {
    throw rejected('collections create', err);
  });
  if (created.private && !ctx.globals.quiet) ctx.warn(createdPrivateNotice(created));
  await writeObject(ctx.io, created, {
    format: ctx.globals.output,
    columns: ctx.globals.columns ?? COLLECTION_COLUMNS,
    color: ctx.globals.color,
  });
}

/** The JSON body, or a UsageError before anything is sent. */
export function collectionBody(opts: CollectionsCreateOptions): Record<string, unknown> {
  const name = opts.name?.trim();
  const doi = opts.doi?.trim();
  if (opts.name !== undefined && opts.doi !== undefined) {
    throw new UsageError('give either --name or --doi, not both', {
      hint: 'with --doi the server fills the name, authors and journal from Crossref',
    });
  }
  if (opts.name === undefined && opts.doi === undefined) {
    throw new UsageError('missing --name or --doi', { hint: 'neurovault collections create --name "My study"' });
  }
  const body: Record<string, unknown> = {};
  if (opts.name !== undefined) {
    if (!name) throw new UsageError('--name must not be empty');
    body.name = name;
  } else {
    body.DOI = doiToSend(doi ?? '');
  }
  if (opts.description !== undefined) body.description = opts.description;
  // JSON booleans: the server's `private` is a choice field that rejects the string "true".
  if (opts.private) body.private = true;
  for (const spec of opts.field ?? []) {
    const [key, value] = parseField(spec);
    if (key in body || key === 'name' || key === 'DOI' || key === 'description' || key === 'private') {
      throw new UsageError(`--field ${key}: set it with --${key === 'DOI' ? 'doi' : key} instead`);
    }
    if (COLLECTION_READ_ONLY.has(key)) throw new UsageError(`--field ${key}: the server sets this field itself`);
    body[key] = value;
  }
  return body;
}

/**
 * `key=value` sends a string, which the server converts for number and boolean fields; `key:=json`
 * (HTTPie's spelling) sends a JSON value, for lists such as `communities:=[3]` or an explicit null.
 */
function parseField(spec: string): [string, unknown] {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new UsageError(`invalid --field "${spec}": expected key=value or key:=<json>`);
  const isJson = spec[eq - 1] === ':';
  const key = spec.slice(0, isJson ? eq - 1 : eq).trim();
  const raw = spec.slice(eq + 1);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new UsageError(`invalid --field "${spec}": "${key}" is not a field name`);
  if (!isJson) return [key, raw];
  try {
    return [key, JSON.parse(raw) as unknown];
  } catch {
    throw new UsageError(`invalid --field "${spec}": the value after := must be JSON`);
  }
}

/** Crossref is asked with the DOI as given, so only a `doi:` or resolver prefix is removed, never case. */
function doiToSend(input: string): string {
  const doi = bareDoi(input);
  if (!doi) throw invalidDoi(input);
  return doi;
}


// ---------------------------------------------------------------------------------------------------
// images upload

/** One file after validation, with everything needed to send it. */
interface PlannedUpload {
  file: CheckedFile;
  name: string;
}

/**
 * Validates all flags and all files first (exit 2, nothing sent), then uploads one file at a time.
 * Stops at the first failure: the images created so far are still printed, so a script knows what
 * exists, and `--skip-existing` makes the re-run pick up where it stopped.
 */
export async function runImagesUpload(paths: string[], opts: ImagesUploadOptions, ctx: Context): Promise<void> {
  const ref = parseCollectionRef(opts.collection);
  const fields = await uploadFields(opts, paths.length);
  const plan = await planFiles(paths, opts.name, ctx);
  await requireToken(ctx, 'images upload');
  const api = await ctx.api();

  const existing = opts.skipExisting ? await existingImages(ctx, ref) : undefined;
  const scratch = new GzipScratch();
  ctx.onClose(() => scratch.dispose());
  const bar = startUploadBar(ctx, plan, opts.collection);
  const created: Image[] = [];
  let failure: unknown;
  let current: PlannedUpload | undefined;
  let currentIndex = 0;
  try {
    for (const [index, item] of plan.entries()) {
      current = item;
      currentIndex = index;
      const label = `${item.file.path} (${index + 1}/${plan.length})`;
      bar?.phase('preparing');
      const send = item.file.gzipped
        ? { path: item.file.path, size: item.file.size }
        : await scratch.gzip(item.file.path, ctx.signal);
      const filename = uploadFilename(item.file);
      const match = existing?.get(item.name)?.find((img) => img.file_size === send.size);
      if (match) {
        await scratch.release(send.path);
        const why = `image ${match.id} "${item.name}" with the same size is already in the collection`;
        if (bar) bar.done(`ℹ skipped ${label}: ${why}`, send.size);
        else if (!ctx.globals.quiet) ctx.warn(`skipped ${item.file.path}: ${why}`);
        continue;
      }
      bar?.phase('uploading');
      const image = await uploadImage(
        api,
        ref,
        () => buildImageForm({ fields: [['name', item.name], ...fields], path: send.path, filename }),
        { signal: ctx.signal, timeoutMs: Math.max(ctx.globals.timeoutMs, UPLOAD_ANSWER_MS) },
      );
      await scratch.release(send.path);
      created.push(image);
      // Two paths with the same stem in one run (a/t.nii.gz, b/t.nii.gz) are judged like a re-run.
      existing?.set(item.name, [...(existing.get(item.name) ?? []), { ...image, file_size: send.size }]);
      bar?.done(`✔ uploaded ${label}, ${formatBytes(send.size)} → image ${image.id}`, send.size);
      if (image.file_size && image.file_size !== send.size) {
        ctx.warn(`image ${image.id}: the server reports ${image.file_size} bytes but ${send.size} were sent`);
      }
    }
    current = undefined;
  } catch (err) {
    failure = err;
    bar?.failed(`✖ ${current?.file.path ?? 'upload'} failed`);
  } finally {
    bar?.stop();
    await scratch.dispose();
  }

  await writeRecords(ctx.io, created, {
    format: ctx.globals.output,
    columns: ctx.globals.columns ?? IMAGE_COLUMNS,
    color: ctx.globals.color,
    dropFirst: ctx.globals.columns ? undefined : LOW_VALUE_COLUMNS,
  });
  if (failure !== undefined) {
    throw uploadFailure(failure, ctx, { path: current?.file.path, index: currentIndex, total: plan.length, uploaded: created.length });
  }
}

/** The form fields shared by every file of the run (everything but `name` and `file`). */
async function uploadFields(opts: ImagesUploadOptions, fileCount: number): Promise<[string, string][]> {
  if (opts.name !== undefined && fileCount > 1) {
    throw new UsageError(`--name names one image, but ${fileCount} files were given`, {
      hint: 'drop --name to use each file name (without .nii.gz/.nii), or upload the files one by one',
    });
  }
  if (opts.name !== undefined && opts.name.trim() === '') throw new UsageError('--name must not be empty');
  const mapType = requiredChoice('--map-type', opts.mapType, MAP_TYPES);
  const modality = requiredChoice('--modality', opts.modality, MODALITIES);
  const fields: [string, string][] = [
    ['map_type', mapType],
    ['modality', modality],
  ];
  if (opts.analysisLevel !== undefined) {
    fields.push(['analysis_level', choice('--analysis-level', opts.analysisLevel, ANALYSIS_LEVELS)]);
  }
  const meta = new Map<string, string>();
  if (opts.metaFile !== undefined) for (const [k, v] of await readMetaFile(opts.metaFile)) meta.set(k, v);
  for (const [key, value] of Object.entries(parseKeyValues(opts.meta, '--meta'))) meta.set(key, value);
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
  if (value === undefined) {
    throw new UsageError(`missing ${flag}, which the server requires`, { hint: `one of: ${describeChoices(table)}` });
  }
  return choice(flag, value, table);
}

function choice(flag: string, value: string, table: readonly Choice[]): string {
  const code = resolveChoice(table, value);
  if (code === undefined) {
    throw new UsageError(`unknown ${flag} "${value}"`, { hint: `one of: ${describeChoices(table)}` });
  }
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
  return Object.entries(parsed as Record<string, unknown>).map(([k, v]) => [
    k,
    v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v),
  ]);
}

/** Checks every file before the first request, so a typo in the fifth path does not leave four uploads behind. */
async function planFiles(paths: string[], name: string | undefined, ctx: Context): Promise<PlannedUpload[]> {
  const seen = new Set<string>();
  const plan: PlannedUpload[] = [];
  for (const path of paths) {
    const abs = resolve(path);
    if (seen.has(abs)) {
      ctx.warn(`${path} was given more than once; uploading it once`);
      continue;
    }
    seen.add(abs);
    const file = await checkNiftiFile(path);
    plan.push({ file, name: name?.trim() ?? imageNameFor(path) });
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

/** Name → images of the collection, for `--skip-existing`. */
async function existingImages(ctx: Context, ref: CollectionRef): Promise<Map<string, Image[]>> {
  const api = await ctx.api();
  const byName = new Map<string, Image[]>();
  for await (const image of api.collectionImages(ref, { all: true })) {
    const list = byName.get(image.name) ?? [];
    list.push(image);
    byName.set(image.name, list);
  }
  return byName;
}

/** Per-file progress of an upload run; undefined off a TTY (the plain notices are printed instead). */
interface UploadProgress {
  /** What the current file is going through (`preparing`, `uploading`), shown as the bar's label. */
  phase(label: string): void;
  /** A finished file: its line above the bar, and its bytes and count on it. */
  done(line: string, bytes: number): void;
  failed(line: string): void;
  stop(): void;
}

/**
 * A bar over the whole run (`uploading ███░░ 33%  1/3 files  12/36 MiB  4.1 MiB/s  ETA 6s`), counted per
 * file: a multipart body's bytes cannot be watched as they go, and the server's check of each map is
 * part of the wait anyway. Only when interactive (ctx.globals.progress already excludes -q, json, pipes).
 */
function startUploadBar(ctx: Context, plan: PlannedUpload[], collection: string): UploadProgress | undefined {
  if (!ctx.globals.progress) return undefined;
  // A plain .nii is gzipped before it goes, so its size on the wire is known only then.
  const sizes = plan.every((p) => p.file.gzipped) ? plan.reduce((n, p) => n + p.file.size, 0) : undefined;
  ctx.warn(`uploading ${counted(plan.length, 'file')}${sizes === undefined ? '' : `, ${formatBytes(sizes)},`} to collection ${collection}`);
  let label = 'uploading';
  const bar = new TransferBar(ctx, { label: () => label, files: plan.length, bytes: sizes });
  return {
    phase: (text) => void (label = text.padEnd('uploading'.length)),
    done(line, bytes) {
      bar.note(line);
      bar.bytes(bytes);
      bar.file();
    },
    failed(line) {
      bar.note(line);
      bar.file(true);
    },
    stop: () => bar.stop(),
  };
}

/**
 * The error for a failed file, named on its own line first (the error itself names only the request).
 * A 400 becomes the server's `field: message` lines (exit 2); a network failure after the body went
 * out may still have created the image, so the hint says how to finish safely instead of retrying.
 */
function uploadFailure(
  err: unknown,
  ctx: Context,
  at: { path?: string; index: number; total: number; uploaded: number },
): unknown {
  if (ctx.signal.aborted) return err;
  const where = at.total > 1 ? `file ${at.index + 1} of ${at.total}; ${at.uploaded} uploaded, ${at.total - at.index - 1} not tried` : '';
  ctx.warn(`upload of ${at.path ?? 'a file'} failed${where ? ` (${where})` : ''}`);
  if (err instanceof HttpError && err.status === 400) return rejected('images upload', err);
  if (err instanceof NetworkError) {
    return new CliError(err.message, {
      exitCode: err.exitCode,
      cause: err,
      hint: 'the image may or may not have been created; re-run with --skip-existing to upload only what is missing',
    });
  }
  return err;
}

/** A DRF 400 as `field: message` lines under one heading (exit 2); anything else unchanged. */
function rejected(what: string, err: unknown): unknown {
  if (!(err instanceof HttpError) || err.status !== 400) return err;
  const lines = err.fieldErrors.length ? err.fieldErrors : [err.detail ?? 'no reason given'];
  return new CliError(`${what}: the server rejected the input:\n${lines.join('\n')}`, {
    exitCode: ExitCode.usage,
    cause: err,
  });
}
