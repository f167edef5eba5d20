import { UsageError } from '../errors.js';
import { rememberSecret } from '../http/redact.js';
import type { Transport } from '../http/transport.js';
import { S3Client } from './client.js';
import { describeSource, resolveAwsSettings, type AwsOptions, type AwsSettings } from './credentials.js';
import type { FailureContext } from './errors.js';

export interface S3Session {
  client: S3Client;
  aws: AwsSettings;
  /** What error messages and hints need to know about the run. */
  fc: FailureContext;
  /** Closes the transport when the session made it (not one from `opts.transport`). */
  close(): Promise<void>;
}

export interface S3SessionOptions extends Partial<AwsOptions> {
  /** Where AWS_* settings and the config/credentials file paths are read from; the library never reads process.env itself. */
  env: NodeJS.ProcessEnv;
  /** The bucket the run is about (named in error hints). */
  bucket?: string;
  connections?: number;
  signal?: AbortSignal;
  /** Builds the transport to the endpoint (the CLI's carries its timeouts, retries and -v log); default: a plain one. */
  transport?: (opts: { baseUrl: string; connections: number }) => Transport | Promise<Transport>;
  userAgent?: string;
}

/**
 * Settings, credentials and one Transport for a run that talks to S3. Its errors (unknown profile → 2,
 * no credentials → 3, a bad endpoint → 2) come before any request.
 */
export async function openS3Session(opts: S3SessionOptions): Promise<S3Session> {
  const aws = await resolveAwsSettings(opts.env, { profile: opts.profile, region: opts.region, endpointUrl: opts.endpointUrl, signRequest: opts.signRequest ?? true });
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
  const connections = opts.connections ?? 32;
  // No token: the NeuroVault token never goes to S3.
  let transport: Transport;
  let owned = false;
  if (opts.transport) transport = await opts.transport({ baseUrl: endpoint.origin, connections });
  else {
    const { Transport } = await import('../http/transport.js');
    transport = new Transport({ baseUrl: endpoint.origin, connections, userAgent: opts.userAgent ?? 'neurovault-cli' });
    owned = true;
  }
  const client = new S3Client({ transport, endpoint, pathStyle, region: aws.region, credentials: aws.credentials, signal: opts.signal });
  return {
    client,
    aws,
    fc: { credentials: describeSource(aws.source), region: aws.region, bucket: opts.bucket },
    close: async () => {
      if (owned) await transport.close();
    },
  };
}
