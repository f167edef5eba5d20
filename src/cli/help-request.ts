/**
 * The command path a plain help request names — `--help`, `-h`, `help`, `help a b`, `a b --help` or
 * `a b -h` — as words joined by spaces ('' for the program); undefined for anything else (other flags or
 * values in the line), which the command tree itself answers.
 */
export function helpRequestPath(argv: readonly string[]): string | undefined {
  const last = argv[argv.length - 1];
  let words: readonly string[];
  if (argv[0] === 'help') words = argv.slice(1);
  else if (last === '--help' || last === '-h') words = argv.slice(0, -1);
  else return undefined;
  return words.every((w) => /^[a-z][a-z0-9-]*$/.test(w)) ? words.join(' ') : undefined;
}
