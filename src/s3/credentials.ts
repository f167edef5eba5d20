import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AuthError, UsageError } from '../errors.js';
import { parseIni, type IniFile } from './ini.js';
import type { Credentials } from './sigv4.js';

/** Where the keys came from, named in hints when S3 rejects them. */
export type CredentialSource =
  | { kind: 'env' }
  | { kind: 'profile'; profile: string; file: string }
  | { kind: 'none' };

export interface AwsSettings {
  credentials?: Credentials;
  source: CredentialSource;
  region: string;
  /** The profile consulted for region and s3 settings (may be absent from the files). */
  profile: string;
  /** Custom endpoint from the flag, env or profile; undefined means AWS itself. */
  endpointUrl?: string;
  /** Profile `s3 =` settings: multipart_threshold, multipart_chunksize, max_concurrent_requests, addressing_style. */
  s3: Record<string, string>;
}

export interface AwsOptions {
  profile?: string;
  region?: string;
  endpointUrl?: string;
  signRequest: boolean;
}

const NO_CREDENTIALS_HINT =
  'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, add keys to ~/.aws/credentials (or pass --profile <name>), or use --no-sign-request for a public bucket';

/**
 * aws-cli's order, as measured against a signature-checking server: `--profile` beats the env keys,
 * the env keys beat `AWS_PROFILE`, which beats `default`; within a profile the credentials file beats
 * the config file. A profile named by `--profile` or `AWS_PROFILE` must exist (exit 2, aws-cli's words).
 */
export async function resolveAwsSettings(env: NodeJS.ProcessEnv, opts: AwsOptions): Promise<AwsSettings> {
  const credFile = expandHome(env.AWS_SHARED_CREDENTIALS_FILE || join(homedir(), '.aws', 'credentials'), env);
  const configFile = expandHome(env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config'), env);
  const [creds, config] = await Promise.all([readIni(credFile), readIni(configFile)]);

  const named = opts.profile ?? (env.AWS_PROFILE || undefined);
  const profileName = named ?? 'default';
  const fromConfig = config.get(profileName === 'default' ? 'default' : `profile ${profileName}`) ?? (profileName === 'default' ? config.get('profile default') : undefined);
  const fromCreds = creds.get(profileName);
  if (named !== undefined && !fromConfig && !fromCreds) {
    throw new UsageError(`The config profile (${named}) could not be found`, {
      hint: `profiles are read from ${credFile} ([${named}]) and ${configFile} ([profile ${named}])`,
    });
  }
  // botocore merges the two files per profile, the credentials file's values last.
  const profile = new Map<string, string>([...(fromConfig ?? []), ...(fromCreds ?? [])]);

  const s3: Record<string, string> = {};
  for (const [k, v] of profile) if (k.startsWith('s3.')) s3[k.slice(3)] = v;
  const region = opts.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || profile.get('region') || 'us-east-1';
  const endpointUrl =
    opts.endpointUrl || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || profile.get('s3.endpoint_url') || profile.get('endpoint_url') || undefined;

  const base = { region, profile: profileName, endpointUrl, s3 };
  if (!opts.signRequest) return { ...base, source: { kind: 'none' } };

  const fromProfile = (): AwsSettings | undefined => {
    const id = profile.get('aws_access_key_id');
    const secret = profile.get('aws_secret_access_key');
    if (!id || !secret) return undefined;
    const file = fromCreds?.get('aws_access_key_id') ? credFile : configFile;
    const token = profile.get('aws_session_token') || profile.get('aws_security_token') || undefined;
    return { ...base, credentials: { accessKeyId: id, secretAccessKey: secret, sessionToken: token }, source: { kind: 'profile', profile: profileName, file } };
  };

  if (opts.profile === undefined) {
    const id = env.AWS_ACCESS_KEY_ID;
    const secret = env.AWS_SECRET_ACCESS_KEY;
    if (id && secret) {
      const token = env.AWS_SESSION_TOKEN || env.AWS_SECURITY_TOKEN || undefined;
      return { ...base, credentials: { accessKeyId: id, secretAccessKey: secret, sessionToken: token }, source: { kind: 'env' } };
    }
    if (id || secret) {
      throw new AuthError(`${id ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY'} is set but ${id ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'} is not`, {
        hint: 'set both, or unset both to use a profile',
      });
    }
  }
  const found = fromProfile();
  if (found) return found;
  const unsupported = ['credential_process', 'sso_session', 'sso_start_url', 'role_arn', 'web_identity_token_file'].find((k) => profile.has(k));
  if (unsupported) {
    throw new AuthError(`Unable to locate credentials: profile ${profileName} uses ${unsupported}, which neurovault does not support`, {
      hint: 'export AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (e.g. from "aws configure export-credentials --format env")',
    });
  }
  throw new AuthError('Unable to locate credentials', { hint: NO_CREDENTIALS_HINT });
}

export function describeSource(source: CredentialSource): string {
  switch (source.kind) {
    case 'env':
      return 'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY';
    case 'profile':
      return `profile ${source.profile} in ${source.file}`;
    case 'none':
      return '--no-sign-request';
  }
}

async function readIni(path: string): Promise<IniFile> {
  try {
    return parseIni(await readFile(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return new Map();
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

function expandHome(path: string, env: NodeJS.ProcessEnv): string {
  return path === '~' || path.startsWith('~/') ? join(env.HOME || homedir(), path.slice(1)) : path;
}
