import { Context } from './context.js';
import { OPTION_ENV, resolveGlobals, type GlobalOptions } from './globals.js';
import { refuseOfflineCommand } from './offline.js';
import { presentDoiMatches } from './doi-matches.js';
import { DEFAULT_LIST_LIMIT } from './actions/shapes.js';
import { processIO } from '../output/io.js';
import { parseDoi } from '../api/refs.js';
import { INDEX_STALE_MS, lookupDoiIndex } from '../api/doi-index.js';
import { cacheDir } from '../config.js';

/**
 * `collections list --doi <doi>` answered from a fresh DOI index without the command tree. Scripts ask
 * the same DOI again and again; through commander, the tree and their ~45 chunk files the answer cost
 * ~3x a bare `node` start, here ~1.5x (docs/benchmarks.md). Only a plain, piped form is taken: the two
 * words, `--doi`, and the global flags below; the options are resolved by the tree's own resolveGlobals
 * and printed by the same presenter. Anything else — another flag, a terminal, a table, -v, offline mode, a bad
 * value, a stale, missing or damaged index, a DOI it does not hold — is left to `main`, untouched, which
 * answers it as always (and says what was wrong). So no flag works differently here: it is not taken.
 */
export async function answerFromDoiIndex(argv: readonly string[], env: NodeJS.ProcessEnv, version: string): Promise<boolean> {
  const line = plainDoiLookup(argv, env);
  if (!line) return false;
  const io = processIO(env);
  if (io.stdoutIsTTY) return false;
  let globals: GlobalOptions;
  let doi: string;
  try {
    globals = resolveGlobals(line.raw, io, (key) => (line.fromEnv.has(key) ? 'env' : 'cli'), env);
    if (globals.offline) refuseOfflineCommand('collections list');
    doi = parseDoi(line.doi);
  } catch {
    return false;
  }
  // A table is drawn by a module this path does not load (and -v logs what the tree does).
  if (globals.verbose || globals.output === 'table') return false;
  const hit = await lookupDoiIndex(cacheDir(env), globals.baseUrl, doi, { keepDamaged: true });
  if (!hit || 'damaged' in hit || (hit.ageMs >= INDEX_STALE_MS && !globals.quiet)) return false;
  const ctx = new Context(io, env, new AbortController().signal, version);
  ctx.globals = globals;
  ctx.commandName = 'collections list';
  try {
    await presentDoiMatches(hit.matches, doi, { where: [], keep: () => true }, DEFAULT_LIST_LIMIT, ctx);
  } catch (err) {
    // Only writing can fail here (every check above is the tree's own): one line, as main would say it.
    ctx.warn((err as Error).message);
    process.exitCode = 1;
  }
  return true;
}

interface PlainLine {
  doi: string;
  /** The global options, as commander would hand them to resolveGlobals. */
  raw: Record<string, unknown>;
  /** Which of them came from the environment. */
  fromEnv: Set<string>;
}

/** The switches taken, as the option values commander gives them. */
const SWITCHES: Record<string, [key: string, value: boolean]> = {
  '-q': ['quiet', true],
  '--quiet': ['quiet', true],
  '--no-progress': ['progress', false],
  '--no-color': ['color', false],
  '--no-pager': ['pager', false],
};

/** The line, when it is `collections list --doi <doi>` with only the flags taken here; undefined otherwise. */
export function plainDoiLookup(argv: readonly string[], env: NodeJS.ProcessEnv): PlainLine | undefined {
  const raw: Record<string, unknown> = {};
  const words: string[] = [];
  let doi: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    // A value that looks like a flag is the tree's to judge.
    const value = () => (inline !== undefined ? inline : argv[i + 1]?.startsWith('-') === false ? argv[++i] : undefined);
    const once = (key: string, v: string | undefined) => {
      if (v === undefined || raw[key] !== undefined) return false;
      raw[key] = v;
      return true;
    };
    const on = (key: string, v: boolean) => {
      if (inline !== undefined) return false;
      raw[key] = v;
      return true;
    };
    let ok: boolean;
    switch (flag) {
      case '--doi':
        // An option of `list`: before the word, commander reads it as the program's (an error).
        ok = words.length === 2 && doi === undefined && (doi = value()) !== undefined;
        break;
      case '-o':
      case '--output':
        ok = (flag === '--output' || inline === undefined) && once('output', value());
        break;
      case '--base-url':
        ok = once('baseUrl', value());
        break;
      default:
        if (Object.hasOwn(SWITCHES, flag)) ok = on(...SWITCHES[flag]!);
        else {
          ok = !arg.startsWith('-') && words.length < 2;
          if (ok) words.push(arg);
        }
    }
    if (!ok) return undefined;
  }
  if (words[0] !== 'collections' || words[1] !== 'list' || doi === undefined) return undefined;
  const fromEnv = new Set<string>();
  for (const [key, name] of Object.entries(OPTION_ENV)) {
    if (raw[key] === undefined && env[name] !== undefined) {
      raw[key] = env[name];
      fromEnv.add(key);
    }
  }
  return { doi, raw, fromEnv };
}
