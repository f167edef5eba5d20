import { setTimeout as sleep } from 'node:timers/promises';

/**
 * State shared by all download workers so they behave as one polite client: a circuit breaker that
 * opens after `threshold` consecutive transient failures (any worker's; one success closes the count),
 * and a common pause when the server sends 429 + Retry-After, so one worker's "slow down" holds the others
 * too instead of letting them keep hammering a small server.
 */
export class Breaker {
  private consecutive = 0;
  private resumeAt = 0;
  lastFailure?: string;

  constructor(readonly threshold: number) {}

  get open(): boolean {
    return this.consecutive >= this.threshold;
  }

  get failures(): number {
    return this.consecutive;
  }

  success(): void {
    if (!this.open) this.consecutive = 0;
  }

  failure(reason: string): void {
    this.consecutive++;
    this.lastFailure = reason;
  }

  /** Holds every worker's next request until `ms` from now. */
  pause(ms: number): void {
    this.resumeAt = Math.max(this.resumeAt, Date.now() + ms);
  }

  /** Waits out a shared pause, if any. */
  async ready(signal?: AbortSignal): Promise<void> {
    const wait = this.resumeAt - Date.now();
    if (wait > 0) await sleep(wait, undefined, { signal });
  }
}

/** Thrown by a worker when the breaker is open; the engine turns it into one "server appears to be down". */
export class BreakerOpenError extends Error {
  constructor() {
    super('stopped: the server appears to be down');
    this.name = 'BreakerOpenError';
  }
}
