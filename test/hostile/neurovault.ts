// Minimal NeuroVault rows and pages for hostile-server tests: just the fields the schemas require, so a test
// changes one thing (one mutation) and everything else is what a real server would send.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { runCli, type CliResult, type RunOptions } from '../helpers/run-cli.js';
import { sendJsonBody, type HostileServer } from './server.js';

export const SECRET = 'hostile-test-secret-token-0123456789abcdef';

export function collectionRow(id: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    url: `http://neurovault.invalid/collections/${id}/`,
    name: `collection ${id}`,
    DOI: null,
    add_date: '2020-01-01T00:00:00Z',
    modify_date: '2020-01-01T00:00:00Z',
    ...extra,
  };
}

export function imageRow(id: number, collectionId = 1, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    url: `http://neurovault.invalid/images/${id}/`,
    name: `image ${id}`,
    file: `http://neurovault.invalid/media/images/${collectionId}/map_${id}.nii.gz`,
    collection: `http://neurovault.invalid/collections/${collectionId}/`,
    collection_id: collectionId,
    file_size: 1234,
    image_type: 'statistic_map',
    map_type: 'T map',
    modality: 'fMRI-BOLD',
    ...extra,
  };
}

export function page(results: unknown[], count: number, next: string | null = null): Record<string, unknown> {
  return { count, next, previous: null, results };
}

/** The request's own absolute URL on the hostile server (for `next` links that point back). */
export function selfUrl(srv: { url: string }, req: IncomingMessage): string {
  return `${srv.url}${req.url ?? '/'}`;
}

export function sendJson(res: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}): void {
  sendJsonBody(res, status, body, headers);
}

/** The CLI against the hostile server, with a token in the environment (that must never be printed). */
export function runAgainst(srv: HostileServer, args: string[], opts: RunOptions = {}): Promise<CliResult> {
  return runCli(['--base-url', srv.url, ...args], {
    timeoutMs: 20_000,
    ...opts,
    env: { NEUROVAULT_TOKEN: SECRET, ...opts.env },
  });
}

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** What every hostile test asserts about the CLI's output, whatever the case. */
export function assertSafeOutput(r: CliResult, assert: typeof import('node:assert/strict')): void {
  assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET), 'the token was printed');
  assert.ok(!RAW_CONTROL.test(r.stderr), `raw control characters on stderr: ${JSON.stringify(r.stderr.slice(0, 300))}`);
  assert.ok(!r.stderr.includes('internal error'), `internal error: ${r.stderr.slice(0, 300)}`);
  for (const line of r.stderr.split('\n')) assert.ok(line.length <= 1000, `a stderr line of ${line.length} characters`);
}

/** The error output is one `neurovault:` line, plus at most a `hint:` line. */
export function errorLines(r: CliResult): string[] {
  return r.stderr.split('\n').filter((l) => l !== '');
}
