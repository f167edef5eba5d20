import { printHelpFromIndex } from './cli/help-index.js';
import { helpRequestPath } from './cli/help-request.js';
import { exitQuietlyOnClosedStdout, packageVersion } from './runtime/entry.js';
import { DEFAULT_BASE_URL, parseBaseUrl } from './cli/globals.js';
import { cacheDir } from './config.js';
import { catalogPath } from './catalog/location.js';
import { createRequire } from 'node:module';

/**
 * The answers that need no command tree: `--version` (scripts and health checks ask it) and a plain help
 * request (drawn from the build's help index, src/cli/help-index.ts). bin/neurovault.cjs asks here first,
 * as CommonJS (dist/bundle/quick.cjs): on Node 20 that spares these answers the ES module loader, ~8 ms
 * of a ~40 ms start (README, "Start-up"). `catalog path` (scripts ask it to find the database) is answered
 * here too, and a repeat DOI lookup from the DOI index (src/cli/cached-doi-answer.ts, its own bundle,
 * loaded only for such a line). Anything else goes to `main`.
 */

/**
 * Prints the answer and returns true when argv asks for one of these; false, having printed nothing,
 * else (a promise of that for a DOI lookup, which reads the index).
 */
export function answerQuickly(argv: readonly string[], root: URL): boolean | Promise<boolean> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    process.stdout.write(`${packageVersion(root)}\n`);
    return true;
  }
  const catalog = catalogPathAnswer(argv, process.env);
  if (catalog !== undefined) {
    process.stdout.write(`${catalog}\n`);
    return true;
  }
  if (argv.includes('collections') && argv.some((a) => a === '--doi' || a.startsWith('--doi='))) {
    const bundle = createRequire(new URL('dist/bundle/quick.cjs', root))('./doi-answer.cjs') as typeof import('./cli/cached-doi-answer.js');
    exitQuietlyOnClosedStdout();
    return bundle.answerFromDoiIndex(argv, process.env, packageVersion(root));
  }
  const path = helpRequestPath(argv);
  if (path === undefined) return false;
  exitQuietlyOnClosedStdout();
  return printHelpFromIndex(new URL('dist/bundle/help-index.json', root), packageVersion(root), path);
}

/**
 * `catalog path` with nothing but `--base-url` (or NEUROVAULT_URL): the path the full command prints.
 * Anything else, a bad URL included, is left to `main`, which validates and reports it.
 */
function catalogPathAnswer(argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  let base = env.NEUROVAULT_URL;
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--base-url') {
      base = argv[++i];
      if (base === undefined) return undefined;
    } else if (arg.startsWith('--base-url=')) base = arg.slice('--base-url='.length);
    else words.push(arg);
  }
  if (words.length !== 2 || words[0] !== 'catalog' || words[1] !== 'path') return undefined;
  try {
    return catalogPath(cacheDir(env), parseBaseUrl(base ?? DEFAULT_BASE_URL));
  } catch {
    return undefined;
  }
}
