import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import type { HelpIndex } from '../src/cli/help-index.js';

// Written by the build (esbuild.config.mjs) from the help index, beside it in dist/.
const MAN = new URL('../man/', import.meta.url);
const INDEX = new URL('../bundle/help-index.json', import.meta.url);
const PACKAGE = new URL('../../package.json', import.meta.url);

test('a man page per command of the help index, shipped through package.json', async () => {
  const index = JSON.parse(await readFile(INDEX, 'utf8')) as HelpIndex;
  const files = (await readdir(MAN)).sort();
  const expected = Object.keys(index.pages).filter((p) => p !== 'help').map((p) => `${['neurovault', ...p.split(' ').filter(Boolean)].join('-')}.1`).sort();
  assert.deepEqual(files, expected);
  const pkg = JSON.parse(await readFile(PACKAGE, 'utf8')) as { files: string[]; directories?: { man?: string } };
  assert.equal(pkg.directories?.man, 'dist/man');
  assert.ok(pkg.files.includes('dist/man/'));
});

test('a page holds the help words in roff: name, synopsis, every option, the examples', async () => {
  const text = await readFile(new URL('neurovault-download.1', MAN), 'utf8');
  assert.match(text, /^\.TH NEUROVAULT-DOWNLOAD 1 "\d{4}-\d\d-\d\d" "neurovault-cli [\d.]+" "User Commands"\n\.SH NAME\nneurovault\\-download \\- download images/);
  assert.match(text, /\n\.SH SYNOPSIS\n\.B neurovault download \[options\] \[ref\.\.\.\]\n/);
  assert.match(text, /\n\.TP\n\.B \\-\\-concurrency <n>\nfiles in flight at once \(default: 6\)\n/);
  assert.match(text, /\n\.SH EXAMPLES\n\.nf\n\.RS 2\n\$ neurovault download 1615 \\-\\-out data\/\n/);
  // Every line that starts with a dot is a request, never text that happens to.
  for (const line of text.split('\n')) if (line.startsWith('.')) assert.match(line, /^\.(TH|SH|B|BR|TP|PP|nf|fi|RS|RE)\b/, line);
  const man = spawnSync('man', ['--warnings', '-l', '-Tutf8', new URL('neurovault-download.1', MAN).pathname], { encoding: 'utf8' });
  if (man.status === 0) {
    assert.equal(man.stderr, '', 'groff has no complaint');
    assert.match(man.stdout.replace(/.\x08/g, ''), /concurrency <n>/);
  }
});
