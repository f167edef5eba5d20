/** Exit codes are a contract with scripts (SPEC "Exit codes"); only main turns them into process.exitCode. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  auth: 3,
  notFound: 4,
  integrity: 5,
  offline: 6,
  interrupted: 130,
  terminated: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface CliErrorOptions {
  exitCode?: number;
  hint?: string;
  cause?: unknown;
}

/** An error meant for the user: printed as one line (plus a hint), never with a stack unless --verbose. */
export class CliError extends Error {
  readonly exitCode: number;
  readonly hint?: string;
  constructor(message: string, options: CliErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? ExitCode.failure;
    this.hint = options.hint;
  }
}

/** Bad flags or input, detected before any request (exit 2). */
export class UsageError extends CliError {
  constructor(message: string, options: Omit<CliErrorOptions, 'exitCode'> = {}) {
    super(message, { ...options, exitCode: ExitCode.usage });
  }
}

export class AuthError extends CliError {
  constructor(message: string, options: Omit<CliErrorOptions, 'exitCode'> = {}) {
    super(message, { ...options, exitCode: ExitCode.auth });
  }
}

export class NotFoundError extends CliError {
  constructor(message: string, options: Omit<CliErrorOptions, 'exitCode'> = {}) {
    super(message, { ...options, exitCode: ExitCode.notFound });
  }
}

export class IntegrityError extends CliError {
  constructor(message: string, options: Omit<CliErrorOptions, 'exitCode'> = {}) {
    super(message, { ...options, exitCode: ExitCode.integrity });
  }
}

/**
 * Offline mode (`--offline`, `NEUROVAULT_OFFLINE=1`) and the work needs the network: refused before any
 * connection is opened (exit 6), so a CI step never half-tries a server it was told not to reach.
 */
export class OfflineError extends CliError {
  constructor(message: string, options: Omit<CliErrorOptions, 'exitCode'> = {}) {
    super(message, { hint: 'drop --offline and unset NEUROVAULT_OFFLINE to let it connect', ...options, exitCode: ExitCode.offline });
  }
}

/** Raised when SIGINT/SIGTERM stopped the work; main maps it to 130/143. */
export class InterruptedError extends CliError {
  constructor(signal: 'SIGINT' | 'SIGTERM' = 'SIGINT') {
    super(`interrupted by ${signal}`, {
      exitCode: signal === 'SIGINT' ? ExitCode.interrupted : ExitCode.terminated,
    });
  }
}

/** Some items of a batch failed; each was already reported, so main prints only the summary. */
export class PartialFailureError extends CliError {
  constructor(message: string, exitCode: number = ExitCode.failure) {
    super(message, { exitCode });
  }
}
