import { setMaxListeners } from 'node:events';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { Context } from '../context.js';
import { CliError, ExitCode, PartialFailureError, UsageError } from '../../errors.js';
import { HttpError } from '../../http/errors.js';
import { Output, writeRecords } from '../../output/format.js';
import type { ObjectSummary } from '../../s3/client.js';
import { openS3Session } from '../../s3/session.js';
import { s3SessionOptions } from '../s3-session.js';
import { S3EmbeddedError, s3Failure, type FailureContext } from '../../s3/errors.js';
import { compileFilters, type Filter, type PathFilter } from '../../s3/filters.js';
import { guessContentType } from '../../s3/mime.js';
import { Semaphore, forEachBounded } from '../../s3/pool.js';
import { awsHumanSize, parseSize } from '../../s3/size.js';
import { TransferBar } from '../../output/progress-bar.js';
import { MAX_PART_SIZE, MIN_PART_SIZE, type TransferSettings } from '../../s3/transfer.js';
import { formatS3Uri, keyBasename, parseEndpoint, parseS3Uri, type S3Location } from '../../s3/uri.js';
import { uploadFile, uploadStream } from '../../s3/multipart.js';
import { downloadFile, downloadToStream } from '../../s3/ranged-get.js';
import { copyObject } from '../../s3/copy.js';
import { walkFiles } from '../../s3/local-files.js';
import { parseIntFlag, parseKeyValues } from '../parse.js';
import type { ChecksumAlgorithm } from '../../s3/checksum.js';

export interface S3CpFlags {
  recursive?: boolean;
  /** --include/--exclude in command-line order (the order is the semantics). */
  filters: Filter[];
  dryrun?: boolean;
  contentType?: string;
  guessMimeType: boolean;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  metadata?: string[];
  acl?: string;
  storageClass?: string;
  multipartThreshold?: string;
  partSize?: string;
  concurrency?: string;
  checksum?: string;
  followSymlinks: boolean;
  onlyShowErrors?: boolean;
}

export interface S3LsFlags {
  recursive?: boolean;
  pageSize?: string;
  humanReadable?: boolean;
  summarize?: boolean;
}

const DEFAULT_THRESHOLD = 8 * 1024 ** 2;
const DEFAULT_PART_SIZE = 8 * 1024 ** 2;
const DEFAULT_CONCURRENCY = 10;

// ---------------------------------------------------------------- mb

export async function runMb(uri: string, ctx: Context): Promise<void> {
  const loc = parseS3Uri(uri);
  if (loc.key.replace(/\/+$/, '') !== '') throw new UsageError(`mb takes a bucket, not an object: s3://${loc.bucket}`);
  const { client, fc } = await openS3Session(s3SessionOptions(ctx, { bucket: loc.bucket }));
  try {
    await client.createBucket(loc.bucket);
  } catch (err) {
    throw s3Failure(`make_bucket failed: s3://${loc.bucket}`, err, fc);
  }
  const report = new Reporter(ctx, false);
  report.line(`make_bucket: ${loc.bucket}`);
  await report.finish([{ action: 'make_bucket', bucket: loc.bucket }], ['action', 'bucket']);
}

// ---------------------------------------------------------------- ls

export async function runLs(uri: string | undefined, flags: S3LsFlags, ctx: Context): Promise<void> {
  const pageSize = flags.pageSize === undefined ? undefined : parseIntFlag(flags.pageSize, '--page-size', 1, 1000);
  const loc = uri === undefined ? undefined : parseS3Uri(uri);
  const g = ctx.globals;
  const { client, fc } = await openS3Session(s3SessionOptions(ctx, { bucket: loc?.bucket }));
  const out = new Output(ctx.io.stdout);
  const size = (n: number) => (flags.humanReadable ? awsHumanSize(n) : String(n)).padStart(10);

  if (!loc) {
    let buckets;
    try {
      buckets = await client.listBuckets();
    } catch (err) {
      throw s3Failure('ls failed', err, fc);
    }
    if (g.outputExplicit) {
      await writeRecords(ctx.io, buckets.map((b) => ({ name: b.name, creation_date: b.creationDate })), { format: g.output, columns: g.columns ?? [], color: g.color });
      return;
    }
    for (const b of buckets) if (!(await out.write(`${localTime(b.creationDate)} ${b.name}\n`))) return;
    await out.flush();
    return;
  }

  let objects = 0;
  let bytes = 0;
  const pages = client.listAll({ bucket: loc.bucket, prefix: loc.key, delimiter: flags.recursive ? undefined : '/', pageSize });
  async function* records(): AsyncGenerator<Record<string, unknown>> {
    for await (const page of pages) {
      for (const p of page.prefixes) yield { type: 'prefix', key: p };
      for (const o of page.objects) {
        objects++;
        bytes += o.size;
        yield { type: 'object', key: o.key, size: o.size, last_modified: o.lastModified, etag: o.etag, storage_class: o.storageClass };
      }
    }
  }
  try {
    if (g.outputExplicit) {
      await writeRecords(ctx.io, records(), { format: g.output, columns: g.columns ?? [], color: g.color });
      return;
    }
    for await (const r of records()) {
      const key = String(r.key);
      let text: string;
      if (r.type === 'prefix') {
        const parts = key.split('/');
        text = `${'PRE'.padStart(30)} ${parts[parts.length - 2] ?? key}/\n`;
      } else {
        const name = flags.recursive ? key : key.slice(key.lastIndexOf('/') + 1);
        text = `${localTime(String(r.last_modified))} ${size(Number(r.size))} ${name}\n`;
      }
      if (!(await out.write(text))) return;
    }
    if (flags.summarize) {
      await out.write(`\nTotal Objects: ${objects}\n   Total Size: ${flags.humanReadable ? awsHumanSize(bytes) : bytes}\n`);
    }
    await out.flush();
  } catch (err) {
    throw s3Failure(`ls failed: ${formatS3Uri(loc)}`, err, fc);
  }
}

// ---------------------------------------------------------------- cp

interface Tuning {
  threshold: number;
  partSize: number;
  concurrency: number;
  checksum: ChecksumAlgorithm;
}

interface ActionRecord {
  action: 'upload' | 'download' | 'copy';
  source: string;
  destination: string;
  bytes?: number;
  dryrun?: boolean;
}

/** One planned transfer of a recursive copy. */
interface Task {
  record: ActionRecord;
  run: () => Promise<number | undefined>;
  /** Set when the transfer must not happen (a key that is no safe local path): reported, counted, never run. */
  refused?: CliError;
}

export async function runCp(srcArg: string, dstArg: string, flags: S3CpFlags, ctx: Context): Promise<void> {
  const src = parseEndpoint(srcArg);
  const dst = parseEndpoint(dstArg);
  if (src.kind !== 's3' && dst.kind !== 's3') {
    throw new UsageError('cp needs an s3:// URI as source or destination', { hint: 'e.g. neurovault s3 cp ./file s3://bucket/prefix/' });
  }
  if (src.kind === 'stream' && dst.kind === 'stream') throw new UsageError('cp cannot copy "-" to "-"');
  if ((src.kind === 'stream' || dst.kind === 'stream') && flags.recursive) {
    throw new UsageError('Streaming currently is only compatible with non-recursive cp commands');
  }
  const filter = compileFilters(flags.filters);
  const objectHeaders = headersFromFlags(flags);
  const replaceMetadata = Object.keys(objectHeaders).length > 0 || flags.contentType !== undefined;
  const contentHeaders = (name: string): Record<string, string> => {
    const type = flags.contentType ?? (flags.guessMimeType ? guessContentType(name) : undefined);
    return type ? { ...objectHeaders, 'content-type': type } : objectHeaders;
  };
  // Flags and the local source are checked before the credentials, and all of it before any request.
  const draft = tuningFromFlags(flags);
  if (src.kind === 'local' && !(await stat(src.path).catch(() => undefined))) {
    throw new UsageError(`The user-provided path ${src.path} does not exist.`);
  }
  const { client, aws, fc } = await openS3Session(s3SessionOptions(ctx, { bucket: dst.kind === 's3' ? dst.loc.bucket : src.kind === 's3' ? src.loc.bucket : undefined }));
  const tuning = applyProfileTuning(draft, aws.s3);
  // Every request in flight listens on the run's abort signal; that is many listeners, not a leak.
  setMaxListeners(4 * tuning.concurrency + 16, ctx.signal);
  const report = new Reporter(ctx, Boolean(flags.onlyShowErrors));
  const s: TransferSettings = {
    client,
    slots: new Semaphore(tuning.concurrency),
    threshold: tuning.threshold,
    partSize: tuning.partSize,
    checksum: tuning.checksum,
    signal: ctx.signal,
    progress: (n) => report.bytes(n),
    log: ctx.log,
  };
  const jsonToStdout = dst.kind !== 'stream';
  const columns = ['action', 'source', 'destination', 'bytes'];

  if (!flags.recursive) {
    const task = await planSingle(src, dst, srcArg, dstArg, { filter, contentHeaders, objectHeaders, replaceMetadata, ctx, s });
    if (!task) return;
    if (flags.dryrun) {
      report.done({ ...task.record, dryrun: true });
      if (jsonToStdout) await report.finish(report.actions, columns);
      return;
    }
    // An object printed on the terminal (`cp s3://b/k -`) would be torn by a bar on the same screen.
    const toScreen = dst.kind === 'stream' && ctx.io.stdoutIsTTY;
    if (!toScreen) report.start(transferLabel(src, dst), `${task.record.source} to ${task.record.destination}`, { bytes: task.record.bytes });
    let bytes: number | undefined;
    try {
      bytes = await task.run();
    } catch (err) {
      throw s3Failure(`${task.record.action} failed: ${task.record.source} to ${task.record.destination}`, err, fc);
    } finally {
      report.stop();
    }
    report.done({ ...task.record, bytes: bytes ?? task.record.bytes });
    if (jsonToStdout) await report.finish(report.actions, columns);
    return;
  }

  const skipped: string[] = [];
  const tasks = planRecursive(src, dst, { filter, contentHeaders, objectHeaders, replaceMetadata, ctx, s, followSymlinks: flags.followSymlinks, skipped, report, fc });
  let failures = 0;
  const reported = new WeakSet<object>();
  report.start(transferLabel(src, dst), `${srcArg} to ${dstArg}${flags.dryrun ? ' (dry run)' : ''}`);
  try {
    await forEachBounded(
      tasks,
      new Semaphore(tuning.concurrency),
      async (task) => {
        if (task.refused) {
          failures++;
          report.error(task.refused);
          return;
        }
        if (flags.dryrun) {
          report.done({ ...task.record, dryrun: true });
          return;
        }
        try {
          const bytes = await task.run();
          report.done({ ...task.record, bytes: bytes ?? task.record.bytes });
        } catch (err) {
          if (ctx.signal.aborted) throw err;
          const failure = s3Failure(`${task.record.action} failed: ${task.record.source} to ${task.record.destination}`, err, fc);
          // Bad keys, a missing bucket or no permission fail every file alike: stop at the first.
          if (failure.exitCode === ExitCode.auth || s3Code(err) === 'NoSuchBucket') {
            reported.add(failure);
            throw failure;
          }
          failures++;
          report.error(failure);
        }
      },
      ctx.signal,
    );
  } catch (err) {
    report.stop();
    await report.finish(report.actions, columns).catch(() => undefined);
    if (reported.has(err as object) || ctx.signal.aborted) throw err;
    // The listing or the walk failed (a missing bucket, an unreadable directory, a usage problem).
    throw s3Failure(`cp failed: ${srcArg} to ${dstArg}`, err, fc);
  }
  report.stop();
  await report.finish(report.actions, columns);
  if (failures > 0 || skipped.length > 0) {
    const parts = [failures > 0 ? `${failures} transfer(s) failed` : '', skipped.length > 0 ? `${skipped.length} file(s) skipped` : ''].filter(Boolean);
    throw new PartialFailureError(`cp: ${parts.join(', ')}`);
  }
}

function transferLabel(src: ReturnType<typeof parseEndpoint>, dst: ReturnType<typeof parseEndpoint>): string {
  if (src.kind !== 's3') return 'uploading';
  return dst.kind === 's3' ? 'copying' : 'downloading';
}

interface PlanContext {
  filter: PathFilter;
  contentHeaders: (name: string) => Record<string, string>;
  objectHeaders: Record<string, string>;
  replaceMetadata: boolean;
  ctx: Context;
  s: TransferSettings;
}

async function planSingle(
  src: ReturnType<typeof parseEndpoint>,
  dst: ReturnType<typeof parseEndpoint>,
  srcArg: string,
  dstArg: string,
  p: PlanContext,
): Promise<Task | undefined> {
  const { s, ctx } = p;
  if (src.kind === 'stream' && dst.kind === 's3') {
    if (dst.loc.key === '' || dst.loc.key.endsWith('/')) throw new UsageError(`uploading "-" needs a full key, not a prefix: ${dstArg}`);
    const record: ActionRecord = { action: 'upload', source: '-', destination: formatS3Uri(dst.loc) };
    return { record, run: () => uploadStream(ctx.io.stdin as AsyncIterable<Buffer>, dst.loc, p.contentHeaders(dst.loc.key), s) };
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
      return { record: { action: 'download', source: formatS3Uri(src.loc), destination: '-' }, run: () => downloadToStream(src.loc, ctx.io.stdout, s) };
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

async function* planRecursive(
  src: ReturnType<typeof parseEndpoint>,
  dst: ReturnType<typeof parseEndpoint>,
  p: PlanContext & { followSymlinks: boolean; skipped: string[]; report: Reporter; fc: FailureContext },
): AsyncGenerator<Task> {
  const { s, report } = p;
  if (src.kind === 'local' && dst.kind === 's3') {
    const st = await stat(src.path).catch(() => undefined);
    if (!st) throw new UsageError(`The user-provided path ${src.path} does not exist.`);
    if (!st.isDirectory()) throw new UsageError(`${src.path} is not a directory: drop --recursive to copy one file`);
    const root = resolve(src.path);
    const skip = (f: { path: string; reason: string }) => {
      if (!p.filter(relative(root, f.path).split(sep).join('/'))) return;
      p.skipped.push(f.path);
      report.warn(`warning: Skipping file ${displayPath(f.path)}. ${f.reason}`);
    };
    for await (const f of walkFiles(root, skip, p.followSymlinks)) {
      if (!p.filter(f.rel)) continue;
      const loc = { bucket: dst.loc.bucket, key: joinKey(dst.loc.key, f.rel) };
      report.expect(f.size);
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

function objectTask(
  o: ObjectSummary,
  prefix: string,
  src: S3Location,
  dst: ReturnType<typeof parseEndpoint>,
  destRoot: string | undefined,
  p: PlanContext & { report: Reporter },
): Task | undefined {
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
    p.report.expect(o.size);
    return {
      record: { action: 'download', source: formatS3Uri(from), destination: displayPath(dest), bytes: o.size },
      run: () => downloadFile(from, dest, p.s, { size: o.size, etag: o.etag }),
    };
  }
  if (dst.kind === 's3') {
    const loc = { bucket: dst.loc.bucket, key: joinKey(dst.loc.key, rel) };
    p.report.expect(o.size);
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

function headersFromFlags(flags: S3CpFlags): Record<string, string> {
  const h: Record<string, string> = {};
  if (flags.cacheControl) h['cache-control'] = flags.cacheControl;
  if (flags.contentDisposition) h['content-disposition'] = flags.contentDisposition;
  if (flags.contentEncoding) h['content-encoding'] = flags.contentEncoding;
  if (flags.contentLanguage) h['content-language'] = flags.contentLanguage;
  if (flags.acl) h['x-amz-acl'] = flags.acl;
  if (flags.storageClass) h['x-amz-storage-class'] = flags.storageClass;
  const metadata = parseKeyValues((flags.metadata ?? []).flatMap((m) => m.split(',')), '--metadata');
  for (const [name, value] of Object.entries(metadata)) {
    const key = name.toLowerCase();
    if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(key)) throw new UsageError(`invalid --metadata key "${key}": use letters, digits and - _ .`);
    h[`x-amz-meta-${key}`] = value.trim();
  }
  return h;
}

type DraftTuning = Partial<Tuning>;

function tuningFromFlags(flags: S3CpFlags): DraftTuning {
  const t: DraftTuning = {};
  if (flags.multipartThreshold !== undefined) t.threshold = sizeFlag(flags.multipartThreshold, '--multipart-threshold');
  if (flags.partSize !== undefined) t.partSize = sizeFlag(flags.partSize, '--part-size');
  if (flags.concurrency !== undefined) t.concurrency = parseIntFlag(flags.concurrency, '--concurrency', 1, 256);
  if (flags.checksum !== undefined) t.checksum = flags.checksum as ChecksumAlgorithm;
  return t;
}

/** Flags beat the profile's `s3 =` settings (aws-cli's names), which beat aws-cli's defaults. */
function applyProfileTuning(t: DraftTuning, s3: Record<string, string>): Tuning {
  const fromProfile = (key: string, parse: (v: string, name: string) => number) =>
    s3[key] === undefined ? undefined : parse(s3[key]!, `${key} (profile s3 settings)`);
  return {
    threshold: t.threshold ?? fromProfile('multipart_threshold', sizeFlag) ?? DEFAULT_THRESHOLD,
    partSize: t.partSize ?? fromProfile('multipart_chunksize', sizeFlag) ?? DEFAULT_PART_SIZE,
    concurrency: t.concurrency ?? fromProfile('max_concurrent_requests', (v, n) => parseIntFlag(v, n, 1, 256)) ?? DEFAULT_CONCURRENCY,
    checksum: t.checksum ?? 'crc32',
  };
}

function sizeFlag(value: string, flag: string): number {
  const n = parseSize(value, flag);
  if (n < MIN_PART_SIZE || n > MAX_PART_SIZE) throw new UsageError(`invalid ${flag} "${value}": S3 parts are 5MB to 5GB`);
  return n;
}

function s3Code(err: unknown): string | undefined {
  if (err instanceof HttpError || err instanceof S3EmbeddedError) return err.code;
  return undefined;
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

function localTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso.padEnd(19);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// ---------------------------------------------------------------- reporting

/**
 * Action lines and warnings on stderr, the optional progress spinner (TTY only, loaded only then), and
 * the -o records on stdout at the end.
 */
class Reporter {
  readonly actions: object[] = [];
  private bar?: TransferBar;
  /** Files and bytes announced before the bar is up. */
  private pending = { files: 0, bytes: 0 as number | undefined };

  constructor(
    private readonly ctx: Context,
    private readonly onlyErrors: boolean,
  ) {}

  private get quiet(): boolean {
    return this.onlyErrors || this.ctx.globals.quiet;
  }

  /**
   * The opening line and the bar (TTY only): `label` says the direction, `what` the source and
   * destination; `single` is set for one transfer, with its size when known.
   */
  start(label: string, what: string, single?: { bytes: number | undefined }): void {
    if (single) this.expect(single.bytes);
    if (!this.ctx.globals.progress || this.onlyErrors) return;
    this.ctx.warn(`${label} ${what}`);
    this.bar = new TransferBar(this.ctx, { label, files: this.pending.files, bytes: this.pending.bytes });
  }

  expect(bytes: number | undefined): void {
    if (this.bar) return this.bar.expect(1, bytes);
    this.pending.files++;
    this.pending.bytes = bytes === undefined || this.pending.bytes === undefined ? undefined : this.pending.bytes + bytes;
  }

  bytes(n: number): void {
    this.bar?.bytes(n);
  }

  line(text: string): void {
    if (this.quiet) return;
    this.ctx.printLine(text);
  }

  /** Also with --only-show-errors; above the bar while it shows (ctx.printLine goes through ctx.live). */
  warn(text: string): void {
    this.ctx.printLine(text);
  }

  error(err: CliError): void {
    this.bar?.file(true);
    this.ctx.printLine(`neurovault: ${err.message}`);
    if (err.hint) this.ctx.printLine(`hint: ${err.hint}`);
  }

  done(record: ActionRecord): void {
    this.bar?.file();
    this.actions.push(record);
    this.line(`${record.dryrun ? '(dryrun) ' : ''}${record.action}: ${record.source} to ${record.destination}`);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  async finish(records: object[], columns: string[]): Promise<void> {
    const g = this.ctx.globals;
    if (!g.outputExplicit) return;
    await writeRecords(this.ctx.io, records, { format: g.output, columns: g.columns ?? columns, color: g.color });
  }
}
