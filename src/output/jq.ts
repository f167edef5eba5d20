import { Writable } from 'node:stream';
import { CliError, UsageError } from '../errors.js';

/**
 * `--jq <expr>`: the JSON a command prints goes through jq itself — jq's C code compiled to WebAssembly
 * (the `jq-web` package), loaded only when the flag is used — as `jq -r <expr>` would (strings raw,
 * everything else as jq prints it). A second jq written here would differ from jq at the edges.
 */
export class JqFilter {
  private readonly chunks: Buffer[] = [];

  private constructor(
    private readonly jq: import('jq-web').Jq,
    readonly expression: string,
  ) {}

  /**
   * Loads jq and compiles the expression without running it, so a typo is exit 2 before any request: as a
   * function body first (syntax errors read as they do in jq), then behind `empty` (unknown names).
   */
  static async open(expression: string): Promise<JqFilter> {
    const jq = await (await import('jq-web')).default;
    const filter = new JqFilter(jq, expression);
    try {
      jq.raw('null', `def neurovault_check: ${expression}\n; empty`, ['-n']);
      jq.raw('null', `empty | (${expression}\n)`, ['-n']);
    } catch (err) {
      throw new UsageError(`invalid --jq expression: ${jqMessage(ownSyntaxError(jq, expression, err))}`);
    }
    return filter;
  }

  /** Where the command writes its JSON instead of stdout; it never pushes back. */
  readonly sink = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      this.chunks.push(chunk);
      done();
    },
  });

  /** jq's output for everything written to `sink`, ending in a newline (empty when jq printed nothing). */
  run(): string {
    const input = Buffer.concat(this.chunks).toString('utf8');
    if (input.trim() === '') return '';
    try {
      const out = this.jq.raw(input, this.expression, ['-r']);
      return out === '' ? '' : `${out}\n`;
    } catch (err) {
      throw new CliError(`--jq: ${jqMessage(err)}`);
    }
  }
}

/**
 * A syntax error reported through the wrappers above names their tokens (`unexpected ';'` for `.[`): the
 * expression compiled alone gives jq's own words. Only a syntax error is compiled alone, and jq runs
 * nothing that does not compile, so the expression is never run here.
 */
function ownSyntaxError(jq: import('jq-web').Jq, expression: string, wrapped: unknown): unknown {
  if (!/syntax error/.test(jqMessage(wrapped))) return wrapped;
  try {
    jq.raw('null', expression, ['-n']);
  } catch (err) {
    if (/compile error/.test(err instanceof Error ? err.message : String(err))) return err;
  }
  return wrapped;
}

// jq-web's error is "Non-zero exit code: N" followed by jq's stderr; jq's own line is what helps.
function jqMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.split('\n').find((l) => l.startsWith('jq: error'));
  return (line ?? text.split('\n')[0] ?? text)
    .replace(/^jq: error( \(at [^)]*\))?: /, '')
    .replace(/ at <top-level>, line \d+:$/, '')
    .replace(/unexpected \$end/, 'unexpected end of expression');
}
