import { spawn } from 'node:child_process';
import { redactSecrets, redactingStream } from '../http/redact.js';

/**
 * Output taller than the terminal goes through a pager, as gh does: $NEUROVAULT_PAGER, else $PAGER, else
 * `less -FRX` (quit at once when it fits, keep colours, leave the text on the screen). Only when stdout
 * is a terminal; `--no-pager`, an empty value or `cat` turn it off.
 */
export function pagerCommand(env: NodeJS.ProcessEnv): string | undefined {
  const chosen = (env.NEUROVAULT_PAGER ?? env.PAGER ?? 'less -FRX').trim();
  return chosen === '' || chosen === 'cat' ? undefined : chosen;
}

/** Whether `text` needs more rows than the screen has (a line wider than the screen takes several). */
export function tallerThan(text: string, rows: number, columns: number): boolean {
  let used = 0;
  for (const line of text.split('\n')) {
    used += Math.max(1, Math.ceil(line.replace(/\u001b\[[0-9;]*m/g, '').length / Math.max(1, columns)));
    if (used > rows - 1) return true;
  }
  return false;
}

/**
 * Writes `text` through the pager and waits for the user to quit it; false (having written nothing) when
 * the pager cannot be started, so the caller prints the text itself. What reaches the pager passes the
 * same redaction as stdout.
 */
export function writeThroughPager(command: string, text: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  return new Promise((resolve) => {
    // The shell reads the command as the user wrote it (`less -R`, a path with arguments).
    const child = spawn(command, { shell: true, stdio: ['pipe', 'inherit', 'inherit'], env: { LESS: 'FRX', LV: '-c', ...env } });
    let started = false;
    child.once('spawn', () => {
      started = true;
      const input = redactingStream(child.stdin, redactSecrets);
      // The user may quit before reading everything: the broken pipe is the normal end.
      child.stdin.on('error', () => undefined);
      input.write(text);
      child.stdin.end();
    });
    child.once('error', () => resolve(false));
    child.once('close', (code) => resolve(started && code !== 127));
  });
}

/** The hook of format.ts: pages `text` when a pager is set up and it is taller than the screen; true when paged. */
export async function pageIfTall(io: import('./io.js').IO, text: string): Promise<boolean> {
  if (!io.pager || !io.stdoutIsTTY || !io.rows || !tallerThan(text, io.rows, io.width ?? 80)) return false;
  return writeThroughPager(io.pager, text, io.env ?? {});
}
