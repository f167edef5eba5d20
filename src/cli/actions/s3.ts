import { counted } from '../../output/units.js';
import type { Context } from '../context.js';
import { PartialFailureError } from '../../errors.js';
import { presenterFor } from '../present.js';
import { S3_ACTIONS, S3_BUCKETS, S3_OBJECTS } from './shapes.js';
import { S3Reporter, printBuckets, printS3Listing } from '../../output/s3-report.js';
import type { ChecksumAlgorithm } from '../../s3/checksum.js';
import { MAX_CONCURRENCY, copy, partSize, type Tuning } from '../../s3/cp.js';
import type { Filter } from '../../s3/filters.js';
import { listBuckets, listObjects } from '../../s3/list.js';
import { makeBucket } from '../../s3/make-bucket.js';
import { objectHeaders } from '../../s3/object-headers.js';
import { s3SessionOptions } from '../s3-session.js';
import { parseIntFlag, parseKeyValues } from '../parse.js';

export interface S3LsFlags {
  recursive?: boolean;
  pageSize?: string;
  humanReadable?: boolean;
  summarize?: boolean;
}

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

export async function runMb(uri: string, ctx: Context): Promise<void> {
  const present = presenterFor(ctx);
  present.checkKnown(S3_ACTIONS);
  const made = await makeBucket(s3SessionOptions(ctx), uri);
  const report = new S3Reporter(ctx, false, present, { ...S3_ACTIONS, defaults: ['action', 'bucket'] });
  report.line(`make_bucket: ${made.bucket}`);
  await report.finish([made]);
}

export async function runLs(uri: string | undefined, flags: S3LsFlags, ctx: Context): Promise<void> {
  const pageSize = flags.pageSize === undefined ? undefined : parseIntFlag(flags.pageSize, '--page-size', 1, 1000);
  const g = ctx.globals;
  const present = presenterFor(ctx);
  present.checkKnown(uri === undefined ? S3_BUCKETS : S3_OBJECTS);
  const records = uri === undefined ? undefined : await listObjects(s3SessionOptions(ctx), uri, { recursive: flags.recursive, pageSize });
  if (!records) {
    const buckets = await listBuckets(s3SessionOptions(ctx));
    if (!g.outputExplicit) return printBuckets(buckets, ctx);
    await present.list(buckets.map((b) => ({ name: b.name, creation_date: b.creationDate })), S3_BUCKETS, { limit: Infinity });
    return;
  }
  if (g.outputExplicit) await present.list(records, S3_OBJECTS, { limit: Infinity });
  else await printS3Listing(records, flags, ctx);
}

export async function runCp(srcArg: string, dstArg: string, flags: S3CpFlags, ctx: Context): Promise<void> {
  const headers = objectHeaders({ ...flags, metadata: parseKeyValues((flags.metadata ?? []).flatMap((m) => m.split(',')), '--metadata') });
  const tuning: Partial<Tuning> = {
    threshold: flags.multipartThreshold === undefined ? undefined : partSize(flags.multipartThreshold, '--multipart-threshold'),
    partSize: flags.partSize === undefined ? undefined : partSize(flags.partSize, '--part-size'),
    concurrency: parseIntFlag(flags.concurrency, '--concurrency', 1, MAX_CONCURRENCY),
    checksum: flags.checksum as ChecksumAlgorithm | undefined,
  };
  const present = presenterFor(ctx);
  present.checkKnown(S3_ACTIONS);
  const report = new S3Reporter(ctx, Boolean(flags.onlyShowErrors), present, S3_ACTIONS);
  let result;
  try {
    result = await copy({
      s3: s3SessionOptions(ctx),
      source: srcArg,
      destination: dstArg,
      recursive: flags.recursive,
      dryrun: flags.dryrun,
      filters: flags.filters,
      headers,
      contentType: flags.contentType,
      guessMimeType: flags.guessMimeType,
      tuning,
      followSymlinks: flags.followSymlinks,
      stdin: () => ctx.io.stdin as AsyncIterable<Uint8Array>,
      stdout: ctx.io.stdout,
      signal: ctx.signal,
      log: ctx.log,
      onEvent: (e) => report.event(e),
    });
  } catch (err) {
    report.stop();
    // A recursive run still lists what it did before it stopped.
    if (flags.recursive && report.started) await report.finish(report.actions).catch(() => undefined);
    throw err;
  }
  report.stop();
  // One transfer is listed when it happened (not filtered out), and not over an object streamed to stdout.
  if (flags.recursive || (dstArg !== '-' && result.actions.length > 0)) await report.finish(report.actions);
  if (result.failures > 0 || result.skipped.length > 0) {
    const parts = [result.failures > 0 ? `${counted(result.failures, 'transfer')} failed` : '', result.skipped.length > 0 ? `${counted(result.skipped.length, 'file')} skipped` : ''];
    throw new PartialFailureError(`cp: ${parts.filter(Boolean).join(', ')}`);
  }
}
