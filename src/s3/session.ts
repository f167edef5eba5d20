import type { Context } from '../cli/context.js';
import { UsageError } from '../errors.js';
import { rememberSecret } from '../http/redact.js';
import { S3Client } from './client.js';
import { describeSource, resolveAwsSettings, type AwsSettings } from './credentials.js';
import type { FailureContext } from './errors.js';

export interface S3Session {
  client: S3Client;
  aws: AwsSettings;
  /** What error messages and hints need to know about the run. */
  fc: FailureContext;
}

/**
 * Settings, credentials and one Transport (closed with the run) for a command that talks to S3. Its
 * errors (unknown profile → 2, no credentials → 3, a bad endpoint → 2) come before any request.
 */
export async function openS3Session(ctx: Context, opts: { bucket?: string; connections?: number } = {}): Promise<S3Session> {
  const g = ctx.globals;
  const aws = await resolveAwsSettings(ctx.env, { profile: g.profile, region: g.region, endpointUrl: g.endpointUrl, signRequest: g.signRequest });
  // Whatever a server echoes, the secret key and session token are never printed (see http/redact.ts).
  rememberSecret(aws.credentials?.secretAccessKey);
  rememberSecret(aws.credentials?.sessionToken);
  let endpoint: URL;
  if (aws.endpointUrl) {
    try {
      endpoint = new URL(aws.endpointUrl);
    } catch {
      throw new UsageError(`invalid S3 endpoint "${aws.endpointUrl}": not a URL`);
    }
    if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') throw new UsageError(`invalid S3 endpoint "${aws.endpointUrl}": use http:// or https://`);
  } else {
    endpoint = new URL(`https://s3.${aws.region}.amazonaws.com${aws.region.startsWith('cn-') ? '.cn' : ''}`);
  }
  // Any custom endpoint (s3rver, MinIO, Ceph) gets path-style URLs, as aws-cli does; AWS itself virtual-hosted.
  const pathStyle = aws.endpointUrl !== undefined ? aws.s3.addressing_style !== 'virtual' : aws.s3.addressing_style === 'path';
  // No token: the NeuroVault token never goes to S3.
  const transport = await ctx.newTransport({ baseUrl: endpoint.origin, connections: opts.connections ?? 32 });
  const client = new S3Client({ transport, endpoint, pathStyle, region: aws.region, credentials: aws.credentials, signal: ctx.signal });
  return { client, aws, fc: { credentials: describeSource(aws.source), region: aws.region, bucket: opts.bucket } };
}
