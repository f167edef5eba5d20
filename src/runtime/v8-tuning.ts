import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Memory settings for every command that talks HTTP, imported by the transport before it loads undici,
 * because they must precede the work they shape. Re-measured on Node 20, 22 and 24 (peak RSS through
 * /usr/bin/time; figures in the README, "Node versions"); each stays only where it still pays:
 * - Node 20 and 22: V8 re-compiles undici's WebAssembly HTTP parser with TurboFan in the background;
 *   on Node 20 that adds ~35 MiB of peak RSS and ~0.1 s (the wait for the job at exit) to every command
 *   that makes a request, on Node 22 10–20 MiB to long transfers. `--liftoff-only` keeps the baseline
 *   code, fast enough for headers. It only decides how WebAssembly is compiled and is set before the
 *   first module is. On Node 24 (V8 13) setting it at run time measurably changes nothing, and Node warns
 *   against flags changed after start-up, so it is not set there: the transfer commands get it at start-up
 *   instead (restart.ts).
 * - Body chunks live outside the JS heap, and V8 only counts them toward a collection after ~64 MiB of
 *   them; streaming 200 MiB thus held 30–50 MiB of dead chunks (on Node 24 up to 150 MiB peak instead
 *   of ~110). A young-generation collection every 8 MiB moved (~1 ms each) frees them. `--expose-gc` only
 *   makes V8 install `gc()` in contexts created later; the heap and the generated code are unchanged.
 * (`--semi-space-growth-factor=1`, once set here, was dropped: beside the collections it saved nothing on
 * Node 20 and 24 and ≤ 8 MiB on Node 22, for a heap setting changed after start-up.)
 */
if (Number(process.versions.node.split('.')[0]) < 24) setFlagsFromString('--liftoff-only');

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
