import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { CliError, UsageError } from '../errors.js';
import type { ObjectSummary } from './client.js';
import { copyObject } from './copy.js';
import type { PathFilter } from './filters.js';
import { walkFiles } from './local-files.js';
import { uploadFile, uploadStream } from './multipart.js';
import { downloadFile, downloadToStream } from './ranged-get.js';
import type { TransferSettings } from './transfer.js';
import { formatS3Uri, keyBasename, type Endpoint, type S3Location } from './uri.js';

/** One transfer as reported (`upload: ./a to s3://b/a`) and as an `-o json` record. */
export interface ActionRecord {
  action: 'upload' | 'download' | 'copy';
  source: string;
  destination: string;
  bytes?: number;
  dryrun?: boolean;
}

/** One planned transfer. */
export interface Task {
  record: ActionRecord;
  run: () => Promise<number | undefined>;
  /** Set when the transfer must not happen (a key that is no safe local path): reported, counted, never run. */
  refused?: CliError;
}

export interface PlanContext {
  filter: PathFilter;
  contentHeaders: (name: string) => Record<string, string>;
  replaceMetadata: boolean;
  s: TransferSettings;
  /** The `-` source (called only then) and destination. */
  stdin?: () => AsyncIterable<Uint8Array>;
  stdout?: NodeJS.WritableStream;
}

export interface RecursiveContext extends PlanContext {
  followSymlinks: boolean;
  /** A local file that cannot be sent (unreadable, special): counted by the caller, announced by `warn`. */
  skip(path: string, warning: string): void;
  /** A file found, with its size: the progress total grows as the walk or listing goes. */
  expect(bytes: number | undefined): void;
}

/** The one transfer of a non-recursive cp, or undefined when the filters exclude it. */
export async function planSingle(src: Endpoint, dst: Endpoint, srcArg: string, dstArg: string, p: PlanContext): Promise<Task | undefined> {
  const { s } = p;
  if (src.kind === 'stream' && dst.kind === 's3') {
    if (dst.loc.key === '' || dst.loc.key.endsWith('/')) throw new UsageError(`uploading "-" needs a full key, not a prefix: ${dstArg}`);
    const stdin = p.stdin;
    if (!stdin) throw new UsageError('uploading "-" needs a stdin stream');
    const record: ActionRecord = { action: 'upload', source: '-', destination: formatS3Uri(dst.loc) };
    return { record, run: () => uploadStream(stdin() as AsyncIterable<Buffer>, dst.loc, p.contentHeaders(dst.loc.key), s) };
  }
  if (src.kind === 'local' && dst.kind === 's3') {
    const st = await stat(src.path).catch(() => undefined);
    if (!st) throw new UsageError(`The user-provided path ${src.path} does not exist.`);
    if (st.isDirectory()) throw new UsageError(`${src.path} is a directory: add --recursive to copy it`);
    const name = basename(src.path);
    if (!p.filter(name)) return undefined;
    const key = dst.loc.key === '' || dst.loc.key.endsWith('/') ? dst.loc.key + name : dst.loc.key;
    const loc = { bucket: dst.loc.bucket, key };
    const headers = p.contentHeaders(name);
    const record: ActionRecord = { action: 'upload', source: displayPath(src.path), destination: formatS3Uri(loc), bytes: st.isFile() ? st.size : undefined };
    // A FIFO or /dev/stdin has no size: stream it like "-".
    const run = st.isFile()
      ? async () => (await uploadFile(src.path, st.size, loc, headers, s), st.size)
      : () => uploadStream(createReadStream(src.path), loc, headers, s);
    return { record, run };
  }
  if (src.kind === 's3') {
    if (src.loc.key === '' || src.loc.key.endsWith('/')) {
      throw new UsageError(`${srcArg} is a bucket or prefix, not an object: add --recursive to copy everything under it`);
    }
    const name = keyBasename(src.loc.key);
    if (!p.filter(name)) return undefined;
    if (dst.kind === 'stream') {
      const stdout = p.stdout;
      if (!stdout) throw new UsageError('downloading to "-" needs a stdout stream');
      return { record: { action: 'download', source: formatS3Uri(src.loc), destination: '-' }, run: () => downloadToStream(src.loc, stdout, s) };
    }
    if (dst.kind === 'local') {
      let dest = dst.path;
      if (dstArg.endsWith('/') || dstArg.endsWith(sep) || (await isDirectory(dest))) {
        const unsafe = unsafeLocalPath(name);
        if (unsafe) throw new UsageError(`${formatS3Uri(src.loc)}: its name ${unsafe}, so it cannot be saved into ${dstArg}`, { hint: 'give a file name as the destination' });
        dest = join(dest, name);
      }
      return { record: { action: 'download', source: formatS3Uri(src.loc), destination: displayPath(dest) }, run: () => downloadFile(src.loc, dest, s) };
    }
    if (dst.kind === 's3') {
      const key = dst.loc.key === '' || dst.loc.key.endsWith('/') ? dst.loc.key + name : dst.loc.key;
      const loc = { bucket: dst.loc.bucket, key };
      return {
        record: { action: 'copy', source: formatS3Uri(src.loc), destination: formatS3Uri(loc) },
        run: () => copyObject(src.loc, loc, s, { headers: copyHeaders(p), replaceMetadata: p.replaceMetadata }),
      };
    }
  }
  throw new UsageError(`cannot copy ${srcArg} to ${dstArg}`);
}

function copyHeaders(p: PlanContext): Record<string, string> {
  return p.replaceMetadata ? p.contentHeaders('') : {};
}

/** The transfers of a recursive cp, found as the walk or the listing goes (the first start before the last is known). */
export async function* planRecursive(src: Endpoint, dst: Endpoint, p: RecursiveContext): AsyncGenerator<Task> {
  const { s } = p;
  if (src.kind === 'local' && dst.kind === 's3') {
    const st = await stat(src.path).catch(() => undefined);
    if (!st) throw new UsageError(`The user-provided path ${src.path} does not exist.`);
    if (!st.isDirectory()) throw new UsageError(`${src.path} is not a directory: drop --recursive to copy one file`);
    const root = resolve(src.path);
    const skip = (f: { path: string; reason: string }) => {
      if (!p.filter(relative(root, f.path).split(sep).join('/'))) return;
      p.skip(f.path, `warning: Skipping file ${displayPath(f.path)}. ${f.reason}`);
    };
    for await (const f of walkFiles(root, skip, p.followSymlinks)) {
      if (!p.filter(f.rel)) continue;
      const loc = { bucket: dst.loc.bucket, key: joinKey(dst.loc.key, f.rel) };
      p.expect(f.size);
      const headers = p.contentHeaders(f.rel);
      yield {
        record: { action: 'upload', source: displayPath(f.path), destination: formatS3Uri(loc), bytes: f.size },
        run: async () => (await uploadFile(f.path, f.size, loc, headers, s), f.size),
      };
    }
    return;
  }
  if (src.kind === 's3' && (dst.kind === 'local' || dst.kind === 's3')) {
    const prefix = src.loc.key === '' || src.loc.key.endsWith('/') ? src.loc.key : `${src.loc.key}/`;
    const destRoot = dst.kind === 'local' ? resolve(dst.path) : undefined;
    for await (const page of s.client.listAll({ bucket: src.loc.bucket, prefix })) {
      for (const o of page.objects) {
        const task = objectTask(o, prefix, src.loc, dst, destRoot, p);
        if (task) yield task;
      }
    }
    return;
  }
  throw new UsageError('--recursive copies a directory to s3://, or an s3:// prefix to a directory or another prefix');
}

function objectTask(o: ObjectSummary, prefix: string, src: S3Location, dst: Endpoint, destRoot: string | undefined, p: RecursiveContext): Task | undefined {
  // Zero-byte "folder" markers made by consoles are not files.
  if (o.key.endsWith('/')) return undefined;
  const from = { bucket: src.bucket, key: o.key };
  const refuse = (why: string, destination: string): Task => ({
    record: { action: dst.kind === 'local' ? 'download' : 'copy', source: formatS3Uri(from), destination },
    run: () => Promise.resolve(undefined),
    refused: new CliError(`${dst.kind === 'local' ? 'download' : 'copy'} failed: ${formatS3Uri(from)}: ${why}`),
  });
  if (!o.key.startsWith(prefix)) return refuse(`the listing of ${prefix || 'the bucket'} returned a key outside it`, '');
  const rel = o.key.slice(prefix.length);
  if (!p.filter(rel)) return undefined;
  if (dst.kind === 'local' && destRoot) {
    const unsafe = unsafeLocalPath(rel);
    const dest = resolve(destRoot, rel);
    // The second test is the backstop: whatever the first misses must still land inside the folder.
    if (unsafe) return refuse(`its key ${unsafe}, so it is not saved`, displayPath(dest));
    if (!dest.startsWith(destRoot + sep)) return refuse(`its key leads outside ${displayPath(destRoot)}, so it is not saved`, displayPath(dest));
    p.expect(o.size);
    return {
      record: { action: 'download', source: formatS3Uri(from), destination: displayPath(dest), bytes: o.size },
      run: () => downloadFile(from, dest, p.s, { size: o.size, etag: o.etag }, destRoot),
    };
  }
  if (dst.kind === 's3') {
    const loc = { bucket: dst.loc.bucket, key: joinKey(dst.loc.key, rel) };
    p.expect(o.size);
    return {
      record: { action: 'copy', source: formatS3Uri(from), destination: formatS3Uri(loc), bytes: o.size },
      run: () => copyObject(from, loc, p.s, { size: o.size, headers: copyHeaders(p), replaceMetadata: p.replaceMetadata }),
    };
  }
  return undefined;
}

/**
 * Why a key (relative to the copied prefix) cannot become a path under the destination folder, or
 * undefined when it can. Such keys are legal in S3 but would resolve elsewhere on disk: onto the folder
 * itself (`sub/..`), beside it (`.` writes `<folder>.part`), or out of it.
 */
function unsafeLocalPath(rel: string): string | undefined {
  if (rel === '') return 'is empty';
  if (rel.startsWith('/')) return 'is an absolute path';
  if (rel.includes('\0')) return 'holds a NUL character';
  if (sep === '\\' && /[\\:]/.test(rel)) return 'holds a \\ or :, which Windows reads as path syntax';
  const segments = rel.split('/');
  if (segments.some((x) => x === '.' || x === '..')) return 'has a "." or ".." segment';
  if (segments.some((x) => x === '')) return 'has an empty segment ("//")';
  return undefined;
}

function joinKey(prefix: string, rel: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix + rel : `${prefix}/${rel}`;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** aws-cli's way of naming local files in its messages: relative to the working directory, `./` for it. */
function displayPath(path: string): string {
  const abs = resolve(path);
  const dir = relative(process.cwd(), dirname(abs)) || '.';
  return `${dir}${sep}${basename(abs)}`;
}
