/** Counts requests in flight across every transfer of a run, so parts of many files share one bound. */
export class Semaphore {
  private free: number;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiters.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next();
      else this.free++;
    };
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/**
 * Runs `fn` over items pulled lazily from `items`, at most `slots.size` at once. A slot is taken before
 * the next item is pulled, so a chunker feeding this holds at most that many chunks. On the first
 * failure nothing new starts, the running ones finish, then that failure is thrown.
 */
export async function forEachBounded<T>(
  items: Iterable<T> | AsyncIterable<T>,
  slots: Semaphore,
  fn: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const iterator = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : (items as Iterable<T>)[Symbol.iterator]();
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  try {
    while (!failure && !signal?.aborted) {
      const release = await slots.acquire();
      if (failure || signal?.aborted) {
        release();
        break;
      }
      let next: IteratorResult<T>;
      try {
        next = await iterator.next();
      } catch (err) {
        release();
        failure ??= { error: err };
        break;
      }
      if (next.done) {
        release();
        break;
      }
      const task: Promise<void> = fn(next.value)
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => {
          release();
          running.delete(task);
        });
      running.add(task);
    }
  } finally {
    await Promise.all(running);
    if (failure) await iterator.return?.();
  }
  if (failure) throw failure.error;
  signal?.throwIfAborted();
}
