import { untilAborted } from '../../util/abortable-read.js';
import { terminalLine } from '../../util/terminal-text.js';
import type { Context } from '../context.js';
import { NeuroVaultClient } from '../../api/client.js';
import type { User } from '../../api/schemas.js';
import { configPath, readConfig, removeConfigToken, writeConfig, type TokenSource } from '../../config.js';
import { AuthError, InterruptedError, UsageError } from '../../errors.js';
import { HttpError } from '../../http/errors.js';
import type { IO } from '../../output/io.js';
import {
  describeTokenSource as describeSource,
  loginHint as baseLoginHint,
  rejectedHint as baseRejectedHint,
  tokenPage as hintTokenPage,
} from '../auth-hints.js';

export interface AuthLoginOptions {
  withToken?: boolean;
}

/** A DRF token is 40 hex characters; anything longer than this on stdin is not a token. */
const MAX_TOKEN_INPUT = 4096;

function tokenPage(ctx: Context): string {
  return hintTokenPage(ctx.globals.baseUrl);
}

export function loginHint(ctx: Context): string {
  return baseLoginHint(ctx.globals.baseUrl);
}

export function describeTokenSource(ctx: Context, source: TokenSource): string {
  return describeSource(source, { tokenFile: ctx.globals.tokenFile, configPath: configPath(ctx.env) });
}

/**
 * Fails before any request when no token is configured: writes are refused anonymously anyway, and a
 * hint on how to log in beats a bare 401.
 */
export async function requireToken(ctx: Context, action: string): Promise<void> {
  await ctx.transport();
  if (ctx.tokenSource !== 'none') return;
  throw new AuthError(`${action} needs an API token, and none is set for ${ctx.globals.baseUrl}`, {
    hint: await noTokenHint(ctx),
  });
}

async function noTokenHint(ctx: Context): Promise<string> {
  const saved = await readConfig(ctx.env).catch(() => ({}) as { token?: string; baseUrl?: string });
  if (saved.token && saved.baseUrl && saved.baseUrl !== ctx.globals.baseUrl) {
    return `the saved login is for ${saved.baseUrl}; pass --base-url ${saved.baseUrl}, or ${loginHint(ctx)}`;
  }
  return loginHint(ctx);
}

/** `auth login`: reads the token (stdin or a hidden prompt), checks it against /api/user/, then saves it. */
export async function runAuthLogin(opts: AuthLoginOptions, ctx: Context): Promise<void> {
  const { io, globals } = ctx;
  let token: string;
  if (opts.withToken) {
    token = await readTokenFromStdin(io, ctx.signal);
  } else if (io.stdinIsTTY && io.stderrIsTTY) {
    io.stderr.write(`Paste your NeuroVault API token (from ${tokenPage(ctx)}); it will not be shown.\n`);
    token = await promptHidden(io, 'Token: ');
  } else {
    throw new UsageError('no terminal to prompt for the token', {
      hint: 'pipe it in: neurovault auth login --with-token < token.txt (or set NEUROVAULT_TOKEN)',
    });
  }
  token = token.trim();
  if (token === '') throw new UsageError('the token is empty', { hint: `get your key at ${tokenPage(ctx)}` });
  if (/\s/.test(token)) {
    throw new UsageError('the token must be one word (got whitespace inside)', {
      hint: 'pass only the key itself, without "Token " in front',
    });
  }

  const user = await whoAmI(ctx, token).catch((err: unknown) => {
    if (err instanceof HttpError && (err.status === 401 || err.status === 403)) {
      throw new AuthError(`${globals.baseUrl} rejected the token (${err.detail ?? `HTTP ${err.status}`}); nothing was saved`, {
        hint: rejectedHint(ctx),
      });
    }
    throw err;
  });
  const path = await writeConfig(ctx.env, { token, baseUrl: globals.baseUrl });
  if (!globals.quiet) {
    ctx.printLine(`Logged in to ${globals.baseUrl} as ${user.username} (id ${user.id}); token saved to ${path}`);
  }
  if (ctx.env.NEUROVAULT_TOKEN?.trim()) {
    ctx.warn('NEUROVAULT_TOKEN is set and takes precedence over the saved login; unset it to use the saved one');
  }
}

/** `auth status`: who the configured token belongs to. Never prints the token. */
export async function runAuthStatus(ctx: Context): Promise<void> {
  const { globals } = ctx;
  await requireToken(ctx, 'auth status').catch(async (err: unknown) => {
    if (err instanceof AuthError) {
      throw new AuthError(`not logged in to ${globals.baseUrl}`, { hint: await noTokenHint(ctx) });
    }
    throw err;
  });
  const source = describeTokenSource(ctx, ctx.tokenSource);
  const api = await ctx.api();
  const user = await api.user(ctx.signal).catch((err: unknown) => {
    if (err instanceof HttpError && (err.status === 401 || err.status === 403)) {
      throw new AuthError(`the token from ${source} is not valid for ${globals.baseUrl} (${err.detail ?? `HTTP ${err.status}`})`, {
        hint: rejectedHint(ctx),
      });
    }
    throw err;
  });
  if (globals.outputExplicit && (globals.output === 'json' || globals.output === 'ndjson')) {
    const record = { baseUrl: globals.baseUrl, id: user.id, username: user.username, tokenSource: ctx.tokenSource };
    ctx.io.stdout.write(`${JSON.stringify(record, null, globals.output === 'json' ? 2 : undefined)}\n`);
    return;
  }
  ctx.io.stdout.write(`${terminalLine(`Logged in to ${globals.baseUrl} as ${user.username} (id ${user.id}) — token from ${source}`)}\n`);
}

/** `auth logout`: forgets the saved token. A token from the environment or a file is the user's to remove. */
export async function runAuthLogout(ctx: Context): Promise<void> {
  const path = configPath(ctx.env);
  const removed = await removeConfigToken(ctx.env);
  if (!ctx.globals.quiet) {
    ctx.io.stderr.write(removed ? `Logged out: removed the saved token from ${path}\n` : `No saved token in ${path}; nothing to do\n`);
  }
  if (ctx.env.NEUROVAULT_TOKEN?.trim()) {
    ctx.warn('NEUROVAULT_TOKEN is still set in the environment, so commands keep using that token');
  }
}

function rejectedHint(ctx: Context): string {
  return baseRejectedHint(ctx.globals.baseUrl, ctx.globals.authScheme);
}

/** GET /api/user/ with a token that is not (yet) the configured one. */
async function whoAmI(ctx: Context, token: string): Promise<User> {
  const transport = await ctx.newTransport({ baseUrl: ctx.globals.baseUrl, token });
  return new NeuroVaultClient(transport, ctx.globals.baseUrl, { warn: (m) => ctx.warn(m) }).user(ctx.signal);
}

async function readTokenFromStdin(io: IO, signal: AbortSignal): Promise<string> {
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
