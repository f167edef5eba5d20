import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DoiIndexBuilder, indexFile, lookupDoiIndex, serverKey, writeDoiIndex } from '../src/api/doi-index.js';
import { collectionDois } from '../src/api/refs.js';

const BASE = 'http://127.0.0.1:1';

function collection(id: number, DOI: string | null, preprint_DOI: string | null = null): Record<string, unknown> {
  return { id, url: `${BASE}/collections/${id}/`, name: `c ${id}\nsecond line`, add_date: '2020-01-01', modify_date: '2020-01-01', DOI, preprint_DOI };
}

const COLLECTIONS = [
  collection(1, '10.1000/A'),
  collection(2, '10.1000/b', '10.1101/pre.1'),
  collection(3, null),
  collection(4, 'https://doi.org/10.1000/a'),
  ...Array.from({ length: 300 }, (_, i) => collection(100 + i, `10.2000/${i}`)),
];

/** The collections added in pages, the last page overlapping the first (an unordered server). */
function built(collections = COLLECTIONS): DoiIndexBuilder<Record<string, unknown>> {
  const index = new DoiIndexBuilder<Record<string, unknown>>(collectionDois);
  index.add(collections.slice(0, 100));
  index.add(collections.slice(100));
  index.add(collections.slice(0, 50));
  return index;
}

async function withCache(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nv-doi-index-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a written index answers by DOI and by preprint DOI, every collection filed under each, once', async () => {
  await withCache(async (dir) => {
    await writeDoiIndex(dir, BASE, built());
    const a = await lookupDoiIndex(dir, BASE, '10.1000/a');
    assert.ok(a && 'matches' in a);
    assert.deepEqual(a.matches.map((c) => c.id), [1, 4]);
    assert.deepEqual(a.matches[0], COLLECTIONS[0]);
    const pre = await lookupDoiIndex(dir, BASE, '10.1101/pre.1');
    assert.ok(pre && 'matches' in pre);
    assert.deepEqual(pre.matches.map((c) => c.id), [2]);
    for (let i = 0; i < 300; i += 37) {
      const hit = await lookupDoiIndex(dir, BASE, `10.2000/${i}`);
      assert.ok(hit && 'matches' in hit, `10.2000/${i}`);
      assert.deepEqual(hit.matches.map((c) => c.id), [100 + i]);
    }
    assert.equal(await lookupDoiIndex(dir, BASE, '10.9999/none'), undefined);
    // One file and nothing else: no temporary name is left behind.
    assert.deepEqual(await readdir(dir), [basename(indexFile(dir, BASE))]);
  });
});

test('a stale index, or one of another server, is not used', async () => {
  await withCache(async (dir) => {
    await writeDoiIndex(dir, BASE, built(), Date.now() - 2 * 24 * 3600 * 1000);
    assert.equal(await lookupDoiIndex(dir, BASE, '10.1000/a'), undefined);
    assert.equal(await lookupDoiIndex(dir, 'http://127.0.0.1:2', '10.1000/a'), undefined);
  });
});

test('a truncated index is reported damaged and removed', async () => {
  await withCache(async (dir) => {
    await writeDoiIndex(dir, BASE, built());
    const file = indexFile(dir, BASE);
    await truncate(file, (await stat(file)).size - 10);
    // The last bucket holding a line is the one cut: find a DOI in it by asking them all.
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => lookupDoiIndex(dir, BASE, `10.2000/${i}`)));
    assert.ok(results.some((r) => r && 'damaged' in r), 'some lookup saw the damage');
    await assert.rejects(stat(file), { code: 'ENOENT' });
  });
});

test('a first line that is not ours is damage; an index of another version is left to the next scan', async () => {
  await withCache(async (dir) => {
    const file = indexFile(dir, BASE);
    await writeFile(file, `${'x'.repeat(70_000)}`);
    // Reported and left in place when asked (the tree-less answer leaves it to main, which reports it)…
    const kept = await lookupDoiIndex(dir, BASE, '10.1000/a', { keepDamaged: true });
    assert.ok(kept && 'damaged' in kept);
    await stat(file);
    // …else removed.
    const r = await lookupDoiIndex(dir, BASE, '10.1000/a');
    assert.ok(r && 'damaged' in r);
    await assert.rejects(stat(file), { code: 'ENOENT' });
    await writeFile(file, `${JSON.stringify({ v: 5, baseUrl: BASE })}\n`);
    assert.equal(await lookupDoiIndex(dir, BASE, '10.1000/a'), undefined);
    assert.ok((await readFile(file, 'utf8')).startsWith('{"v":5'));
  });
});

test("writing replaces version 3's folder of bucket files", async () => {
  await withCache(async (dir) => {
    const old = join(dir, `doi-index-${serverKey(BASE)}`);
    await mkdir(old);
    await writeFile(join(old, 'meta.json'), '{"v":3}');
    await writeDoiIndex(dir, BASE, built());
    await assert.rejects(stat(old), { code: 'ENOENT' });
  });
});

test('the index is never read through a link, never waited on as a FIFO, never sized by its own first line', async () => {
  await withCache(async (dir) => {
    // A link to a good index someone else wrote: not followed; the link goes, the file it names stays.
    const elsewhere = join(dir, 'elsewhere');
    await mkdir(elsewhere);
    await writeDoiIndex(elsewhere, BASE, built());
    const file = indexFile(dir, BASE);
    await symlink(indexFile(elsewhere, BASE), file);
    const linked = await lookupDoiIndex(dir, BASE, '10.1000/a');
    assert.ok(linked && 'damaged' in linked, 'a link is not our index');
    await assert.rejects(lstat(file), { code: 'ENOENT' });
    await stat(indexFile(elsewhere, BASE));
    // A FIFO: answered at once (a blocking open would hang this test until its timeout).
    execFileSync('mkfifo', [file]);
    const fifo = await lookupDoiIndex(dir, BASE, '10.1000/a');
    assert.ok(fifo && 'damaged' in fifo);
    // A first line promising a bucket of a petabyte: refused before any buffer is made for it.
    const offsets = [0, ...Array.from({ length: 256 }, () => 2 ** 50)];
    await writeFile(file, `${JSON.stringify({ v: 4, baseUrl: BASE, createdAt: Date.now(), collections: 1, buckets: offsets })}\n`);
    const all = await Promise.all(['10.1000/a', '10.1000/b', '10.2000/1'].map((d) => lookupDoiIndex(dir, BASE, d, { keepDamaged: true })));
    assert.ok(all.every((r) => r && 'damaged' in r), JSON.stringify(all));
  });
});
