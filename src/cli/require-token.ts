import type { Context } from './context.js';
import { readConfig } from '../config.js';
import { AuthError } from '../errors.js';
import { loginHint } from './auth-hints.js';

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

export async function noTokenHint(ctx: Context): Promise<string> {
  const saved = await readConfig(ctx.env).catch(() => ({}) as { token?: string; baseUrl?: string });
  if (saved.token && saved.baseUrl && saved.baseUrl !== ctx.globals.baseUrl) {
    return `the saved login is for ${saved.baseUrl}; pass --base-url ${saved.baseUrl}, or ${loginHint(ctx.globals.baseUrl)}`;
  }
  return loginHint(ctx.globals.baseUrl);
}
