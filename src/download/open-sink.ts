import { stat } from 'node:fs/promises';
import type { Context } from '../cli/context.js';
import { UsageError } from '../errors.js';
import { LocalSink } from './local-sink.js';
import type { Sink } from './sink.js';

interface SinkModule {
  createSink(out: string, ctx: Context): Promise<Sink>;
}

/**
 * The sink for `--out`: a local folder, or a sink module named after the URL scheme (`s3://` →
 * `./s3-sink.js`, see sink.ts). Called before any request, so a bad destination is a usage error (exit 2).
 */
export async function openSink(out: string, ctx: Context): Promise<Sink> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(out)?.[1]?.toLowerCase();
  if (scheme === 's3') {
    const mod = await loadSinkModule('./s3-sink.js');
    if (!mod) {
      throw new UsageError(`--out ${out}: writing to S3 is not available yet`, {
        hint: 'download to a folder, then "neurovault s3 cp --recursive"',
      });
    }
    return mod.createSink(out, ctx);
  }
  if (scheme !== undefined) throw new UsageError(`--out ${out}: unsupported destination; use a folder or s3://bucket/prefix`);
  try {
    const st = await stat(out);
    if (!st.isDirectory()) throw new UsageError(`--out ${out} is not a folder`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return new LocalSink(out);
}

async function loadSinkModule(specifier: string): Promise<SinkModule | undefined> {
  try {
    // A variable specifier: the module is optional and may not exist in this build.
    return (await import(specifier)) as SinkModule;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_MODULE_NOT_FOUND' && e.message.includes(specifier.slice(2))) return undefined;
    throw err;
  }
}
