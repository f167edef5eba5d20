/**
 * Start-up flags for the commands that move bodies, on Node 24.
 *
 * On Node 20 and 22, v8-tuning.ts keeps undici's WebAssembly HTTP parser on baseline code by setting
 * `--liftoff-only` at run time. Node 24 (V8 13) ignores it there, so its TurboFan re-compile of the parser
 * put S3 transfers 3–21 MiB above aws-cli's peak RSS (`bench/s3.sh`). Given at start-up, with a 1 MiB
 * young generation and Maglev off, they fall below it (24.22, `bench/s3.sh --rounds 3`, MiB: 200 MiB
 * upload 103 → 86, 200 MiB download 109 → 88, 500-file upload 90 → 72, 500-file download 96 → 74; each
 * flag's share in README "Node versions"). So a transfer command re-starts itself once, before it has loaded,
 * printed or sent anything, with the flags on the command line: `process.execve` replaces the process in
 * place, keeping its pid, stdio and environment, so signals, Ctrl-C and the exit code stay the process's
 * own. The price is one more node start-up (~40 ms) on those commands only.
 *
 * Only on the majors measured (a flag a future V8 dropped would make node refuse to start), and only
 * where `process.execve` exists (Node ≥ 22.15, not on Windows).
 */
const FLAGS = ['--liftoff-only', '--max-semi-space-size=1', '--no-maglev'];
const MEASURED_MAJORS = new Set([24]);

/** Command paths whose runs are long transfers: their memory, not their start-up, is what matters. */
const TRANSFERS = [['download'], ['s3', 'cp'], ['images', 'upload'], ['catalog', 'sync']];

/** Whether argv runs a transfer command (a help request does not); a false positive costs one start-up. */
export function isTransfer(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  const args = end < 0 ? argv : argv.slice(0, end);
  if (args.includes('--help') || args.includes('-h') || args[0] === 'help') return false;
  // Option values may sit between the words (`--profile p s3 cp`): look for the path's words in a row.
  const words = args.filter((a) => !a.startsWith('-'));
  return TRANSFERS.some((path) => words.some((_, i) => path.every((w, j) => words[i + j] === w)));
}

type Execve = (file: string, args: string[], env?: NodeJS.ProcessEnv) => never;

/**
 * Re-starts this process (its own command line) with FLAGS when the command is a transfer and this Node
 * needs them at start-up; returns, doing nothing, otherwise or when the flags are already there.
 */
export function restartWithStartupFlags(): void {
  const execve = (process as { execve?: Execve }).execve;
  if (typeof execve !== 'function') return;
  if (!MEASURED_MAJORS.has(Number(process.versions.node.split('.')[0]))) return;
  if (FLAGS.every((f) => process.execArgv.includes(f)) || !isTransfer(process.argv.slice(2))) return;
  const [, script, ...argv] = process.argv;
  if (script === undefined) return;
  // The user's own node flags come after ours, so theirs win where both set the same thing.
  execve.call(process, process.execPath, [process.execPath, ...FLAGS, ...process.execArgv, script, ...argv]);
}
