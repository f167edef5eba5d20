import { onTerminal } from './terminal.js';

/**
 * Runs the CLI on a real pseudo-terminal of `cols` columns (see terminal.ts): stdout and stderr are both
 * that terminal, so the CLI takes its TTY paths honestly (no test switch in the product). What comes back
 * is the screen: both streams interleaved, with `\r\n` turned into `\n`.
 */
export async function runTty(
  args: string[],
  opts: { cols: number; env?: Record<string, string | undefined>; timeoutMs?: number },
): Promise<{ code: number | null; screen: string }> {
  const run = await onTerminal(args, { cols: opts.cols, env: { TZ: 'UTC', ...opts.env }, timeoutMs: opts.timeoutMs });
  return { code: run.code, screen: run.raw.replace(/\r\n/g, '\n') };
}

/** Lines of a screen without colour codes. */
export function screenLines(screen: string): string[] {
  // eslint-disable-next-line no-control-regex
  return screen.replace(/\u001b\[[0-9;]*m/g, '').split('\n');
}
