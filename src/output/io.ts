import { redactSecrets, redactText, redactingStream } from '../http/redact.js';
import { terminalWidth } from './text.js';
import { pagerCommand } from './pager.js';

/** The streams a command may touch, with their TTY state; tests pass buffers instead of the real ones. */
export interface IO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  stdinIsTTY: boolean;
  /** Colour allowed: a TTY, no NO_COLOR, no --no-color, TERM not dumb. */
  color: boolean;
  /** TERM=dumb: a terminal that cannot move the cursor or erase a line, so no live spinner or bar. */
  dumb?: boolean;
  /** The pager for output taller than the terminal (pager.ts): only when stdout is one; unset by --no-pager. */
  pager?: string;
  /** The terminal's height, when stdout is one. */
  rows?: number;
  /** The environment a pager is started with. */
  env?: NodeJS.ProcessEnv;
  /** Columns a table may use: the terminal's width, else $COLUMNS, else 80 (absent: 80). */
  width?: number;
}

export function processIO(env: NodeJS.ProcessEnv): IO {
  const stderrIsTTY = Boolean(process.stderr.isTTY);
  return {
    // Every byte the tool prints passes the redaction funnel, whoever wrote it (see http/redact.ts).
    stdout: redactingStream(process.stdout, redactSecrets),
    stderr: redactingStream(process.stderr, redactText),
    // process.stdin builds a stream (a socket on a pipe, which keeps the loop busy) on first touch: only
    // the commands that read it (auth login, s3 cp -) pay for that.
    get stdin() {
      return process.stdin;
    },
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY,
    get stdinIsTTY() {
      return Boolean(process.stdin.isTTY);
    },
    color: stderrIsTTY && env.NO_COLOR === undefined && env.TERM !== 'dumb',
    dumb: env.TERM === 'dumb',
    pager: process.stdout.isTTY && env.TERM !== 'dumb' ? pagerCommand(env) : undefined,
    rows: process.stdout.isTTY ? process.stdout.rows : undefined,
    env,
    width: terminalWidth(process.stdout.columns, env),
  };
}
