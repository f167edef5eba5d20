import { Command, Option } from 'commander';
import type { Context } from './context.js';
import { resolveGlobals } from './globals.js';
import { terminalLine } from '../util/terminal-text.js';
import { registerCollections } from './commands/collections.js';
import { registerImages } from './commands/images.js';
import { registerDownload } from './commands/download.js';
import { registerAuth } from './commands/auth.js';
import { registerS3 } from './commands/s3.js';
import { registerCatalog } from './commands/catalog.js';
import { registerView } from './commands/view.js';
import { registerCompletion } from './commands/completion.js';

/**
 * The command tree. Definitions import nothing heavy (no undici, zod or ora): each action loads its own
 * implementation, which keeps `--help` and `--version` near bare node start-up time.
 */
export function createProgram(ctx: Context): Command {
  const program = new Command('neurovault')
    .description('NeuroVault from the command line: query by DOI, download verified maps, publish, and move data to S3.')
    .version(ctx.version, '-V, --version', 'print the version')
    .addOption(new Option('--base-url <url>', 'server root (the API is under /api/)').env('NEUROVAULT_URL'))
    .addOption(
      new Option('--auth-scheme <scheme>', 'Authorization header form: token or bearer').env('NEUROVAULT_AUTH_SCHEME'),
    )
    .addOption(new Option('--token-file <path>', 'read the API token from this file'))
    .addOption(new Option('-o, --output <format>', 'table, json, ndjson, csv or tsv (default: table on a TTY, tsv when piped)'))
    .addOption(new Option('--json', 'same as -o json'))
    .addOption(new Option('--columns <list>', 'fields shown by table/csv/tsv, comma-separated (dotted paths allowed)'))
    .addOption(new Option('--timeout <seconds>', 'per-request timeout').env('NEUROVAULT_TIMEOUT'))
    .addOption(new Option('--retries <n>', 'retries of idempotent requests (default 4)'))
    .addOption(new Option('-q, --quiet', 'no progress or summary'))
    .addOption(new Option('-v, --verbose', 'log requests (redacted) and show stack traces'))
    .addOption(new Option('--no-progress', 'no spinner or progress line'))
    .addOption(new Option('--no-color', 'no colour'))
    .addOption(new Option('--endpoint-url <url>', 'S3 endpoint (path-style addressing)'))
    .addOption(new Option('--region <region>', 'S3 region'))
    .addOption(new Option('--profile <name>', 'AWS profile from ~/.aws/credentials or ~/.aws/config'))
    .addOption(new Option('--no-sign-request', 'send S3 requests unsigned (public buckets)'))
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
      // Commander quotes the user's arguments: each line goes through the same sanitiser as every message.
      outputError: (s, write) => write(`neurovault: ${s.replace(/^error: /, '')}`.split('\n').map((l) => terminalLine(l)).join('\n')),
    })
    .addHelpText(
      'after',
      `
Examples:
  $ neurovault collections list --doi 10.1016/j.neurobiolaging.2012.11.002
  $ neurovault download 10.1016/j.neurobiolaging.2012.11.002 --out data/
  $ neurovault images list --collection 1615 --where 'map_type=T map' -o ndjson

Exit codes: 0 ok, 1 failure, 2 usage, 3 auth, 4 not found, 5 integrity, 130 interrupted.`,
    );
  program.hook('preAction', (_program, action) => {
    ctx.globals = resolveGlobals(action.optsWithGlobals(), ctx.io);
  });
  registerCollections(program, ctx);
  registerImages(program, ctx);
  registerDownload(program, ctx);
  registerAuth(program, ctx);
  registerS3(program, ctx);
  registerCatalog(program, ctx);
  registerView(program, ctx);
  registerCompletion(program, ctx);
  return program;
}
