import { terminalLine } from '../../util/terminal-text.js';
import type { Context } from '../context.js';
import { NeuroVaultClient } from '../../api/client.js';
import type { User } from '../../api/schemas.js';
import { configPath, removeConfigToken, writeConfig, type TokenSource } from '../../config.js';
import { AuthError, UsageError } from '../../errors.js';
import { HttpError } from '../../http/errors.js';
import { promptHidden, readTokenFromStdin } from '../token-input.js';
import { noTokenHint, requireToken } from '../require-token.js';
import { presenterFor } from '../present.js';
import { LOGGED_IN } from './shapes.js';
import {
  describeTokenSource as describeSource,
  loginHint as baseLoginHint,
  rejectedHint as baseRejectedHint,
  tokenPage as hintTokenPage,
} from '../auth-hints.js';

export interface AuthLoginOptions {
  withToken?: boolean;
}

function tokenPage(ctx: Context): string {
  return hintTokenPage(ctx.globals.baseUrl);
}

export function loginHint(ctx: Context): string {
  return baseLoginHint(ctx.globals.baseUrl);
}

export function describeTokenSource(ctx: Context, source: TokenSource): string {
  return describeSource(source, { tokenFile: ctx.globals.tokenFile, configPath: configPath(ctx.env) });
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
  const present = presenterFor(ctx);
  present.checkKnown(LOGGED_IN);
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
  if (globals.outputExplicit) {
    return present.result({ baseUrl: globals.baseUrl, id: user.id, username: user.username, tokenSource: ctx.tokenSource }, LOGGED_IN);
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
