import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startStandin, type Standin } from './standin/server.js';
import { REPO_ROOT } from './helpers/run-cli.js';
import { SEED } from './standin/seed.js';
import { SEED_DOI } from './standin/writes.js';

const run = promisify(execFile);

/**
 * The package as a user gets it: `npm pack`, installed into a fresh project, imported by name.
 *
 * Installing: `npm install --offline <tgz>` cannot work here: npm resolves each dependency's packument
 * (its list of versions) before it looks at any tarball, and `npm ci` fills the cache with tarballs only
 * (it installs from the lockfile), so an offline install fails with ENOTCACHED and an online one needs
 * the network the suite must not use. So the tarball is unpacked where npm would put it
 * (node_modules/neurovault-cli), and each of its declared dependencies is linked from this checkout's
 * node_modules: what is tested is exactly the packed files (`files`, `exports`, `types`, the .d.ts),
 * resolved by Node and tsc the way an installed copy is.
 */
let project: string;
let nv: Standin;

before(async () => {
  nv = await startStandin();
  project = await mkdtemp(join(tmpdir(), 'nv-lib-'));
  // Packed once; the build already ran (the suite runs from dist/), so no prepack.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', project], { cwd: REPO_ROOT });
  const tgz = join(project, (JSON.parse(stdout) as { filename: string }[])[0]!.filename);
  const pkgDir = join(project, 'node_modules', 'neurovault-cli');
  await mkdir(pkgDir, { recursive: true });
  await run('tar', ['xzf', tgz, '-C', pkgDir, '--strip-components=1']);
  const pkg = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
  const deps = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {}), '@types/node'];
  await mkdir(join(project, 'node_modules', '@types'), { recursive: true });
  for (const dep of deps) await symlink(join(REPO_ROOT, 'node_modules', dep), join(project, 'node_modules', dep));
  await writeFile(join(project, 'package.json'), '{ "name": "uses-neurovault", "private": true, "type": "module" }\n');
});

after(async () => {
  await nv?.close();
  if (project) await rm(project, { recursive: true, force: true });
});

test('the packed tarball holds the library with its types, and no CLI source', async () => {
  const files = await readdir(join(project, 'node_modules', 'neurovault-cli', 'dist', 'lib'), { recursive: true });
  assert.ok(files.includes('index.js') && files.includes('index.d.ts'));
  assert.ok(files.includes(join('download', 'download-selection.d.ts')));
  assert.deepEqual(files.filter((f) => /^(cli|output)\b/.test(f)), [], 'the library build reaches no CLI or presenter module');
});

/** The ```ts examples of docs/library.md and of the README's "Using it as a library", so they stay true to the API. */
async function readmeExamples(): Promise<string[]> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Using it as a library');
  const section = start < 0 ? '' : readme.slice(start, readme.indexOf('\n## ', start + 1));
  const guide = await readFile(join(REPO_ROOT, 'docs/library.md'), 'utf8');
  return [...`${section}\n${guide}`.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

test('a TypeScript file importing the library, and the README examples, compile with tsc --strict', async () => {
  const examples = await readmeExamples();
  assert.ok(examples.length >= 6, 'one example per use case');
  const names = examples.map((_, i) => `readme-${i + 1}.ts`);
  for (const [i, code] of examples.entries()) await writeFile(join(project, names[i]!), code);
  await writeFile(
    join(project, 'check.ts'),
    `import { createClient, downloadSelection, verifyDownload, CliError, ExitCode, type DownloadEvent } from 'neurovault-cli';

function describe(e: DownloadEvent): string {
  switch (e.type) {
    case 'start': return \`\${e.images} images, \${e.bytes} bytes\`;
    case 'bytes': return String(e.bytes);
    case 'file': return e.result;
    case 'rehash': return e.phase;
    case 'retry': return e.reason;
    case 'warning': return e.message;
    default: { const never: never = e; return never; }
  }
}

const client = createClient({ baseUrl: 'https://neurovault.org' });
const found = await client.findCollectionsByDoi('10.1016/j.neurobiolaging.2012.11.002');
const ids: number[] = found.matches.map((c) => c.id);
try {
  const result = await downloadSelection({ client, refs: ids.map(String), out: 'data', maxImages: 3, onEvent: (e) => console.log(describe(e)) });
  const fetched: number = result.outcome.fetched;
  const checked = await verifyDownload('data');
  console.log(fetched, checked.mismatches.length);
} catch (err) {
  if (err instanceof CliError && err.exitCode === ExitCode.usage) console.error(err.message);
} finally {
  await client.close();
}
`,
  );
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = ['--strict', '--noEmit', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', 'check.ts', ...names];
  const { stdout, code } = await new Promise<{ stdout: string; code: number | null }>((resolve) => {
    const child = spawn(process.execPath, [tsc, ...args], { cwd: project });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('close', (c) => resolve({ stdout: out, code: c }));
  });
  assert.equal(code, 0, stdout);
});

test('a script using the package looks up a DOI and downloads 3 images with progress events', async () => {
  const out = join(project, 'data');
  await writeFile(
    join(project, 'use.mjs'),
    `import { createClient, downloadSelection } from 'neurovault-cli';
const [baseUrl, doi, collection, out] = process.argv.slice(2);
const client = createClient({ baseUrl, retries: 1 });
const found = await client.findCollectionsByDoi(doi);
const events = [];
const result = await downloadSelection({ client, refs: [collection], maxImages: 3, out, onEvent: (e) => events.push(e) });
await client.close();
console.log(JSON.stringify({ doi: found.matches.map((c) => c.id), fetched: result.outcome.fetched, bytes: result.outcome.bytes, complete: result.complete, events }));
`,
  );
  const { stdout, stderr } = await run(process.execPath, ['use.mjs', nv.url, SEED_DOI, String(SEED.sixty), out], { cwd: project });
  assert.equal(stderr, '', 'the library prints nothing');
  const r = JSON.parse(stdout) as {
    doi: number[];
    fetched: number;
    bytes: number;
    complete: boolean;
    events: { type: string; images?: number; bytes?: number; result?: string; rehash?: boolean }[];
  };
  assert.deepEqual(r.doi, [SEED.doi]);
  assert.equal(r.fetched, 3);
  assert.equal(r.complete, true);
  assert.equal(r.events[0]?.type, 'start');
  assert.equal(r.events[0]?.images, 3);
  assert.deepEqual(r.events.filter((e) => e.type === 'file').map((e) => e.result), ['fetched', 'fetched', 'fetched']);
  const streamed = r.events.filter((e) => e.type === 'bytes' && !e.rehash).reduce((n, e) => n + e.bytes!, 0);
  assert.equal(streamed, r.bytes);

  const manifest = (await readFile(join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { id: number; path: string; sha256: string });
  assert.equal(manifest.length, 3);
  for (const e of manifest) {
    const body = await readFile(join(out, e.path));
    assert.equal(createHash('sha256').update(body).digest('hex'), e.sha256);
    assert.ok(body.equals(nv.fileBody(e.id)), `image ${e.id}: the stand-in's bytes`);
  }
});
