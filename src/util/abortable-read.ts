/**
 * The chunks of a stream, each read also ending on `signal` (rejecting with its reason). An idle pipe —
 * `s3 cp -` or `auth login --with-token` fed by a command that has not written yet — must not hold Ctrl-C
 * until it closes. When the loop ends early the stream is destroyed: an async generator's `return` would
 * wait for the pending read, and an open pipe keeps the process alive.
 */
export async function* untilAborted<T>(input: AsyncIterable<T>, signal?: AbortSignal): AsyncGenerator<T> {
  const chunks = input[Symbol.asyncIterator]();
  const aborted = new Promise<never>((_, reject) => {
    if (signal?.aborted) reject(signal.reason);
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => undefined);
  let ended = false;
  try {
    for (;;) {
      const next = await Promise.race([chunks.next(), aborted]);
      if (next.done) {
        ended = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!ended) {
      const stream = input as { destroy?: () => void };
      if (typeof stream.destroy === 'function') stream.destroy();
      else chunks.return?.().catch(() => undefined);
    }
  }
}
