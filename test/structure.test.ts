import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { REPO_ROOT } from './helpers/run-cli.js';

/** The layers of the design (COMMON.md, issue 15), checked on the sources: a move that breaks them fails here. */
const SRC = join(REPO_ROOT, 'src');
const LIBRARY = ['api', 'catalog', 'download', 's3', 'upload', 'view', 'filter', 'util', 'http', 'errors.ts', 'config.ts', 'nifti.ts', 'index.ts'];
const MAX_ACTION_LINES = 150;

interface Import {
  /** Path relative to src/, without extension (`cli/context`), or the bare specifier of a package. */
  target: string;
  typeOnly: boolean;
  dynamic: boolean;
}

const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => f.split(sep).join('/'));

function importsOf(file: string): Import[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  const found: Import[] = [];
  const add = (spec: string, typeOnly: boolean, dynamic: boolean) => {
    const target = spec.startsWith('.') ? relative(SRC, resolve(dirname(join(SRC, file)), spec)).split(sep).join('/').replace(/\.js$/, '') : spec;
    found.push({ target, typeOnly, dynamic });
  };
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^;'"]*?\bfrom\s+'([^']+)'/gm)) add(m[3]!, m[2] !== undefined, false);
  for (const m of text.matchAll(/^import\s+'([^']+)'/gm)) add(m[1]!, false, false);
  for (const m of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) add(m[1]!, false, true);
  return found;
}

const inFolder = (file: string, folder: string) => file === folder || file.startsWith(`${folder}/`);

test('the library never imports the CLI or the presenter', () => {
  const offending: string[] = [];
  for (const file of files.filter((f) => LIBRARY.some((l) => inFolder(f, l)))) {
    for (const i of importsOf(file)) {
      if (inFolder(i.target, 'cli') || inFolder(i.target, 'output')) offending.push(`${file} → ${i.target}`);
    }
  }
  assert.deepEqual(offending, []);
});

test(`no action file is longer than ${MAX_ACTION_LINES} lines`, () => {
  const long = files
    .filter((f) => inFolder(f, 'cli/actions'))
    .map((f) => ({ f, lines: readFileSync(join(SRC, f), 'utf8').split('\n').length - 1 }))
    .filter(({ lines }) => lines > MAX_ACTION_LINES)
    .map(({ f, lines }) => `${f}: ${lines}`);
  assert.deepEqual(long, []);
});

test('no import circle between cli/commands and cli/actions: actions never import commands, commands load actions lazily', () => {
  const offending: string[] = [];
  for (const file of files) {
    for (const i of importsOf(file)) {
      if (inFolder(file, 'cli/actions') && inFolder(i.target, 'cli/commands')) offending.push(`${file} → ${i.target}`);
      // A command's module loads at every start; its action only when it runs (a type import costs nothing).
      if (inFolder(file, 'cli/commands') && inFolder(i.target, 'cli/actions') && !i.typeOnly && !i.dynamic) offending.push(`${file} → ${i.target} (static)`);
    }
  }
  assert.deepEqual(offending, []);
});

test('the CLI does not load the library entry (src/index.ts): it imports each module when its command runs', () => {
  const importers = files.filter((f) => f !== 'index.ts' && importsOf(f).some((i) => i.target === 'index'));
  assert.deepEqual(importers, []);
  const bundle = join(REPO_ROOT, 'dist', 'bundle');
  const chunks = readdirSync(bundle, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js') || f.endsWith('.cjs'));
  assert.ok(chunks.length > 0, 'the CLI bundle is built');
  // createClient and clientOptionsFromEnv exist only for library users (src/api/create-client.ts).
  const withEntry = chunks.filter((f) => readFileSync(join(bundle, f), 'utf8').includes('clientOptionsFromEnv'));
  assert.deepEqual(withEntry, []);
});
