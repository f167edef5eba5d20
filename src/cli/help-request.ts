/**
 * The command path a plain help request names — `--help`, `-h`, `help`, `help a b`, `a b --help` or
 * `a b -h`, or nothing at all — as words joined by spaces ('' for the program); undefined for anything else (other flags or
 * values in the line), which the command tree itself answers.
 */
export function helpRequestPath(argv: readonly string[]): string | undefined {
  const last = argv[argv.length - 1];
  let words: readonly string[];
  // Bare `neurovault` is a request for help (gh: stdout, exit 0), not a usage error.
  if (argv.length === 0) return '';
  if (argv[0] === 'help') words = argv.slice(1);
  else if (last === '--help' || last === '-h') words = argv.slice(0, -1);
  else return undefined;
  return words.every((w) => /^[a-z][a-z0-9-]*$/.test(w)) ? words.join(' ') : undefined;
}
