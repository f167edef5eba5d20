import { untilAborted } from '../util/abortable-read.js';
import { InterruptedError, UsageError } from '../errors.js';
import type { IO } from '../output/io.js';

/** A DRF token is 40 hex characters; anything longer than this on stdin is not a token. */
const MAX_TOKEN_INPUT = 4096;

/** `auth login --with-token`: the token piped in (bounded; Ctrl-C ends the wait). */
export async function readTokenFromStdin(io: IO, signal: AbortSignal): Promise<string> {
  if (io.stdinIsTTY) {
    io.stderr.write('Reading the token from standard input; end with Ctrl-D.\n');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of untilAborted(io.stdin, signal)) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > MAX_TOKEN_INPUT) {
      throw new UsageError('standard input is too long to be a token', { hint: 'pipe only the key: echo "$KEY" | neurovault auth login --with-token' });
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

interface RawInput extends NodeJS.ReadableStream {
  setRawMode?(mode: boolean): unknown;
  isRaw?: boolean;
}

/**
 * Reads one line from the terminal without echo (raw mode, so nothing reaches the screen or the
 * scrollback). In raw mode Ctrl-C arrives as a byte, not a signal, so it is turned into an interrupt here.
 */
export function promptHidden(io: IO, prompt: string): Promise<string> {
  const input = io.stdin as RawInput;
  if (typeof input.setRawMode !== 'function') {
    return Promise.reject(new UsageError('cannot turn off echo on this terminal', { hint: 'use: neurovault auth login --with-token < token.txt' }));
  }
  const wasRaw = Boolean(input.isRaw);
  // Echo goes off before the prompt appears, so nothing typed after seeing it can reach the screen.
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  io.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (err?: Error) => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.setRawMode?.(wasRaw);
      input.pause();
      io.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onEnd = () => finish();
    const onData = (data: string | Buffer) => {
      for (const ch of String(data)) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new InterruptedError('SIGINT'));
        if (ch === '\u0004') {
          if (value === '') return finish(new UsageError('no token entered'));
          return finish();
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
    input.on('end', onEnd);
  });
}
