import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startStandin, type Standin } from './standin/server.js';
import { startHostile } from './hostile/server.js';
import { runCli, type RunOptions } from './helpers/run-cli.js';
import { catalogPath } from '../src/catalog/location.js';
import { openDatabase } from '../src/catalog/sqlite.js';
import { ftsQuery } from '../src/catalog/fts-query.js';

type Obj = Record<string, unknown>;

/** Small pages, so a few hundred images make many pages (the real server's 1000 would make one). */
const PAGE = ['--page-size', '100'];

async function tempCache(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'nv-catalog-'));
}

function cli(standin: { url: string }, cache: string) {
  return (args: string[], opts: RunOptions = {}) =>
    runCli(args, { ...opts, env: { NEUROVAULT_URL: standin.url, XDG_CACHE_HOME: cache, ...opts.env } });
}

function publicImageIds(s: Standin): number[] {
  const ids: number[] = [];
  for (const im of s.store.allImages()) if (!s.store.collections.get(im.collectionId)?.token) ids.push(im.id);
  return ids.sort((a, b) => a - b);
}

async function catalogIds(cache: string, url: string, kind: 'images' | 'collections'): Promise<number[]> {
  const db = await openDatabase(catalogPath(join(cache, 'neurovault-cli'), url), { readonly: true });
  try {
    return db.prepare(`SELECT id FROM ${kind} ORDER BY id`).all().map((r) => Number(r.id));
  } finally {
    db.close();
  }
}

const imagesPageRequests = (s: Standin, from = 0) =>
  s.requests.slice(from).filter((r) => r.path.startsWith('/api/images/?'));

describe('catalog sync', () => {
  let s: Standin;
  before(async () => {
    s = await startStandin({ collections: 12, imagesPerCollection: 3 });
  });
  after(async () => {
    await s.close();
  });

  test('a complete sync keeps every field of every object, asks for gzip, and reports status', async () => {
    const cache = await tempCache();
    const run = cli(s, cache);
    const from = s.requests.length;
    const r = await run(['catalog', 'sync', ...PAGE]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /catalogue: \d+ collections, [\d,]+ images/);
    assert.deepEqual(await catalogIds(cache, s.url, 'images'), publicImageIds(s));
    const api = s.requests.slice(from).filter((q) => q.path.startsWith('/api/'));
    assert.ok(api.length > 10);
    for (const q of api) assert.equal(q.headers['accept-encoding'], 'gzip', q.path);

    // user-defined keys survive: the recorded image and a synthetic one with `contrast_id`
    const withMeta = [...s.store.allImages()].find((im) => 'contrast_id' in im.obj && !s.store.collections.get(im.collectionId)?.token)!;
    const got = await run(['search', String(withMeta.obj.name).split(' ')[0]!, '--images', '--all', '--where', `id=${withMeta.id}`, '-o', 'json']);
    assert.equal(got.code, 0, got.stderr);
    const [hit] = JSON.parse(got.stdout) as Obj[];
    const { kind, matched, score, ...stored } = hit!;
    assert.equal(kind, 'image');
    assert.ok(typeof matched === 'string' && typeof score === 'number');
    assert.deepEqual(stored, withMeta.obj);
    assert.deepEqual(Object.keys(stored), Object.keys(withMeta.obj), "the server's key order is kept");

    const status = await run(['catalog', 'status', '-o', 'json']);
    assert.equal(status.code, 0, status.stderr);
    const st = JSON.parse(status.stdout) as Obj;
    assert.equal(st.server, s.url);
    assert.equal(st.images, publicImageIds(s).length);
    assert.ok((st.bytes as number) > 0);
    const path = await run(['catalog', 'path']);
    assert.equal(path.stdout.trim(), catalogPath(join(cache, 'neurovault-cli'), s.url));
    await rm(cache, { recursive: true, force: true });
  });

  /** Syncs with the list hook set by the test, then checks the catalogue holds every public image. */
  async function syncsCompletely(cache: string, concurrency: string): Promise<void> {
    try {
      const r = await cli(s, cache)(['catalog', 'sync', ...PAGE, '--concurrency', concurrency]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await catalogIds(cache, s.url, 'images'), publicImageIds(s));
    } finally {
      s.lists.hook = undefined;
      await rm(cache, { recursive: true, force: true });
    }
  }

  test('duplicates and skips across pages (an unordered list) are caught by a second pass', async () => {
    const cache = await tempCache();
    let pass = 0;
    s.lists.hook = (path, q, rows) => {
      if (path !== '/api/images/') return rows;
      if (q.get('offset') === null) pass++;
      // first pass: rows 200..299 come back as copies of 100..199 (100 duplicates, 100 never seen)
      if (pass === 1 && q.get('offset') !== null) return [...rows.slice(0, 200), ...rows.slice(100, 200), ...rows.slice(300)];
      return rows;
    };
    await syncsCompletely(cache, '2');
    assert.ok(pass >= 2, 'a second pass was made');
  });

  test('a count that changes during the sync ends in the new, complete list', async () => {
    const cache = await tempCache();
    let added = false;
    s.lists.hook = (path, q, rows) => {
      if (path === '/api/images/' && q.get('offset') === '500' && !added) {
        added = true;
        s.addCollection({ name: 'Added during sync' }, 5);
      }
      return rows;
    };
    await syncsCompletely(cache, '1');
    assert.ok(added);
  });

  test('a page failing mid-way fails the sync (exit 1) and the next run continues without refetching stored pages', async () => {
    const cache = await tempCache();
    const run = cli(s, cache);
    const final = catalogPath(join(cache, 'neurovault-cli'), s.url);
    s.faults.api.failNext.push({ pathPrefix: '/api/images/?limit=100&offset=700', kind: '502', count: 50 });
    const first = s.requests.length;
    const r = await run(['catalog', 'sync', ...PAGE, '--concurrency', '1']);
    s.faults.api.failNext.length = 0;
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /502/);
    assert.equal(existsSync(final), false, 'no catalogue under the final name');
    assert.equal(existsSync(`${final}.partial`), true);
    const fetchedBefore = new Set(
      imagesPageRequests(s, first).filter((q) => q.status === 200).map((q) => new URLSearchParams(q.path.split('?')[1]).get('offset')),
    );

    const second = s.requests.length;
    const again = await run(['catalog', 'sync', ...PAGE, '--concurrency', '1']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /continued an interrupted sync/);
    const refetched = imagesPageRequests(s, second)
      .map((q) => new URLSearchParams(q.path.split('?')[1]).get('offset'))
      .filter((o) => o !== null && fetchedBefore.has(o));
    assert.deepEqual(refetched, [], 'stored pages are not fetched again');
    assert.deepEqual(await catalogIds(cache, s.url, 'images'), publicImageIds(s));
    assert.equal(existsSync(`${final}.partial`), false);
    await rm(cache, { recursive: true, force: true });
  });
});

/** A stand-in slow enough (60 ms per API request) to act during a sync, with its own cache folder. */
async function withSlowStandin(fn: (s: Standin, run: ReturnType<typeof cli>, cache: string) => Promise<void>): Promise<void> {
  const s = await startStandin({ collections: 12, imagesPerCollection: 3, apiLatencyMs: 60 });
  const cache = await tempCache();
  try {
    await fn(s, cli(s, cache), cache);
  } finally {
    await s.close();
    await rm(cache, { recursive: true, force: true });
  }
}

describe('catalog sync interrupted', () => {
  test('Ctrl-C keeps the old catalogue readable, and the next sync continues', () =>
    withSlowStandin(async (s, run, cache) => {
      assert.equal((await run(['catalog', 'sync', ...PAGE])).code, 0);
      s.addCollection({ name: 'Quokka studies' }, [{ name: 'quokka saccades' }]);
      const final = catalogPath(join(cache, 'neurovault-cli'), s.url);
      const before = s.requests.length;
      const interrupted = await run(['catalog', 'sync', ...PAGE, '--concurrency', '1'], {
        onSpawn: (child) => {
          const timer = setInterval(() => {
            if (imagesPageRequests(s, before).length >= 3) {
              clearInterval(timer);
              child.kill('SIGINT');
            }
          }, 10);
          child.on('close', () => clearInterval(timer));
        },
      });
      assert.equal(interrupted.code, 130, interrupted.stderr);
      assert.equal(existsSync(`${final}.partial`), true);
      // readers still see the complete old catalogue, never the half-built one
      const old = await run(['search', 'quokka', '-o', 'json']);
      assert.equal(old.code, 0, old.stderr);
      assert.deepEqual(JSON.parse(old.stdout), []);
      const st = JSON.parse((await run(['catalog', 'status', '-o', 'json'])).stdout) as Obj;
      assert.equal(st.images, publicImageIds(s).length - 1);

      const resumed = await run(['catalog', 'sync', ...PAGE]);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.match(resumed.stderr, /continued an interrupted sync/);
      const found = JSON.parse((await run(['search', 'quokka', '--images', '-o', 'json'])).stdout) as Obj[];
      assert.deepEqual(found.map((h) => h.name), ['quokka saccades']);
      assert.deepEqual(await catalogIds(cache, s.url, 'images'), publicImageIds(s));
    }));
});

describe('catalog sync, two at once', () => {
  test('a second sync while one is writing exits 1 and leaves the first one to finish', () =>
    withSlowStandin(async (s, run, cache) => {
      const first = run(['catalog', 'sync', ...PAGE, '--concurrency', '1']);
      for (let i = 0; i < 500 && imagesPageRequests(s).length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      const second = await run(['catalog', 'sync', ...PAGE]);
      assert.equal(second.code, 1, second.stderr);
      assert.match(second.stderr, /another `neurovault catalog sync` is writing/);
      const done = await first;
      assert.equal(done.code, 0, done.stderr);
      assert.deepEqual(await catalogIds(cache, s.url, 'images'), publicImageIds(s));
    }));
});

describe('search and selections', () => {
  let s: Standin;
  let cache: string;
  let run: ReturnType<typeof cli>;
  const ids: Record<string, number> = {};
  before(async () => {
    s = await startStandin({ collections: 4, imagesPerCollection: 2 });
    const add = (name: string, init: Obj, c: Obj = {}) => {
      const made = s.addCollection({ name: `Collection for ${name}`, ...c }, [{ name, ...init }]);
      ids[name] = made.images[0]!.id as number;
      return made;
    };
    add('zebrafish habituation', {});
    add('plain map one', { description: 'responses of zebrafish larvae to light' });
    add('okapi tremor load', {});
    add('tremor okapi order', {});
    add('okapidrill session', {});
    add('custom key map', { $meta: { acquisition_site: 'Leipzig' } });
    add('custom key other', { $meta: { acquisition_site: 'Oslo' } });
    // --basic: one good image and one image per nilearn rule, each differing from it in that rule only
    add('basiccase good', { not_mni: false, is_thresholded: false, map_type: 'T map' });
    add('basiccase nomaptype', { not_mni: false, is_thresholded: false, map_type: null });
    add('basiccase notmni', { not_mni: true, is_thresholded: false, map_type: 'T map' });
    add('basiccase notmninull', { not_mni: null, is_thresholded: false, map_type: 'T map' });
    add('basiccase thresholded', { not_mni: false, is_thresholded: true, map_type: 'T map' });
    add('basiccase roi', { not_mni: false, is_thresholded: false, map_type: 'ROI/mask' });
    add('basiccase anatomical', { not_mni: false, is_thresholded: false, map_type: 'anatomical' });
    add('basiccase parcellation', { not_mni: false, is_thresholded: false, map_type: 'parcellation' });
    add('basiccase atlas', { $kind: 'statistic_map', image_type: 'atlas', not_mni: false, is_thresholded: false, map_type: 'T map' });
    const zeroCount = add('basiccase zerocollection', { not_mni: false, is_thresholded: false, map_type: 'T map' });
    // an annotated count, never null on the server (the schema checks it); 0 is nilearn's other "null"
    zeroCount.collection.number_of_images = 0;
    cache = await tempCache();
    run = cli(s, cache);
    const r = await run(['catalog', 'sync']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await s.close();
    await rm(cache, { recursive: true, force: true });
  });

  const names = (stdout: string) => (JSON.parse(stdout) as Obj[]).map((h) => h.name);

  test('a match in the name ranks above a match in the description, and the table says which field matched', async () => {
    const r = await run(['search', 'zebrafish', '--images', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const hits = JSON.parse(r.stdout) as Obj[];
    assert.deepEqual(hits.map((h) => h.name), ['zebrafish habituation', 'plain map one']);
    assert.deepEqual(hits.map((h) => h.matched), ['name', 'description']);
    const tsv = await run(['search', 'zebrafish', '--images']);
    assert.match(tsv.stdout.split('\n')[0]!, /\tmatched$/);
  });

  test('phrases match words in order; prefixes match word starts', async () => {
    assert.deepEqual(names((await run(['search', '"okapi tremor"', '--images', '-o', 'json'])).stdout), ['okapi tremor load']);
    const both = names((await run(['search', 'okapi', 'tremor', '--images', '-o', 'json'])).stdout);
    assert.deepEqual([...both].sort(), ['okapi tremor load', 'tremor okapi order']);
    const prefix = names((await run(['search', 'okapid*', '--images', '-o', 'json'])).stdout);
    assert.deepEqual(prefix, ['okapidrill session']);
    const collections = await run(['search', 'zebrafish', '--collections', '-o', 'json']);
    assert.deepEqual(names(collections.stdout), ['Collection for zebrafish habituation']);
  });

  test('--where filters on a user-defined key', async () => {
    const r = await run(['search', 'custom', '--images', '--where', 'acquisition_site=leipzig', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(names(r.stdout), ['custom key map']);
  });

  test("--basic keeps exactly the images nilearn's default filter keeps", async () => {
    const r = await run(['images', 'list', '--search', 'basiccase', '--basic', '--all', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(names(r.stdout), ['basiccase good', 'basiccase nomaptype']);
    const all = await run(['images', 'list', '--search', 'basiccase', '--all', '-o', 'json']);
    assert.equal((JSON.parse(all.stdout) as Obj[]).length, 10, 'without --basic every crafted case is there');
  });

  test('download selects from the catalogue by id order and goes through the engine and manifest', async () => {
    const out = await mkdtemp(join(tmpdir(), 'nv-catalog-dl-'));
    try {
      const r = await run(['download', '--search', 'basiccase', '--basic', '--max-images', '5', '--out', out, '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as Obj).fetched, 2);
      assert.ok(existsSync(join(out, `collection_${s.image(ids['basiccase good']!)!.collection_id}`, `image_${ids['basiccase good']}.nii.gz`)));
      assert.equal((await run(['verify', out])).code, 0);
      const plan = await run(['download', '--where', 'name~^basiccase', '--max-images', '3', '--dry-run', '-o', 'json']);
      const planned = (JSON.parse(plan.stdout) as Obj[]).map((p) => p.id as number);
      assert.deepEqual(planned, [...planned].sort((a, b) => a - b));
      assert.equal(planned[0], ids['basiccase good']);
      const both = await run(['download', '1615', '--search', 'x']);
      assert.equal(both.code, 2);
      const none = await run(['download']);
      assert.equal(none.code, 2);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  test('without a catalogue search exits 1 naming `catalog sync`; an old one earns a notice', async () => {
    const empty = await tempCache();
    try {
      const r = await cli(s, empty)(['search', 'zebrafish']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^neurovault: no catalogue for .*\nhint: .*neurovault catalog sync/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
    const file = catalogPath(join(cache, 'neurovault-cli'), s.url);
    const db = await openDatabase(file);
    const synced = db.prepare("SELECT value FROM meta WHERE key = 'synced_at'").get()!.value;
    db.prepare("UPDATE meta SET value = ? WHERE key = 'synced_at'").run(String(Date.now() - 8 * 86_400_000));
    db.close();
    try {
      const old = await run(['search', 'zebrafish', '-o', 'json']);
      assert.equal(old.code, 0);
      assert.match(old.stderr, /catalogue is 8 days old; `neurovault catalog sync` refreshes it\n$/);
      const fresh = await run(['search', 'zebrafish', '-o', 'json']);
      assert.equal(fresh.stderr.split('\n').length, 2, 'one line');
    } finally {
      const back = await openDatabase(file);
      back.prepare("UPDATE meta SET value = ? WHERE key = 'synced_at'").run(synced as string);
      back.close();
    }
  });
});

describe('compressed responses', () => {
  test('a gzip bomb is refused with exit 1, not an out-of-memory', async () => {
    const bomb = gzipSync(Buffer.alloc(80 * 1024 * 1024, 0x20));
    const server = await startHostile((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': String(bomb.length) });
      res.end(bomb);
    });
    const cache = await tempCache();
    try {
      const r = await cli(server, cache)(['catalog', 'sync']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /decodes to more than 64 MiB; refused/);
      assert.equal(server.requests[0]!.headers['accept-encoding'], 'gzip');
    } finally {
      await server.close();
      await rm(cache, { recursive: true, force: true });
    }
  });

  test('the stand-in gzips JSON only when asked, and files stay identity', async () => {
    const s = await startStandin({ collections: 2 });
    try {
      const { request } = await import('undici');
      const gz = await request(`${s.url}/api/collections/`, { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(gz.headers['content-encoding'], 'gzip');
      await gz.body.dump();
      const plain = await request(`${s.url}/api/collections/`);
      assert.equal(plain.headers['content-encoding'], undefined);
      await plain.body.dump();
      const cache = await tempCache();
      const out = await mkdtemp(join(tmpdir(), 'nv-catalog-dl-'));
      try {
        const from = s.requests.length;
        const r = await cli(s, cache)(['download', '1615', '--max-images', '1', '--out', out]);
        assert.equal(r.code, 0, r.stderr);
        const file = s.requests.slice(from).find((q) => q.path.startsWith('/media/'))!;
        assert.equal(file.headers['accept-encoding'], 'identity');
      } finally {
        await rm(cache, { recursive: true, force: true });
        await rm(out, { recursive: true, force: true });
      }
    } finally {
      await s.close();
    }
  });
});

test('words become a safe FTS5 query', () => {
  assert.equal(ftsQuery(['n-back', 'task']), '"n-back" "task"');
  assert.equal(ftsQuery(['"working memory"']), '"working memory"');
  assert.equal(ftsQuery(['memor*', 'OR', 'recall']), '"memor"* OR "recall"');
  assert.throws(() => ftsQuery(['OR']), /at least one word/);
});

describe('the catalogue stays true (issue 17)', () => {
  const publicCollectionIds = (s: Standin) =>
    [...s.store.collections.values()].filter((c) => !c.token).map((c) => c.id).sort((a, b) => a - b);

  test('a sync continued after the server changed ends in exactly the server state', async () => {
    const s = await startStandin({ collections: 12, imagesPerCollection: 3 });
    const cache = await tempCache();
    try {
      const run = cli(s, cache);
      s.faults.api.failNext.push({ pathPrefix: '/api/images/?limit=100&offset=700', kind: '502', count: 50 });
      const cut = await run(['catalog', 'sync', ...PAGE, '--concurrency', '1']);
      s.faults.api.failNext.length = 0;
      assert.equal(cut.code, 1, cut.stderr);
      // Meanwhile collection 1615 (its 5 images lead the image list) is deleted and a new one with 5 images
      // added: `count` stays the same while every later row moves up by 5.
      const before = publicImageIds(s).length;
      s.store.removeCollection(1615);
      const added = s.addCollection({ name: 'Numbat navigation' }, [1, 2, 3, 4, 5].map((n) => ({ name: `numbat map ${n}` })));
      assert.equal(publicImageIds(s).length, before);

      const again = await run(['catalog', 'sync', ...PAGE, '--concurrency', '1']);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /continued an interrupted sync/);
      assert.deepEqual(await catalogIds(cache, s.url, 'collections'), publicCollectionIds(s));
      assert.deepEqual(await catalogIds(cache, s.url, 'images'), publicImageIds(s));
      const gone = await run(['search', 'pynv', '--collections', '-o', 'json']);
      assert.deepEqual(JSON.parse(gone.stdout), []);
      const basic = await run(['images', 'list', '--search', 'numbat', '--basic', '-o', 'json']);
      assert.equal(basic.code, 0, basic.stderr);
      assert.deepEqual((JSON.parse(basic.stdout) as Obj[]).map((i) => i.id), added.images.map((i) => i.id));
    } finally {
      await s.close();
      await rm(cache, { recursive: true, force: true });
    }
  });

  test('a record failing its schema is left out and counted: exit 0, one warning, shown by catalog status', async () => {
    const s = await startStandin({ collections: 12, imagesPerCollection: 3 });
    const cache = await tempCache();
    try {
      const run = cli(s, cache);
      const bad = publicImageIds(s)[40]!;
      s.lists.hook = (path, _q, rows) =>
        path === '/api/images/' ? rows.map((r) => (r.id === bad ? { ...r, image_type: null } : r)) : rows;
      const r = await run(['catalog', 'sync', ...PAGE]);
      assert.equal(r.code, 0, r.stderr);
      const warnings = r.stderr.split('\n').filter((l) => l.startsWith('neurovault:') && !/catalogue: \d+ collections/.test(l));
      assert.equal(warnings.length, 1, r.stderr);
      assert.match(warnings[0]!, new RegExp(`left out 1 image .*image ${bad}: .*image_type`));
      assert.deepEqual(await catalogIds(cache, s.url, 'images'), publicImageIds(s).filter((id) => id !== bad));
      const status = JSON.parse((await run(['catalog', 'status', '-o', 'json'])).stdout) as Obj;
      assert.equal(status.skipped_images, 1);
      assert.equal(status.skipped_collections, 0);
    } finally {
      await s.close();
      await rm(cache, { recursive: true, force: true });
    }
  });
});

test('catalog path is answered before the command tree loads, with the path the full command prints', async () => {
  const cache = await tempCache();
  const env = { XDG_CACHE_HOME: cache, NEUROVAULT_URL: 'http://nv.example:8080' };
  const want = `${catalogPath(join(cache, 'neurovault-cli'), 'http://nv.example:8080')}\n`;
  for (const args of [['catalog', 'path'], ['catalog', 'path', '-q'], ['--base-url', 'http://nv.example:8080/api/', 'catalog', 'path']]) {
    const r = await runCli(args, { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, want, args.join(' '));
  }
  const bad = await runCli(['catalog', 'path', '--base-url=ftp://nv.example'], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /invalid --base-url "ftp:\/\/nv\.example"/);
  await rm(cache, { recursive: true, force: true });
});
