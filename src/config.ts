import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { makeDirs } from './util/make-dirs.js';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { UsageError } from './errors.js';

export interface StoredConfig {
  token?: string;
  /** Which server the token belongs to, so a token for one base URL is never sent to another. */
  baseUrl?: string;
}

export type TokenSource = 'env' | 'token-file' | 'config' | 'none';

export function configDir(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'neurovault-cli');
}

export function configPath(env: NodeJS.ProcessEnv): string {
  return join(configDir(env), 'config.json');
}

export function cacheDir(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'neurovault-cli');
}

export async function readConfig(env: NodeJS.ProcessEnv): Promise<StoredConfig> {
  try {
    const parsed: unknown = JSON.parse(await readFile(configPath(env), 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as StoredConfig) : {};
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UsageError(`cannot read ${configPath(env)}: ${(err as Error).message}`, {
      hint: 'fix or delete the file, or run: neurovault auth login',
    });
  }
}

/** Written 0600 in a 0700 directory, via a temp file so a crash never leaves half a config. */
export async function writeConfig(env: NodeJS.ProcessEnv, config: StoredConfig): Promise<string> {
  const path = configPath(env);
  await makeDirs(dirname(path), 0o700);
  await chmod(dirname(path), 0o700);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
  return path;
}

export async function removeConfigToken(env: NodeJS.ProcessEnv): Promise<boolean> {
  const config = await readConfig(env);
  if (config.token === undefined) return false;
  // baseUrl only says which server the token belongs to, so it goes with it.
  const { token: _dropped, baseUrl: _server, ...rest } = config;
  if (Object.keys(rest).length === 0) await rm(configPath(env), { force: true });
  else await writeConfig(env, rest);
  return true;
}

/** NEUROVAULT_TOKEN > --token-file > the config written by `auth login`; never a flag value. */
export async function resolveToken(
  env: NodeJS.ProcessEnv,
  tokenFile: string | undefined,
  baseUrl: string,
): Promise<{ token?: string; source: TokenSource }> {
  const fromEnv = env.NEUROVAULT_TOKEN?.trim();
  if (fromEnv) return { token: fromEnv, source: 'env' };
  if (tokenFile) {
    let text: string;
    try {
      text = await readFile(tokenFile, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --token-file ${tokenFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const token = text.trim();
    if (!token) throw new UsageError(`--token-file ${tokenFile} is empty`);
    return { token, source: 'token-file' };
  }
  const config = await readConfig(env);
  if (config.token && (!config.baseUrl || sameOrigin(config.baseUrl, baseUrl))) {
    return { token: config.token, source: 'config' };
  }
  return { source: 'none' };
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
