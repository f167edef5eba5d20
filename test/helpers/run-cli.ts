import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../../bin/neurovault.cjs', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** stdout as bytes, for binary output (`view --png -`). */
  stdoutBytes: Buffer;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  timeoutMs?: number;
  cwd?: string;
  /** Leave the child's stdin open (and empty) until it ends, as a terminal or an idle pipe would. */
  keepStdinOpen?: boolean;
  /** Called once the child is running (e.g. to send it a signal). */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void;
}

/** The environment a test child gets: none of the developer's config, cache or AWS files; `undefined` removes a variable. */
export function isolatedEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    XDG_CONFIG_HOME: '/nonexistent-neurovault-test-config',
    XDG_CACHE_HOME: '/nonexistent-neurovault-test-cache',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    NEUROVAULT_RETRY_BASE_MS: '5',
    // A test on a pty must not stop in less: the pager's own tests set it.
    NEUROVAULT_PAGER: 'cat',
    ...extra,
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env as Record<string, string>;
}

/**
 * Runs the real CLI as a child process, isolated from the developer's own config and AWS files.
 * Async on purpose: in-process servers must keep serving while the child runs.
 */
export function runCli(args: string[], opts: RunOptions = {}): Promise<CliResult> {
  const env = isolatedEnv(opts.env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: env as NodeJS.ProcessEnv, cwd: opts.cwd ?? REPO_ROOT });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const bytes = Buffer.concat(out);
      resolve({ code, signal, stdout: bytes.toString('utf8'), stdoutBytes: bytes, stderr: Buffer.concat(err).toString('utf8') });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else if (!opts.keepStdinOpen) child.stdin.end();
    opts.onSpawn?.(child);
  });
}
