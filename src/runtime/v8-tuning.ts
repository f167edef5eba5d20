import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * V8 settings for every command that talks HTTP, imported by the transport before it loads undici,
 * because they must precede the work they shape. Each was measured on Node 20 with bench/s3-bench.mjs:
 * - undici parses HTTP in WebAssembly, and V8 re-compiles that module with TurboFan in the background;
 *   at exit the process waits ~150 ms for the job. Baseline (Liftoff) code parses headers fast enough.
 * - A transfer allocates mostly short-lived buffers and request objects. Left alone, V8 grows the young
 *   generation to 2 × 16 MiB; kept near its start size it is collected more often (cheap, since little
 *   survives). Of the heap-size flags only this one still works after start-up.
 * - Body chunks live outside the JS heap, and V8 only counts them toward a collection after ~64 MiB of
 *   them; streaming 200 MiB thus held 40–60 MiB of dead chunks. A young-generation collection every
 *   8 MiB moved (~1 ms each) frees them and keeps peak RSS at aws-cli's level.
 */
setFlagsFromString('--liftoff-only');
setFlagsFromString('--semi-space-growth-factor=1');

const COLLECT_EVERY = 8 * 1024 * 1024;
let sinceCollect = 0;
let collect: ((opts: { type: 'minor' | 'major' }) => void) | undefined;
try {
  // `gc` is only exposed to contexts created after the flag is set, hence the fresh context.
  setFlagsFromString('--expose-gc');
  collect = runInNewContext('gc') as typeof collect;
} catch {
  collect = undefined;
}

/** Counts body bytes moved; every 8 MiB, frees the chunks already written (see above). */
export function noteBytesMoved(n: number): void {
  sinceCollect += n;
  if (sinceCollect < COLLECT_EVERY || !collect) return;
  sinceCollect = 0;
  collect({ type: 'minor' });
}
