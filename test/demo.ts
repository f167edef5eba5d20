/**
 * `npm run demo`: the main job (a DOI query) run offline against the bundled NeuroVault stand-in,
 * exactly as a user would type it, with the stand-in's URL as --base-url.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStandin } from './standin/server.js';
import { BIN } from './helpers/run-cli.js';

const DOI = '10.1016/j.neurobiolaging.2012.11.002';

const standin = await startStandin({ collections: 2500, doiFilter: 'ignored' });
const cache = await mkdtemp(join(tmpdir(), 'neurovault-demo-'));
const args = ['collections', 'list', '--doi', DOI, ...process.argv.slice(2)];
process.stderr.write(`$ neurovault ${args.join(' ')}    # against the stand-in at ${standin.url}\n`);
const code = await new Promise<number>((resolve) => {
  const child = spawn(process.execPath, [BIN, '--base-url', standin.url, ...args], {
    stdio: 'inherit',
    env: { ...process.env, XDG_CACHE_HOME: cache },
  });
  child.on('close', (c) => resolve(c ?? 1));
});
await standin.close();
await rm(cache, { recursive: true, force: true });
// The demo's stand-in is gone with it: say how to keep one running for the README's other examples.
process.stderr.write(
  '\nnext: npm run standin &   then   export NEUROVAULT_URL=http://127.0.0.1:8765   and try the README\'s examples\n',
);
process.exitCode = code;
