import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/run-cli.js';

let script = '';

before(async () => {
  const r = await runCli(['completion', 'bash']);
  assert.equal(r.code, 0, r.stderr);
  script = join(await mkdtemp(join(tmpdir(), 'nv-completion-')), 'neurovault.bash');
  await writeFile(script, r.stdout);
});

/**
 * What bash offers after `words` (the last one being completed): the script is sourced, `complete -p`
 * names the function bash would call, and it is called the way bash's programmable completion calls it.
 */
function complete(...words: string[]): string[] {
  const out = execFileSync(
    'bash',
    [
      '-c',
      `source "$1"; shift
spec=$(complete -p neurovault) || exit 3
fn=$(sed -E 's/.* -F ([^ ]+) .*/\\1/' <<< "$spec")
COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); COMP_LINE="$*"; COMP_POINT=\${#COMP_LINE}
"$fn" neurovault "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\\n' "\${COMPREPLY[@]}"`,
      'bash',
      script,
      'neurovault',
      ...words,
    ],
    { encoding: 'utf8' },
  );
  return out.split('\n').filter(Boolean);
}

test('bash: the script parses and registers a completion function for neurovault', () => {
  execFileSync('bash', ['-n', script]);
  const spec = execFileSync('bash', ['-c', `source "${script}"; complete -p neurovault`], { encoding: 'utf8' });
  assert.match(spec, /complete -o default -F _neurovault neurovault/);
});

test('bash: commands and subcommands, from the command tree', () => {
  assert.deepEqual(complete(''), [
    'collections', 'images', 'download', 'verify', 'auth', 's3', 'catalog', 'search', 'view', 'completion', 'open',
  ]);
  assert.deepEqual(complete('catalog', ''), ['sync', 'status', 'path']);
  assert.deepEqual(complete('im'), ['images']);
  assert.deepEqual(complete('collections', ''), ['list', 'get', 'create']);
  assert.deepEqual(complete('--base-url', 'http://x', 'images', 'g'), ['get'], 'a flag value is skipped');
  assert.deepEqual(complete('--json', 'collections', 'l'), ['list'], '--json takes no word of its own');
});

test('bash: flags of the command plus the global ones', () => {
  assert.deepEqual(complete('download', '--dr'), ['--dry-run']);
  assert.deepEqual(complete('images', 'get', '--w'), ['--web']);
  assert.ok(complete('collections', 'list', '--').includes('--doi'));
  assert.ok(complete('collections', 'list', '--').includes('--columns'));
  assert.deepEqual(complete('s3', 'cp', '--dry'), ['--dry-run']);
});

test('bash: exactly the flags the command takes — no S3 flag or --version after collections list', () => {
  const offered = complete('collections', 'list', '--');
  for (const flag of ['--endpoint-url', '--region', '--profile', '--no-sign-request', '--version']) {
    assert.ok(!offered.includes(flag), `${flag} offered after collections list: ${offered.join(' ')}`);
  }
  for (const flag of ['--doi', '--limit', '--json', '--base-url', '--retries', '--help']) assert.ok(offered.includes(flag), flag);
  assert.ok(complete('s3', 'cp', '--').includes('--endpoint-url'), 's3 cp keeps the S3 flags');
  assert.ok(!complete('s3', 'cp', '--').includes('--doi'));
  assert.ok(complete('--').includes('--version'), 'the top level offers every global flag');
});

test('fish: global flags are offered under the commands that use them, not everywhere', async () => {
  const fish = (await runCli(['completion', 'fish'])).stdout;
  const lines = fish.split('\n').filter((l) => / -l endpoint-url /.test(l));
  assert.ok(lines.length > 0);
  for (const line of lines) assert.match(line, /__fish_use_subcommand|__fish_seen_subcommand_from (s3|download|verify)/, line);
});

test('bash: enumerated values — formats, map types (code and label), modalities, shells', () => {
  assert.deepEqual(complete('-o', ''), ['table', 'json', 'ndjson', 'csv', 'tsv']);
  assert.deepEqual(complete('images', 'list', '--output', 'nd'), ['ndjson']);
  assert.deepEqual(complete('images', 'upload', '--map-type', 'T'), ['T', 'T\\ map']);
  assert.deepEqual(complete('images', 'upload', '--modality', 'fMRI-B'), ['fMRI-BOLD']);
  assert.deepEqual(complete('completion', ''), ['bash', 'zsh', 'fish']);
  assert.deepEqual(complete('s3', 'cp', '--checksum', ''), ['crc32', 'md5', 'none']);
});

test('zsh and fish scripts are generated from the same tree', async () => {
  const zsh = await runCli(['completion', 'zsh']);
  assert.match(zsh.stdout, /^#compdef neurovault$/m);
  assert.match(zsh.stdout, /bashcompinit/);
  const fish = await runCli(['completion', 'fish']);
  assert.match(fish.stdout, /complete -c neurovault -f -n '__fish_use_subcommand' -a 'collections'/);
  assert.match(fish.stdout, /-l map-type -x -a 'T T\\ map/);
  assert.match(fish.stdout, /-l output -s o -x -a 'table json ndjson csv tsv'/);
  const bad = await runCli(['completion', 'tcsh']);
  assert.equal(bad.code, 2);
});
