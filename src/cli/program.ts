import { type Command, Option } from 'commander';
import type { Context } from './context.js';
import { OPTION_ENV, prepareArgv, resolveGlobals } from './globals.js';
import { checkGlobalsApply, commandPath } from './global-use.js';
import { refuseOfflineCommand } from './offline.js';
import { configureHelpLayout, helpAwareCommand, unknownCommandOverHelp } from './help.js';
import { terminalLine } from '../util/terminal-text.js';
import { registerCollections } from './commands/collections.js';
import { registerImages } from './commands/images.js';
import { registerDownload } from './commands/download.js';
import { registerAuth } from './commands/auth.js';
import { registerS3 } from './commands/s3.js';
import { registerCatalog } from './commands/catalog.js';
import { registerView } from './commands/view.js';
import { registerCompletion } from './commands/completion.js';

const OUTPUT = 'Output options:';
const CONNECTION = 'Connection options:';
const S3 = 'S3 options:';

/**
 * The command tree. Definitions import nothing heavy (no undici, zod or ora): each action loads its own
 * implementation, which keeps `--help` and `--version` near bare node start-up time.
 */
export function createProgram(ctx: Context): Command {
  const width = () => ctx.io.width ?? 80;
  const group = (option: Option, heading: string) => option.helpGroup(heading);
  const NvCommand = helpAwareCommand(width);
  const program = new NvCommand('neurovault')
    .description('NeuroVault from the command line: query by DOI, download verified maps, publish, and move data to S3.')
    .version(ctx.version, '-V, --version', 'print the version')
    .addOption(group(new Option('-o, --output <format>', 'table, json, ndjson, csv or tsv (default: table on a terminal, tsv when piped)'), OUTPUT))
    .addOption(group(new Option('--json [fields]', 'same as -o json; with fields (id,name) only those, as gh does'), OUTPUT))
    .addOption(group(new Option('--columns <list>', 'fields shown by table/csv/tsv, comma-separated (dotted paths allowed)'), OUTPUT))
    .addOption(group(new Option('--jq <expression>', 'filter the JSON output with jq (strings printed raw, as jq -r)'), OUTPUT))
    .addOption(group(new Option('--fields', 'list the field names the objects have, for --columns, --json and --where'), OUTPUT))
    .addOption(group(new Option('-q, --quiet', 'no progress, notices or summary'), OUTPUT))
    .addOption(group(new Option('-v, --verbose', 'log requests (redacted) and show stack traces'), OUTPUT))
    .addOption(group(new Option('--no-progress', 'no spinner or progress line'), OUTPUT))
    .addOption(group(new Option('--no-color', 'no colour'), OUTPUT))
    .addOption(group(new Option('--no-pager', 'never page long output on a terminal (default: $NEUROVAULT_PAGER, $PAGER or less -FRX)'), OUTPUT))
    .addOption(group(new Option('--base-url <url>', 'server root (the API is under /api/)').env(OPTION_ENV.baseUrl), CONNECTION))
    .addOption(group(new Option('--token-file <path>', 'read the API token from this file'), CONNECTION))
    .addOption(
      group(new Option('--auth-scheme <scheme>', 'Authorization header form: token or bearer').env(OPTION_ENV.authScheme), CONNECTION),
    )
    .addOption(group(new Option('--timeout <seconds>', 'per-request timeout').env(OPTION_ENV.timeout), CONNECTION))
    .addOption(group(new Option('--retries <n>', 'retries of idempotent requests (default 4)'), CONNECTION))
    .addOption(group(new Option('--offline', 'open no connection at all (also NEUROVAULT_OFFLINE=1); what needs one exits 6'), CONNECTION))
    .addOption(group(new Option('--endpoint-url <url>', 'S3 endpoint (path-style addressing)'), S3))
    .addOption(group(new Option('--region <region>', 'S3 region'), S3))
    .addOption(group(new Option('--profile <name>', 'AWS profile from ~/.aws/credentials or ~/.aws/config'), S3))
    .addOption(group(new Option('--no-sign-request', 'send S3 requests unsigned (public buckets)'), S3))
    .showSuggestionAfterError(false) // parse-errors.ts words its own suggestions
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
  $ neurovault images list --collection 1615 --all --jq '.[].file'

Help for a command: neurovault help collections list (or neurovault collections list --help).

Exit codes: 0 ok, 1 failure, 2 usage, 3 auth, 4 not found, 5 integrity, 6 offline, 130 interrupted.`,
    );
  configureHelpLayout(program, width);
  let afterAction: (() => Promise<void>) | undefined;
  program.hook('preAction', async (_program, action) => {
    checkGlobalsApply(program, action);
    ctx.globals = resolveGlobals(action.optsWithGlobals(), ctx.io, (key) => action.getOptionValueSourceWithGlobals(key), ctx.env);
    ctx.commandName = commandPath(action);
    if (ctx.globals.offline) refuseOfflineCommand(ctx.commandName);
    if (ctx.globals.jq !== undefined) afterAction = await filterThroughJq(ctx, ctx.globals.jq);
  });
  registerCollections(program, ctx);
  registerImages(program, ctx);
  registerDownload(program, ctx);
  registerAuth(program, ctx);
  registerS3(program, ctx);
  registerCatalog(program, ctx);
  registerView(program, ctx);
  registerCompletion(program, ctx);
  program.hook('postAction', async () => afterAction?.());
  // `--json [fields]`, `help a b` and help for a mistyped command need a look at the words first.
  const parseAsync = program.parseAsync.bind(program);
  // Bare `neurovault` prints the help on stdout and exits 0, as gh does, when the help index did not answer.
  program.parseAsync = (argv, options) =>
    parseAsync(argv?.length === 0 ? ['--help'] : prepareArgv(unknownCommandOverHelp(program, argv ?? []), commandNames(program)), options);
  return program;
}

/** The command writes its JSON into jq's input; jq's output goes to stdout once the command is done. */
async function filterThroughJq(ctx: Context, expression: string): Promise<() => Promise<void>> {
  const { JqFilter } = await import('../output/jq.js');
  const filter = await JqFilter.open(expression);
  const stdout = ctx.io.stdout;
  const tty = ctx.io.stdoutIsTTY;
  ctx.io.stdout = filter.sink;
  // jq reads plain JSON, whatever stdout is.
  ctx.io.stdoutIsTTY = false;
  return async () => {
    ctx.io.stdout = stdout;
    ctx.io.stdoutIsTTY = tty;
    const { Output } = await import('../output/format.js');
    const out = new Output(stdout);
    if (await out.write(filter.run())) await out.flush();
  };
}


function commandNames(program: Command): Set<string> {
  const names = new Set<string>();
  const walk = (cmd: Command) => {
    for (const sub of cmd.commands) {
      names.add(sub.name());
      for (const alias of sub.aliases()) names.add(alias);
      walk(sub);
    }
  };
  walk(program);
  return names;
}
