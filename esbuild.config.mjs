// Bundles the CLI for start-up speed: Node 20 loads ~150 ES modules (zod alone is ~40 files, 50 ms)
// one by one; as a few chunks the same code starts ~50–100 ms sooner. Commands stay lazily loaded: each
// dynamic import() becomes its own chunk. Runs after `tsc` (which type-checks and emits dist/ for the
// tests); bin/neurovault.cjs loads dist/bundle/quick.cjs, then (for anything but --version and plain help)
// dist/bundle/main.js.
//   node esbuild.config.mjs                  the CLI, into dist/bundle/
//   node esbuild.config.mjs <entry> <out>    one more program bundled the same way (bench/download.sh)
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

// commander require()s node:child_process at load time, which pulls in net, dgram and their bindings
// (~3 ms of every start), yet spawns only for stand-alone executable subcommands, which we do not have.
// Its copy gets a stand-in that loads the module on the first spawn.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy' } : undefined,
    );
    b.onLoad({ filter: /^child_process$/, namespace: 'lazy' }, () => ({
      contents: "exports.spawn = (...args) => require('node:child_process').spawn(...args);",
      loader: 'js',
    }));
  },
};

// undici's HTTP/2 client require()s node:http2 at load time for ten header-name constants, and http2 pulls
// in tls: ~11 ms of every networked command's start (Node 20), for a protocol we never ask for (no
// allowH2). Its copy gets the constants (taken from this Node's http2 at build time: protocol names and
// codes, the same in every Node) and loads the real module on the first use of anything else.
const lazyHttp2 = {
  name: 'lazy-http2',
  setup(b) {
    b.onResolve({ filter: /^node:http2$/ }, (args) =>
      /[\\/]node_modules[\\/]undici[\\/]/.test(args.importer) ? { path: 'http2', namespace: 'lazy' } : undefined,
    );
    b.onLoad({ filter: /^http2$/, namespace: 'lazy' }, async () => {
      const { constants } = await import('node:http2');
      return {
        contents: `const constants = ${JSON.stringify(constants)};
module.exports = new Proxy({ constants }, { get: (stub, key) => (key in stub ? stub[key] : require('node:http2')[key]) });`,
        loader: 'js',
      };
    });
  },
};

/** Leaves every dynamic import() out of the bundle, as a run-time import nothing will reach. */
const withoutLazyImports = {
  name: 'without-lazy-imports',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined));
  },
};

const BANNER = "import{createRequire as __nvRequire}from'node:module';const require=__nvRequire(import.meta.url);";

const nodeEsm = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.18',
  // Whitespace and syntax only: names stay readable in `--verbose` stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'eof',
  // Loaded from node_modules at run time, not bundled: jq-web finds its jq.wasm beside its own jq.js, and
  // better-sqlite3 is a native addon whose .node file lives there (src/catalog/sqlite.ts).
  external: ['jq-web', 'better-sqlite3'],
  logLevel: 'warning',
  plugins: [lazyChildProcess, lazyHttp2],
  // undici is CommonJS and require()s Node's built-ins; ES module chunks have no `require`.
  banner: { js: BANNER },
};

/**
 * Every chunk gets the banner, but only esbuild's runtime chunk (its `__require`) calls `require`: the
 * others drop it, which spares each start a createRequire per chunk loaded.
 */
function dropUnusedRequire(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
    const file = join(entry.parentPath ?? entry.path, entry.name);
    const code = readFileSync(file, 'utf8');
    const rest = code.startsWith(BANNER) ? code.slice(BANNER.length) : undefined;
    if (rest !== undefined && !/(?<![\w$.])require(?![\w$])/.test(rest)) writeFileSync(file, rest.replace(/^\n/, ''));
  }
}

const [entry, outfile] = process.argv.slice(2);
if (entry !== undefined) {
  if (outfile === undefined) throw new Error('usage: node esbuild.config.mjs [<entry> <outfile>]');
  await build({ ...nodeEsm, entryPoints: [entry], outfile });
} else {
  // Chunk names carry content hashes: without a clean folder, old chunks would pile up.
  rmSync('dist/bundle', { recursive: true, force: true });
  await build({
    ...nodeEsm,
    entryPoints: ['dist/src/main.js'],
    outdir: 'dist/bundle',
    chunkNames: 'chunks/[name]-[hash]',
    splitting: true,
  });
  // `--version` and plain help, answered by bin/neurovault.cjs before any ES module loads (src/quick-answers.ts).
  await build({ ...nodeEsm, format: 'cjs', banner: {}, entryPoints: ['dist/src/quick-answers.js'], outfile: 'dist/bundle/quick.cjs' });
  // A repeat DOI lookup from the DOI index, loaded by quick.cjs for such a line only (src/cli/cached-doi-answer.ts).
  // It takes none of the paths that load modules lazily (a network client, a terminal's table or pager):
  // those imports are left out, not parsed at every lookup (600 KB of undici and zod).
  await build({
    ...nodeEsm,
    format: 'cjs',
    banner: {},
    entryPoints: ['dist/src/cli/cached-doi-answer.js'],
    outfile: 'dist/bundle/doi-answer.cjs',
    plugins: [...nodeEsm.plugins, withoutLazyImports],
  });
  dropUnusedRequire('dist/bundle');
  await writeHelpIndex('dist/bundle/help-index.json');
}

/** The help index (src/cli/help-index.ts): every command's help page, from the command tree just compiled. */
async function writeHelpIndex(file) {
  const { Context } = await import('./dist/src/cli/context.js');
  const { processIO } = await import('./dist/src/output/io.js');
  const { createProgram } = await import('./dist/src/cli/program.js');
  const { buildHelpIndex } = await import('./dist/src/cli/help.js');
  const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
  const ctx = new Context(processIO({}), {}, new AbortController().signal, version);
  const index = buildHelpIndex(createProgram(ctx), version);
  writeFileSync(file, `${JSON.stringify(index)}\n`);
  // Man pages from the same index (src/cli/man-page.ts), shipped through package.json `directories.man`.
  const { manPages } = await import('./dist/src/cli/man-page.js');
  rmSync('dist/man', { recursive: true, force: true });
  mkdirSync('dist/man', { recursive: true });
  const date = new Date(Number(process.env.SOURCE_DATE_EPOCH ?? 0) * 1000 || Date.now()).toISOString().slice(0, 10);
  for (const { file: name, text } of manPages(index, date)) writeFileSync(join('dist/man', name), text);
}
