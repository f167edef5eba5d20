import { CommanderError } from 'commander';
import { CliError, ExitCode } from '../errors.js';
import { HttpError } from '../http/errors.js';
import type { Context } from './context.js';
import { BEARER_HINT, describeTokenSource, forbiddenHint, loginHint, rejectedHint } from './auth-hints.js';
import { DEFAULT_BASE_URL } from './globals.js';
import { configPath } from '../config.js';
import { describeFsError } from '../util/fs-error.js';

const MAX_MESSAGE_LINES = 25;

/** Prints one line (plus a hint) for any failure and returns the SPEC's exit code. */
export function reportError(thrown: unknown, ctx: Context, signal?: 'SIGINT' | 'SIGTERM'): number {
  const write = (line: string) => ctx.printLine(line);
  // An fs error that no layer put in words (a path that vanished or filled up mid-run) still gets them.
  const err = describeFsError(thrown);
  if (err instanceof CommanderError) {
    // Commander already printed its message (or the help a bare group shows): a usage error either way.
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (signal && isAbort(err)) {
    return signal === 'SIGINT' ? ExitCode.interrupted : ExitCode.terminated;
  }
  const verbose = ctx.io && safeVerbose(ctx);
  if (err instanceof CliError) {
    // A message has several lines only where our code built them (a 400's `field: message` list); server
    // text inside was folded where it was quoted, and each line is sanitised again here.
    for (const line of `neurovault: ${err.message}`.split('\n').slice(0, MAX_MESSAGE_LINES)) write(line);
    const hint = err.hint ?? (err instanceof HttpError ? httpHint(err, ctx) : undefined);
    if (hint) write(`hint: ${hint}`);
    // What the message stands for (the request behind `collection 5 not found`, Node's own fs error).
    if (verbose && err.cause instanceof Error) write(`neurovault: cause: ${err.cause.message}`);
    if (verbose) writeFrames(err, write);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  write(`neurovault: internal error: ${message}`);
  if (verbose && err instanceof Error) writeFrames(err, write);
  else write('hint: run again with --verbose for details');
  return ExitCode.failure;
}

/** The stack's frames, one line each; its first line is the message, already printed (and maybe server text). */
function writeFrames(err: Error, write: (line: string) => void): void {
  for (const line of (err.stack ?? '').split('\n')) if (/^\s+at /.test(line)) write(line);
}

function httpHint(err: HttpError, ctx: Context): string | undefined {
  const g = safeGlobals(ctx);
  const baseUrl = g?.baseUrl ?? DEFAULT_BASE_URL;
  if (err.status === 401) {
    const challenge = String(err.headers['www-authenticate'] ?? '');
    if (g?.authScheme === 'bearer' && /^token/i.test(challenge)) return BEARER_HINT;
    if (ctx.tokenSource === 'none') return loginHint(baseUrl);
    const source = describeTokenSource(ctx.tokenSource, { tokenFile: g?.tokenFile, configPath: configPath(ctx.env) });
    return `the token from ${source} was rejected: ${rejectedHint(baseUrl, g?.authScheme ?? 'token')}`;
  }
  if (err.status === 403) return forbiddenHint(err.method, err.url);
  return undefined;
}

function isAbort(err: unknown): boolean {
  return (
    err instanceof Error && (err.name === 'AbortError' || err.name === 'InterruptedError' || (err as { code?: string }).code === 'ABORT_ERR')
  );
}

function safeGlobals(ctx: Context) {
  try {
    return ctx.globals;
  } catch {
    return undefined;
  }
}

function safeVerbose(ctx: Context): boolean {
  return safeGlobals(ctx)?.verbose ?? process.argv.some((a) => a === '-v' || a === '--verbose');
}
