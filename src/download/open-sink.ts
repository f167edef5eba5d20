import type { Context } from '../cli/context.js';
import { UsageError } from '../errors.js';
import { LocalSink } from './local-sink.js';
import { checkOutputFolder } from '../util/output-path.js';
import type { Sink } from './sink.js';

/**
 * The sink for `--out`: a local folder, or a sink module named after the URL scheme (`s3://` →
 * `./s3-sink.js`, see sink.ts). Called before any request, so a bad destination is a usage error (exit 2).
 */
export async function openSink(out: string, ctx: Context): Promise<Sink> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(out)?.[1]?.toLowerCase();
  if (scheme === 's3') {
    const { createSink } = await import('./s3-sink.js');
    return createSink(out, ctx);
  }
  if (scheme !== undefined) throw new UsageError(`--out ${out}: unsupported destination; use a folder or s3://bucket/prefix`);
  await checkOutputFolder(out, '--out');
  // NEUROVAULT_LOCK_WAIT_MS shortens the lock wait for tests, as NEUROVAULT_RETRY_BASE_MS does the backoff.
  const lockWaitMs = Number(ctx.env.NEUROVAULT_LOCK_WAIT_MS) || undefined;
  return new LocalSink(out, { lockWaitMs, notice: (line) => ctx.warn(line) });
}
