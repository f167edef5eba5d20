import type { Context } from './context.js';
import type { S3SessionOptions } from '../s3/session.js';

/** The S3 settings of this run (globals and env) for the library, with a transport closed when the command ends. */
export function s3SessionOptions(ctx: Context, opts: { bucket?: string; connections?: number } = {}): S3SessionOptions {
  const g = ctx.globals;
  return {
    env: ctx.env,
    profile: g.profile,
    region: g.region,
    endpointUrl: g.endpointUrl,
    signRequest: g.signRequest,
    bucket: opts.bucket,
    connections: opts.connections,
    signal: ctx.signal,
    transport: (t) => ctx.newTransport(t),
  };
}
