// The piped and machine-format outputs that must stay byte-identical while the TTY screens change.
// Captured from main before issue 11 (`node dist/test/golden/capture.js`); compared by golden.test.ts.
import { startStandin, type Standin } from '../standin/server.js';
import { runCli } from '../helpers/run-cli.js';

export const GOLDEN_STANDIN = { collections: 30, imagesPerCollection: 3 } as const;

/** name → argv (after `--base-url <standin>`). Every case runs with stdout and stderr piped. */
export function goldenCases(nv: Standin): Record<string, string[]> {
  const c = String(nv.seedDoiCollectionId);
  const cases: Record<string, string[]> = {
    'collections-list': ['collections', 'list', '--limit', '8'],
    'collections-list-all-where-csv': ['collections', 'list', '--all', '--where', 'number_of_images>=3', '--columns', 'id,name,DOI', '-o', 'csv'],
    'collections-doi': ['collections', 'list', '--doi', '10.1016/j.neurobiolaging.2012.11.002'],
    'collections-get': ['collections', 'get', '1615'],
    'images-list-1615': ['images', 'list', '--collection', '1615'],
    'images-list-where': ['images', 'list', '--collection', '1615', '--where', 'map_type=T map', '--columns', 'id,name,map_type,file'],
    'images-list-doi': ['images', 'list', '--collection', c],
    'images-get': ['images', 'get', '24375'],
    'images-get.columns': ['images', 'get', '24375', '--columns', 'id,name,file,url'],
  };
  for (const fmt of ['json', 'ndjson', 'csv', 'tsv']) {
    cases[`collections-list.${fmt}`] = ['collections', 'list', '--limit', '8', '-o', fmt];
    cases[`collections-get.${fmt}`] = ['collections', 'get', '1615', '-o', fmt];
    cases[`images-list-1615.${fmt}`] = ['images', 'list', '--collection', '1615', '-o', fmt];
    cases[`images-get.${fmt}`] = ['images', 'get', '24375', '-o', fmt];
  }
  cases['collections-list.json-flag'] = ['collections', 'list', '--limit', '3', '--json'];
  cases['collections-get.columns-csv'] = ['collections', 'get', '1615', '--columns', 'id,name,DOI,url', '-o', 'csv'];
  return cases;
}

export async function runGolden(nv: Standin, args: string[]): Promise<{ code: number | null; stdout: string }> {
  const r = await runCli(['--base-url', nv.url, ...args], { env: { XDG_CACHE_HOME: '/nonexistent-neurovault-golden' } });
  // The stand-in's port changes per run; everything else is deterministic.
  return { code: r.code, stdout: r.stdout.split(nv.url).join('http://standin') };
}

export async function withGoldenStandin<T>(fn: (nv: Standin) => Promise<T>): Promise<T> {
  const nv = await startStandin(GOLDEN_STANDIN);
  try {
    return await fn(nv);
  } finally {
    await nv.close();
  }
}
