import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';

const require = createRequire(import.meta.url);

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (opts: Record<string, unknown>) => S3rverInstance;

/** The credentials @20minutes/s3rver hard-codes; any other key id gets InvalidAccessKeyId. */
export const S3RVER_KEY = 'S3RVER';

export interface LocalS3 {
  endpoint: string;
  dir: string;
  close(): Promise<void>;
}

/**
 * A signature-checking S3 server in this process on 127.0.0.1:<random>. Needs
 * --openssl-legacy-provider (npm test sets it) or truncated listings fail with a 500.
 */
export async function startS3rver(buckets: string[] = []): Promise<LocalS3> {
  const dir = await mkdtemp(join(tmpdir(), 'nv-s3rver-'));
  const S3rver = require('@20minutes/s3rver') as S3rverClass;
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    dir,
    close: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const AWS_CLI = '/usr/bin/aws';

export interface AwsResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** aws-cli v2 against the local server, isolated from ~/.aws; async so the in-process server keeps serving. */
export function awsCli(endpoint: string, args: string[], input?: Buffer): Promise<AwsResult> {
  return new Promise((resolve) => {
    const child = execFile(
      AWS_CLI,
      ['--endpoint-url', endpoint, ...args],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          AWS_ACCESS_KEY_ID: S3RVER_KEY,
          AWS_SECRET_ACCESS_KEY: S3RVER_KEY,
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_PAGER: '',
        },
        maxBuffer: 256 * 1024 * 1024,
        encoding: 'buffer',
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
        resolve({ code, stdout, stderr: stderr.toString('utf8') });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

export function awsAvailable(): Promise<boolean> {
  return new Promise((resolve) => execFile(AWS_CLI, ['--version'], (err) => resolve(!err)));
}
