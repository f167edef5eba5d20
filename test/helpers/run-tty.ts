import { spawn } from 'node:child_process';
import { BIN, REPO_ROOT, isolatedEnv } from './run-cli.js';

/**
 * Runs the CLI on a real pseudo-terminal of `cols` columns, through util-linux `script` (Debian's bsdutils):
 * stdout and stderr are both that terminal, so the CLI takes its TTY paths honestly (no test switch in the
 * product). What comes back is the screen: both streams interleaved, with `\r\n` turned into `\n`.
 */
export function runTty(
  args: string[],
  opts: { cols: number; env?: Record<string, string | undefined>; timeoutMs?: number },
): Promise<{ code: number | null; screen: string }> {
  const env = isolatedEnv({ TERM: 'xterm', TZ: 'UTC', ...opts.env });
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  // `stty` sizes the terminal; `exec` keeps the CLI's exit code as script's (-e).
  const inner = `stty cols ${opts.cols} rows 50; exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', inner, '/dev/null'], { env, cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => out.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen: Buffer.concat(out).toString('utf8').replace(/\r\n/g, '\n') });
    });
  });
}

/** Lines of a screen without colour codes. */
export function screenLines(screen: string): string[] {
  // eslint-disable-next-line no-control-regex
  return screen.replace(/\u001b\[[0-9;]*m/g, '').split('\n');
}
