import { printHelpFromIndex } from './cli/help-index.js';
import { helpRequestPath } from './cli/help-request.js';
import { exitQuietlyOnClosedStdout, packageVersion } from './runtime/entry.js';

/**
 * The answers that need no command tree: `--version` (scripts and health checks ask it) and a plain help
 * request (drawn from the build's help index, src/cli/help-index.ts). bin/neurovault.cjs asks here first,
 * as CommonJS (dist/bundle/quick.cjs): on Node 20 that spares these answers the ES module loader, ~8 ms
 * of a ~40 ms start (README, "Start-up"). Anything else goes to `main`.
 */

/** Prints the answer and returns true when argv asks for one of these; false, having printed nothing, else. */
export function answerQuickly(argv: readonly string[], root: URL): boolean {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    process.stdout.write(`${packageVersion(root)}\n`);
    return true;
  }
  const path = helpRequestPath(argv);
  if (path === undefined) return false;
  exitQuietlyOnClosedStdout();
  return printHelpFromIndex(new URL('dist/bundle/help-index.json', root), packageVersion(root), path);
}
