import { setImmediate as nextTurn } from 'node:timers/promises';

/** Time between yields to the event loop, so a signal handler runs well within a second of Ctrl-C. */
const SLICE_MS = 50;

/**
 * Returns a function to call between steps of CPU work: it gives the event loop a turn (signal
 * handlers run there) at most every SLICE_MS, then throws if the signal was aborted meanwhile.
 */
export function yieldEvery(signal: AbortSignal): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last >= SLICE_MS) {
      await nextTurn();
      last = performance.now();
    }
    signal.throwIfAborted();
  };
}
