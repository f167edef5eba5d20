import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { NeuroVaultClient } from '../api/client.js';
import type { ImageRef } from '../api/refs.js';
import { cacheDir } from '../config.js';
import { CliError, ExitCode, IntegrityError, NotFoundError } from '../errors.js';
import { buildPlan } from '../download/plan.js';
import { DEFAULT_BREAKER_THRESHOLD, runEngine } from '../download/engine.js';
import { LocalSink } from '../download/local-sink.js';
import { MANIFEST_FILE } from '../download/layout.js';
import { parseManifest } from '../download/manifest.js';
import { silentProgress, type Progress } from '../download/progress.js';

export interface CachedImage {
  path: string;
  metadata: Record<string, unknown>;
}

/** `$XDG_CACHE_HOME/neurovault-cli/images/<server>/`: a download folder (same layout and manifest) per server. */
export function imageCacheDir(env: NodeJS.ProcessEnv, baseUrl: string): string {
  return join(cacheDir(env), 'images', createHash('sha256').update(baseUrl).digest('hex').slice(0, 16));
}

/**
 * Brings one image into the cache with the download engine: the same checks (size, gzip, NIfTI header,
 * sha256), `*.part` then rename, and a re-run that re-hashes the cached copy instead of fetching it.
 */
export interface CacheFetchOptions {
  client: NeuroVaultClient;
  /** The cache folder of this server (imageCacheDir). */
  root: string;
  signal?: AbortSignal;
  retries?: number;
  retryBaseMs?: number;
  /** Makes the progress of the one file once its size is known (the CLI shows a bar); its `note` gets the notices. */
  progress?: (expect: { files: number; bytes?: number }) => Progress;
}

export async function fetchToCache(ref: ImageRef, input: string, opts: CacheFetchOptions): Promise<CachedImage> {
  const api = opts.client;
  const signal = opts.signal ?? new AbortController().signal;
  const plan = await buildPlan(api, [{ kind: 'image', ref, input }], {
    where: [],
    signal,
    findByDoi: () => Promise.resolve([]),
  });
  const unavailable = plan.unavailable[0];
  if (unavailable) throw new NotFoundError(`image ${unavailable.id}: ${unavailable.reason}`);
  const item = plan.items[0];
  if (!item) throw new NotFoundError(`image "${input}" was not found`);

  const sink = new LocalSink(opts.root);
  const previous = parseManifest(await sink.readText(MANIFEST_FILE)).entries;
  for (const c of plan.collections.values()) await sink.writeText(c.path, `${JSON.stringify(c.metadata, null, 2)}\n`);
  const progress = opts.progress?.({ files: 1, bytes: item.expect.bytes }) ?? silentProgress();
  try {
    const outcome = await runEngine([item], {
      transport: api.transport,
      sink,
      concurrency: 1,
      force: false,
      retries: opts.retries ?? 4,
      backoff: { baseMs: opts.retryBaseMs ?? 300, maxMs: 20_000 },
      breakerThreshold: DEFAULT_BREAKER_THRESHOLD,
      signal,
      previous,
      progress,
      warn: (m) => progress.note(`neurovault: ${m}`),
    });
    if (outcome.interrupted) throw signal.reason;
    const failure = outcome.failures[0];
    if (failure) {
      const message = `image ${item.id}: ${failure.reason}`;
      throw failure.integrity ? new IntegrityError(message) : new CliError(message, { exitCode: ExitCode.failure });
    }
    if (outcome.serverDown !== undefined) throw new CliError(`the server appears to be down: ${outcome.serverDown}`);
  } finally {
    progress.stop();
  }
  return { path: sink.resolvePath(item.path), metadata: item.metadata };
}
