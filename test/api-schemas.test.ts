import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AtlasImage, Collection, Image, NidmStatisticMap, Page, StatisticMap, User } from '../src/api/schemas.js';
import { COLLECTION_FIELDS, IMAGE_FIELDS } from '../src/api/fields.js';
import { REPO_ROOT } from './helpers/run-cli.js';

const SAMPLES = join(REPO_ROOT, 'test/fixtures/samples');

/** Which schema each recorded 2xx body must satisfy (error bodies are covered by the transport tests). */
function schemaFor(name: string) {
  if (/collection_images/.test(name)) return Page(Image);
  if (/my_collections/.test(name)) return Page(Collection);
  if (/collection/.test(name)) return Collection;
  if (/image/.test(name)) return Image;
  if (/user/.test(name)) return User;
  return undefined;
}

test('every recorded 2xx sample parses, keeping every key', () => {
  let parsed = 0;
  for (const era of readdirSync(SAMPLES).filter((d) => d.startsWith('pynv-'))) {
    const dir = join(SAMPLES, era);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.meta.json'))) {
      const meta = JSON.parse(readFileSync(join(dir, file.replace(/\.json$/, '.meta.json')), 'utf8'));
      if (meta.response.status >= 300) continue;
      const schema = schemaFor(file);
      assert.ok(schema, `no schema for ${era}/${file}`);
      const body = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      const result = schema.safeParse(body);
      assert.ok(result.success, `${era}/${file}: ${result.success ? '' : result.error.message}`);
      // looseObject keeps unknown and user-defined keys, so JSON output is the server's object.
      assert.deepEqual(result.data, body, `${era}/${file} changed while parsing`);
      parsed++;
    }
  }
  assert.ok(parsed >= 18, `only ${parsed} samples parsed`);
});

test('user-defined keys with mixed types survive on statistic maps', () => {
  const body = JSON.parse(readFileSync(join(SAMPLES, 'pynv-2020/get_collection_images.json'), 'utf8'));
  const page = Page(Image).parse(body);
  const withCustom = page.results.filter((r) => 'random_property_1' in r);
  assert.ok(withCustom.length >= 2);
  const values = withCustom.map((r) => (r as Record<string, unknown>).random_property_1);
  assert.ok(values.includes(42) && values.includes(''), `got ${JSON.stringify(values)}`);
});

test('an image without a name is rejected with the path of the problem', () => {
  const r = Image.safeParse({ id: 1, file: null });
  assert.equal(r.success, false);
});

test('the zod-free field lists name exactly what the schemas declare', () => {
  assert.deepEqual(COLLECTION_FIELDS, Object.keys(Collection.shape));
  assert.deepEqual(IMAGE_FIELDS, [...new Set([StatisticMap, AtlasImage, NidmStatisticMap].flatMap((s) => Object.keys(s.shape)))]);
});
