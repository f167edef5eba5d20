import type { Command } from 'commander';
import type { Context } from '../context.js';
import type { AuthLoginOptions } from '../actions/auth.js';

/** `auth login|status|logout`; no option ever takes the token itself (it would land in `ps` and shell history). */
export function registerAuth(program: Command, ctx: Context): void {
  const auth = program
    .command('auth')
    .description('save, check or forget your NeuroVault API token')
    .addHelpText(
      'after',
      `
The token is looked up in this order: NEUROVAULT_TOKEN, --token-file <path>, then the one saved by
"auth login" ($XDG_CONFIG_HOME/neurovault-cli/config.json, mode 0600). Get your key at
https://neurovault.org/accounts/token/. It is sent as "Authorization: Token <key>", and only to
the --base-url origin; --auth-scheme bearer switches to "Bearer <key>", which neurovault.org has
ignored since 2023.

Examples:
  $ neurovault auth login --with-token < ~/.neurovault-token
  $ neurovault auth status
  $ neurovault auth logout`,
    );

  auth
    .command('login')
    .description('check a token against /api/user/ and save it for --base-url')
    .option('--with-token', 'read the token from standard input (otherwise prompt on a terminal, without echo)')
    .addHelpText(
      'after',
      `
Nothing is saved when the server rejects the token (exit 3).

Examples:
  $ neurovault auth login
  $ echo "$NV_KEY" | neurovault auth login --with-token
  $ neurovault --base-url http://localhost:8000 auth login --with-token < token.txt`,
    )
    .action(async (opts: AuthLoginOptions) => {
      const { runAuthLogin } = await import('../actions/auth.js');
      await runAuthLogin(opts, ctx);
    });

  auth
    .command('status')
    .description('show who the current token belongs to (exit 3 with a hint when there is none or it is invalid)')
    .addHelpText(
      'after',
      `
Examples:
  $ neurovault auth status
  $ NEUROVAULT_TOKEN=... neurovault auth status -o json`,
    )
    .action(async () => {
      const { runAuthStatus } = await import('../actions/auth.js');
      await runAuthStatus(ctx);
    });

  auth
    .command('logout')
    .description('remove the token saved by "auth login"')
    .addHelpText(
      'after',
      `
A token from NEUROVAULT_TOKEN or --token-file is not touched.

Examples:
  $ neurovault auth logout`,
    )
    .action(async () => {
      const { runAuthLogout } = await import('../actions/auth.js');
      await runAuthLogout(ctx);
    });
}
