import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { Context } from '../src/cli/context.js';
import { createProgram } from '../src/cli/program.js';
import { helpFromIndex, type HelpIndex } from '../src/cli/help-index.js';
import { helpRequestPath } from '../src/cli/help-request.js';
import type { IO } from '../src/output/io.js';
import { runCli } from './helpers/run-cli.js';

// The index the build wrote (npm run build → esbuild.config.mjs), in the bundle.
const INDEX = new URL('../bundle/help-index.json', import.meta.url);
const VERSION = (JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The command tree as the CLI builds it, printing into a string at `width` columns. */
function liveTree(width: number): { program: Command; take: () => string } {
  let out = '';
  const sink = { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream;
  const io: IO = { stdout: sink, stderr: sink, stdin: process.stdin, stdoutIsTTY: false, stderrIsTTY: false, stdinIsTTY: false, color: false, width };
  const program = createProgram(new Context(io, {}, new AbortController().signal, VERSION));
  return {
    program,
    take: () => {
      const s = out;
      out = '';
      return s;
    },
  };
}

function commandsOf(program: Command): [string, Command][] {
  const all: [string, Command][] = [];
  const walk = (cmd: Command, path: string[]) => {
    all.push([path.join(' '), cmd]);
    for (const sub of cmd.commands) walk(sub, [...path, sub.name()]);
  };
  walk(program, []);
  return all;
}

describe('help from the build-time index (src/cli/help-index.ts)', () => {
  test('the index has a page for every command of the tree, and for nothing else', async () => {
    const index = JSON.parse(await readFile(INDEX, 'utf8')) as HelpIndex;
    assert.equal(index.version, VERSION);
    const paths = commandsOf(liveTree(80).program).map(([path]) => path);
    assert.deepEqual(Object.keys(index.pages).sort(), paths.sort());
  });

  for (const width of [40, 80, 120, 200]) {
    test(`every page at ${width} columns: the same bytes as the tree prints, no line past the width but a word or an example`, () => {
      const { program, take } = liveTree(width);
      for (const [path, cmd] of commandsOf(program)) {
        take();
        cmd.outputHelp();
        const live = take();
        assert.ok(live.startsWith('Usage: '), path);
        assert.equal(helpFromIndex(INDEX, VERSION, path, width), live, `"${path}" at ${width}`);
        for (const line of live.split('\n')) {
          // Examples too: a long one is continued with ` \` rather than split mid-flag by the terminal.
          // (A word longer than the width, or one quoted shell argument, is all such a line may hold.)
          const words = line.replace(/ \\$/, '').trim().replace(/'[^']*'|"[^"]*"/g, 'quoted');
          if (line.length > width) assert.doesNotMatch(words, / /, `"${path}" at ${width}: ${line}`);
        }
      }
    });
  }

  test('the CLI answers plain help requests from the index, the same as the tree answers the rest', async () => {
    const { program, take } = liveTree(60);
    const live = (path: string) => {
      take();
      commandsOf(program).find(([p]) => p === path)![1].outputHelp();
      return take();
    };
    const env = { COLUMNS: '60' };
    const cases: [string[], string][] = [
      [[], ''],
      [['--help'], ''],
      [['-h'], ''],
      [['help'], ''],
      [['help', 'collections', 'list'], 'collections list'],
      [['s3', 'cp', '-h'], 's3 cp'],
      [['images', '--help'], 'images'],
      // Not plain: another flag in the line, so the tree answers; the text is the same.
      [['--no-color', 's3', 'cp', '--help'], 's3 cp'],
    ];
    for (const [argv, path] of cases) {
      const r = await runCli(argv, { env });
      assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, '');
      assert.equal(r.stdout, live(path), argv.join(' '));
    }
  });

  test('bare neurovault: the program help on stdout, exit 0 (gh), from the tree too; numeric defaults unquoted', async () => {
    const { program, take } = liveTree(80);
    await assert.rejects(program.parseAsync([], { from: 'user' }), (err: { exitCode?: number }) => err.exitCode === 0);
    assert.match(take(), /^Usage: neurovault /);
    const download = await runCli(['download', '--help'], { env: { COLUMNS: '80' } });
    assert.match(download.stdout, /\(default: 6\)/);
    assert.doesNotMatch(download.stdout, /\(default: "\d/);
    assert.match(download.stdout, /^ {2}\$ neurovault download 1952 --shard \$SLURM_ARRAY_TASK_ID\/8 --lock nv\.lock \\\n {6}--frozen$/m);
  });

  test('help for a mistyped command names the typo and the closest command (exit 2), not the parent’s help', async () => {
    const cases: [string[], RegExp][] = [
      [['colections', '--help'], /unknown command 'colections'[\s\S]*did you mean collections\?/],
      [['collections', 'lst', '-h'], /unknown command 'lst'[\s\S]*did you mean list\?/],
      [['help', 'colections'], /unknown command 'colections'[\s\S]*did you mean collections\?/],
      [['help', 's3', 'copy'], /unknown command 'copy'/],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.equal(r.stdout, '', argv.join(' '));
      assert.match(r.stderr, message, argv.join(' '));
      assert.doesNotMatch(r.stderr, /Usage:/, argv.join(' '));
    }
    // A real command with arguments before --help still gets its help.
    const ok = await runCli(['s3', 'cp', 'a', 'b', '--help']);
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /^Usage: neurovault s3 cp/);
  });

  test('a missing, unreadable or other build’s index, or a path it lacks, is not served', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nv-help-index-'));
    const other = join(dir, 'other.json');
    await writeFile(other, JSON.stringify({ ...(JSON.parse(await readFile(INDEX, 'utf8')) as HelpIndex), version: '0.0.0-other' }));
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{"version":');
    assert.equal(helpFromIndex(pathToFileURL(join(dir, 'none.json')), VERSION, '', 80), undefined);
    assert.equal(helpFromIndex(pathToFileURL(broken), VERSION, '', 80), undefined);
    assert.equal(helpFromIndex(pathToFileURL(other), VERSION, '', 80), undefined);
    assert.equal(helpFromIndex(INDEX, VERSION, 'collections nope', 80), undefined);
    assert.equal(helpFromIndex(INDEX, VERSION, 'constructor', 80), undefined);
    assert.match(helpFromIndex(INDEX, VERSION, 'collections', 80) ?? '', /^Usage: neurovault collections/);
  });

  test('which command lines are plain help requests', () => {
    assert.equal(helpRequestPath(['--help']), '');
    assert.equal(helpRequestPath(['help']), '');
    assert.equal(helpRequestPath(['help', 's3', 'cp']), 's3 cp');
    assert.equal(helpRequestPath(['s3', 'cp', '-h']), 's3 cp');
    assert.equal(helpRequestPath(['s3', 'cp', 'a', 'b', '--help']), 's3 cp a b');
    assert.equal(helpRequestPath([]), '', 'bare neurovault is the program help');
    assert.equal(helpRequestPath(['-o', 'json', '--help']), undefined);
    assert.equal(helpRequestPath(['s3', 'cp', 's3://b/k', '--help']), undefined);
    assert.equal(helpRequestPath(['--help', 's3']), undefined);
  });
});
