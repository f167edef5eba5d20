import type { Transport, TransportOptions } from '../http/transport.js';
import type { NeuroVaultClient } from '../api/client.js';
import type { IO } from '../output/io.js';
import type { GlobalOptions } from './globals.js';
import type { TokenSource } from '../config.js';
import { rememberSecret } from '../http/redact.js';
import { terminalLine } from '../util/terminal-text.js';
import type { RetryInfo } from '../output/progress-render.js';

/**
 * What commands get: streams, env, validated globals and lazily built clients (gh's Factory), so
 * `--help` and usage errors never read config or open a socket.
 */
export class Context {
  private globalOptions?: GlobalOptions;
  private transportPromise?: Promise<Transport>;
  private apiPromise?: Promise<NeuroVaultClient>;
  tokenSource: TokenSource = 'none';
  private readonly closers: (() => Promise<void>)[] = [];
  /** The live progress line while one is up (src/output/progress-wait.ts): notices and retries go through it. */
  live?: { note(line: string): void; retry(info: RetryInfo): void };

  constructor(
    readonly io: IO,
    readonly env: NodeJS.ProcessEnv,
    /** Aborted on SIGINT/SIGTERM; long-running work stops at the next safe point. */
    readonly signal: AbortSignal,
    readonly version: string,
  ) {}

  get globals(): GlobalOptions {
    if (!this.globalOptions) throw new Error('global options read before parsing');
    return this.globalOptions;
  }

  set globals(value: GlobalOptions) {
    this.globalOptions = value;
    if (!value.pager) this.io.pager = undefined;
  }

  get userAgent(): string {
    return `neurovault-cli/${this.version}`;
  }

  /**
   * The one way a message reaches stderr: every notice, warning, error, hint and -v line can quote server
   * or user text, so each is made one safe line (redacted, control characters escaped, cut: terminalLine).
   */
  printLine(text: string): void {
    const line = terminalLine(text);
    // Above the live progress line when one is showing, never through it.
    if (this.live) this.live.note(line);
    else this.io.stderr.write(`${line}\n`);
  }

  /** Redacted request log on stderr with -v. */
  log = (line: string): void => {
    if (!this.globalOptions?.verbose) return;
    this.printLine(`neurovault: ${line}`);
  };

  /** Registers cleanup (agents, temp files) that main runs once the command ends. */
  onClose(fn: () => Promise<void>): void {
    this.closers.push(fn);
  }

  /** First retry delay from NEUROVAULT_RETRY_BASE_MS (tests shrink it); undefined keeps the default. */
  get retryBaseMs(): number | undefined {
    const raw = this.env.NEUROVAULT_RETRY_BASE_MS;
    const value = Number(raw);
    return raw !== undefined && raw !== '' && Number.isFinite(value) && value >= 0 ? value : undefined;
  }

  /** NEUROVAULT_LOCK_WAIT_MS shortens the wait for a manifest lock for tests, as NEUROVAULT_RETRY_BASE_MS does the backoff. */
  get lockWaitMs(): number | undefined {
    return Number(this.env.NEUROVAULT_LOCK_WAIT_MS) || undefined;
  }

  /**
   * A transport with this run's timeouts, retries, user agent and log; closed when the command ends.
   * The API, a token check before it is saved, and S3 each get one (never sharing credentials).
   */
  async newTransport(options: Pick<TransportOptions, 'baseUrl'> & Partial<TransportOptions>): Promise<Transport> {
    const g = this.globals;
    // A command that turns out to need the network stops here, before its first request is even built.
    if (g.offline) throw await this.offlineError();
    const { Transport } = await import('../http/transport.js');
    rememberSecret(options.token);
    const transport = new Transport({
      authScheme: g.authScheme,
      timeoutMs: g.timeoutMs,
      retries: g.retries,
      userAgent: this.userAgent,
      retryBaseMs: this.retryBaseMs,
      // No logger at all unless -v: building and redacting two lines per request is measurable in bulk.
      log: g.verbose ? this.log : undefined,
      // On a terminal a wait is never silent: the live line says why, else a notice does (its wording
      // is loaded only then, to keep it out of every start-up).
      onRetry: g.progress
        ? (info) => {
            if (this.live) this.live.retry(info);
            else void import('../output/progress-render.js').then((m) => this.warn(m.describeRetry(info, g.retries)));
          }
        : undefined,
      ...options,
      offline: g.offline,
    });
    this.onClose(() => transport.close());
    return transport;
  }

  transport(): Promise<Transport> {
    this.transportPromise ??= (async () => {
      const { resolveToken } = await import('../config.js');
      const g = this.globals;
      const { token, source } = await resolveToken(this.env, g.tokenFile, g.baseUrl);
      this.tokenSource = source;
      return this.newTransport({ baseUrl: g.baseUrl, token });
    })();
    return this.transportPromise;
  }

  api(): Promise<NeuroVaultClient> {
    this.apiPromise ??= (async () => {
      const [{ NeuroVaultClient }, transport] = await Promise.all([import('../api/client.js'), this.transport()]);
      return new NeuroVaultClient(transport, this.globals.baseUrl, { warn: (m) => this.warn(m) });
    })();
    return this.apiPromise;
  }

  /** Set by the program before an action runs: the command's words (`collections list`), for messages. */
  commandName?: string;

  private async offlineError(): Promise<Error> {
    const { needsNetworkError } = await import('./offline.js');
    return needsNetworkError(this.commandName);
  }

  /** A notice for the user on stderr (never data). */
  warn(message: string): void {
    this.printLine(`neurovault: ${message}`);
  }

  async close(): Promise<void> {
    for (const fn of this.closers.splice(0).reverse()) {
      await fn().catch(() => undefined);
    }
  }
}
