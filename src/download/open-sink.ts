import type { S3SessionOptions } from '../s3/session.js';
import { UsageError } from '../errors.js';
import { LocalSink, type LocalSinkOptions } from './local-sink.js';
import { checkOutputFolder } from '../util/output-path.js';
import type { Sink } from './sink.js';

/**
 * The sink for `--out`: a local folder, or a sink module named after the URL scheme (`s3://` →
 * `./s3-sink.js`, see sink.ts), with `opts.s3` for its settings. Called before any request, so a bad
 * destination is a usage error (exit 2).
 */
export async function openSink(out: string, opts: { s3?: S3SessionOptions } & LocalSinkOptions = {}): Promise<Sink> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(out)?.[1]?.toLowerCase();
  if (scheme === 's3') {
    const { createSink } = await import('./s3-sink.js');
    if (!opts.s3) throw new UsageError(`--out ${out}: writing to S3 needs S3 settings (the s3 option)`);
    return createSink(out, opts.s3);
  }
  if (scheme !== undefined) throw new UsageError(`--out ${out}: unsupported destination; use a folder or s3://bucket/prefix`);
  await checkOutputFolder(out, '--out');
  return new LocalSink(out, { lockWaitMs: opts.lockWaitMs, notice: opts.notice });
}
