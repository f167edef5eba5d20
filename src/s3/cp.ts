import { setMaxListeners } from 'node:events';
import { stat } from 'node:fs/promises';
import { CliError, ExitCode, UsageError } from '../errors.js';
import { HttpError } from '../http/errors.js';
import type { ChecksumAlgorithm } from './checksum.js';
import { planRecursive, planSingle, type ActionRecord, type PlanContext, type Task } from './cp-plan.js';
import { S3EmbeddedError, s3Failure } from './errors.js';
import { compileFilters, type Filter } from './filters.js';
import { guessContentType } from './mime.js';
import { checkLocalDestination } from './local-destination.js';
import { Semaphore, forEachBounded } from './pool.js';
import { openS3Session, type S3SessionOptions } from './session.js';
import { parseSize } from './size.js';
import { MAX_PART_SIZE, MIN_PART_SIZE, type TransferSettings } from './transfer.js';
import { parseEndpoint, type Endpoint } from './uri.js';
import { parseWholeNumber } from '../util/whole-number.js';

export type { ActionRecord } from './cp-plan.js';

export interface Tuning {
  /** Objects of this size or more go multipart (uploads) or ranged (downloads); default 8 MiB. */
  threshold: number;
  /** Default 8 MiB; S3 parts are 5 MiB to 5 GiB. */
  partSize: number;
  /** Requests in flight across all files and parts; default 10. */
  concurrency: number;
  checksum: ChecksumAlgorithm;
}

export type CopyEvent =
  /** Transfers begin: one (`files` 1, its size if known) or a recursive run whose files come with `expect`. */
  | { type: 'start'; label: 'uploading' | 'downloading' | 'copying'; what: string; files: number; bytes: number | undefined; toStdout: boolean }
  | { type: 'expect'; bytes: number | undefined }
  | { type: 'bytes'; bytes: number }
  | { type: 'done'; record: ActionRecord }
  /** One transfer failed (or was refused); a recursive run goes on. */
  | { type: 'error'; error: CliError }
  | { type: 'warning'; message: string };

export interface CopyOptions {
  /** S3 settings; the session opens after every other option is checked. */
  s3: S3SessionOptions;
  /** A local path, `s3://bucket/key`, or `-` (stdin / stdout). */
  source: string;
  destination: string;
  recursive?: boolean;
  dryrun?: boolean;
  /** --include/--exclude in order (later filters win). */
  filters?: readonly Filter[];
  /** Object headers (objectHeaders()); given, or with contentType, a copy replaces the metadata. */
  headers?: Record<string, string>;
  contentType?: string;
  guessMimeType?: boolean;
  /** Unset values come from the profile's `s3 =` settings, then aws-cli's defaults. */
  tuning?: Partial<Tuning>;
  followSymlinks?: boolean;
  /** The `-` source, called only for it (a process's stdin is best left untouched otherwise). */
  stdin?: () => AsyncIterable<Uint8Array>;
  /** The `-` destination. */
  stdout?: NodeJS.WritableStream;
  signal?: AbortSignal;
  log?: (line: string) => void;
  onEvent?: (event: CopyEvent) => void;
}

export interface CopyResult {
  actions: ActionRecord[];
  /** Transfers that failed or were refused (each reported by an `error` event). */
  failures: number;
  /** Local files that could not be sent (each reported by a `warning` event). */
  skipped: string[];
}

const DEFAULT_THRESHOLD = 8 * 1024 ** 2;
const DEFAULT_PART_SIZE = 8 * 1024 ** 2;
const DEFAULT_CONCURRENCY = 10;

/**
 * `aws s3 cp`: upload, download or server-side copy of one object, or (`recursive`) of a folder or prefix,
 * with aws-cli's semantics. One failed transfer of a recursive run is reported and counted; bad keys, a
 * missing bucket or no permission stop the run (thrown).
 */
export async function copy(opts: CopyOptions): Promise<CopyResult> {
  const src = parseEndpoint(opts.source);
  const dst = parseEndpoint(opts.destination);
  if (src.kind !== 's3' && dst.kind !== 's3') {
    throw new UsageError('cp needs an s3:// URI as source or destination', { hint: 'e.g. neurovault s3 cp ./file s3://bucket/prefix/' });
  }
  if (src.kind === 'stream' && dst.kind === 'stream') throw new UsageError('cp cannot copy "-" to "-"');
  if ((src.kind === 'stream' || dst.kind === 'stream') && opts.recursive) {
    throw new UsageError('Streaming currently is only compatible with non-recursive cp commands');
  }
  const filter = compileFilters(opts.filters ?? []);
  const objectHeaders = opts.headers ?? {};
  const replaceMetadata = Object.keys(objectHeaders).length > 0 || opts.contentType !== undefined;
  const contentHeaders = (name: string): Record<string, string> => {
    const type = opts.contentType ?? (opts.guessMimeType ? guessContentType(name) : undefined);
    return type ? { ...objectHeaders, 'content-type': type } : objectHeaders;
  };
  // The local source is checked before the credentials, and all of it before any request.
  if (src.kind === 'local' && !(await stat(src.path).catch(() => undefined))) {
    throw new UsageError(`The user-provided path ${src.path} does not exist.`);
  }
  if (dst.kind === 'local' && !opts.dryrun) await checkLocalDestination(dst.path, opts.destination, Boolean(opts.recursive));
  const bucket = dst.kind === 's3' ? dst.loc.bucket : src.kind === 's3' ? src.loc.bucket : undefined;
  const { client, aws, fc, close } = await openS3Session({ ...opts.s3, bucket });
  try {
    const tuning = applyProfileTuning(opts.tuning ?? {}, aws.s3);
    const signal = opts.signal ?? new AbortController().signal;
    // Every request in flight listens on the run's abort signal; that is many listeners, not a leak.
    setMaxListeners(4 * tuning.concurrency + 16, signal);
    const emit = opts.onEvent ?? (() => undefined);
    const s: TransferSettings = {
      client,
      slots: new Semaphore(tuning.concurrency),
      threshold: tuning.threshold,
      partSize: tuning.partSize,
      checksum: tuning.checksum,
      signal,
      progress: (n) => emit({ type: 'bytes', bytes: n }),
      log: opts.log,
    };
    const p: PlanContext = { filter, contentHeaders, replaceMetadata, s, stdin: opts.stdin, stdout: opts.stdout };
    const result: CopyResult = { actions: [], failures: 0, skipped: [] };
    const done = (record: ActionRecord) => {
      result.actions.push(record);
      emit({ type: 'done', record });
    };
    const label = transferLabel(src, dst);

    if (!opts.recursive) {
      const task = await planSingle(src, dst, opts.source, opts.destination, p);
      if (!task) return result;
      if (opts.dryrun) {
        done({ ...task.record, dryrun: true });
        return result;
      }
      emit({ type: 'start', label, what: `${task.record.source} to ${task.record.destination}`, files: 1, bytes: task.record.bytes, toStdout: dst.kind === 'stream' });
      let bytes: number | undefined;
      try {
        bytes = await task.run();
      } catch (err) {
        throw s3Failure(`${task.record.action} failed: ${task.record.source} to ${task.record.destination}`, err, fc);
      }
      done({ ...task.record, bytes: bytes ?? task.record.bytes });
      return result;
    }

    const tasks = planRecursive(src, dst, {
      ...p,
      followSymlinks: opts.followSymlinks ?? false,
      skip: (path, message) => {
        result.skipped.push(path);
        emit({ type: 'warning', message });
      },
      expect: (bytes) => emit({ type: 'expect', bytes }),
    });
    const reported = new WeakSet<object>();
    emit({ type: 'start', label, what: `${opts.source} to ${opts.destination}${opts.dryrun ? ' (dry run)' : ''}`, files: 0, bytes: 0, toStdout: false });
    try {
      await forEachBounded(tasks, new Semaphore(tuning.concurrency), (task: Task) => runTask(task), signal);
    } catch (err) {
      if (reported.has(err as object) || signal.aborted) throw err;
      // The listing or the walk failed (a missing bucket, an unreadable directory, a usage problem).
      throw s3Failure(`cp failed: ${opts.source} to ${opts.destination}`, err, fc);
    }
    return result;

    async function runTask(task: Task): Promise<void> {
      if (task.refused) {
        result.failures++;
        emit({ type: 'error', error: task.refused });
        return;
      }
      if (opts.dryrun) return done({ ...task.record, dryrun: true });
      try {
        const bytes = await task.run();
        done({ ...task.record, bytes: bytes ?? task.record.bytes });
      } catch (err) {
        if (signal.aborted) throw err;
        const failure = s3Failure(`${task.record.action} failed: ${task.record.source} to ${task.record.destination}`, err, fc);
        // Bad keys, a missing bucket or no permission fail every file alike: stop at the first.
        if (failure.exitCode === ExitCode.auth || s3Code(err) === 'NoSuchBucket') {
          reported.add(failure);
          throw failure;
        }
        result.failures++;
        emit({ type: 'error', error: failure });
      }
    }
  } finally {
    await close();
  }
}

function transferLabel(src: Endpoint, dst: Endpoint): 'uploading' | 'downloading' | 'copying' {
  if (src.kind !== 's3') return 'uploading';
  return dst.kind === 's3' ? 'copying' : 'downloading';
}

/** Requests in flight at most, from `--concurrency` or the profile's `max_concurrent_requests`. */
export const MAX_CONCURRENCY = 256;

/** Values beat the profile's `s3 =` settings (aws-cli's names), which beat aws-cli's defaults. */
function applyProfileTuning(t: Partial<Tuning>, s3: Record<string, string>): Tuning {
  const fromProfile = (key: string, parse: (v: string, name: string) => number) =>
    s3[key] === undefined ? undefined : parse(s3[key]!, `${key} (profile s3 settings)`);
  return {
    threshold: t.threshold ?? fromProfile('multipart_threshold', partSize) ?? DEFAULT_THRESHOLD,
    partSize: t.partSize ?? fromProfile('multipart_chunksize', partSize) ?? DEFAULT_PART_SIZE,
    concurrency: t.concurrency ?? fromProfile('max_concurrent_requests', (v, name) => parseWholeNumber(v, name, 1, MAX_CONCURRENCY)) ?? DEFAULT_CONCURRENCY,
    checksum: t.checksum ?? 'crc32',
  };
}

/** A part size or multipart threshold (`8MB`, `16MiB`, bytes) within S3's limits; `name` is the flag or setting, for the error. */
export function partSize(value: string, name: string): number {
  const n = parseSize(value, name);
  if (n < MIN_PART_SIZE || n > MAX_PART_SIZE) throw new UsageError(`invalid ${name} "${value}": S3 parts are 5MB to 5GB`);
  return n;
}

function s3Code(err: unknown): string | undefined {
  if (err instanceof HttpError || err instanceof S3EmbeddedError) return err.code;
  return undefined;
}
