import { CliError, ExitCode } from '../errors.js';
import { HttpError, NetworkError } from '../http/errors.js';
import { MalformedXmlError, childText, parseXml, type XmlElement } from './xml.js';
import { MAX_MESSAGE } from './server-values.js';
import { quoted } from '../util/terminal-text.js';

/**
 * Turns S3's `<Error><Code/><Message/></Error>` into the transport's {code, detail}, keeping a short,
 * printable part of it only. The transport hands over at most 64 KiB, so a long message arrives cut off:
 * then the code and the message's start are still picked out.
 */
export function describeS3Error(text: string, _contentType: string): { detail?: string; code?: string } | undefined {
  if (text.includes('<Error')) {
    try {
      const err = parseXml(text);
      if (err?.name === 'Error') return s3ErrorFields(err);
    } catch (e) {
      if (!(e instanceof MalformedXmlError)) throw e;
      const code = /<Code>([^<]{1,64})<\/Code>/.exec(text)?.[1];
      const message = /<Message>([^<]{1,4096})/.exec(text)?.[1];
      return { code: checkedCode(code), detail: message === undefined ? undefined : quoted(message, MAX_MESSAGE) };
    }
  }
  // Anything else (an HTML page, plain text) the transport describes in at most 200 characters.
  return undefined;
}

/** The code (when it looks like one) and a printable, cut message of an `<Error>`. */
export function s3ErrorFields(err: XmlElement): { code?: string; detail?: string } {
  const message = childText(err, 'Message')?.trim();
  return { code: checkedCode(childText(err, 'Code')), detail: message ? quoted(message, MAX_MESSAGE) : undefined };
}

function checkedCode(code: string | undefined): string | undefined {
  const c = code?.trim();
  return c !== undefined && /^[A-Za-z0-9._-]{1,64}$/.test(c) ? c : undefined;
}

/** An S3 `<Error>` inside a 200 answer (CopyObject, CompleteMultipartUpload do that). */
export class S3EmbeddedError extends CliError {
  constructor(
    readonly code: string,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`, { exitCode: exitCodeForS3(code, 200) });
  }
}

/** An answer the CLI refuses to act on: a broken listing, a size that is no size, a redirect elsewhere. */
export class S3AnswerError extends CliError {
  constructor(problem: string, hint?: string) {
    super(problem, { exitCode: ExitCode.failure, hint });
  }
}

const AUTH_CODES = new Set([
  'AccessDenied',
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'AccountProblem',
  'AllAccessDisabled',
  'RequestTimeTooSkewed',
  'Forbidden',
]);
const NOT_FOUND_CODES = new Set(['NoSuchBucket', 'NoSuchKey', 'NotFound']);

/** SPEC: credentials and permissions → 3, a missing bucket or key → 4, any other S3 failure → 1. */
export function exitCodeForS3(code: string | undefined, status: number): number {
  if ((code && AUTH_CODES.has(code)) || status === 401 || status === 403) return ExitCode.auth;
  if ((code && NOT_FOUND_CODES.has(code)) || status === 404) return ExitCode.notFound;
  return ExitCode.failure;
}

const STATUS_CODES: Record<number, [string, string]> = {
  301: ['PermanentRedirect', 'The bucket is in another region'],
  403: ['Forbidden', 'Forbidden'],
  404: ['NotFound', 'Not Found'],
  405: ['MethodNotAllowed', 'Method Not Allowed'],
  412: ['PreconditionFailed', 'The object changed during the transfer'],
};

export interface FailureContext {
  /** Where the keys came from, e.g. "profile dev in ~/.aws/credentials". */
  credentials: string;
  region: string;
  bucket?: string;
}

/**
 * One line per SPEC, `<action>: <S3 code>: <message>`, with the exit code for the code and a hint that
 * says what to change.
 */
export function s3Failure(action: string, err: unknown, fc: FailureContext): CliError {
  if (err instanceof S3AnswerError) return new CliError(`${action}: ${err.message}`, { exitCode: err.exitCode, hint: err.hint, cause: err });
  if (err instanceof S3EmbeddedError) {
    return new CliError(`${action}: ${err.code}: ${err.detail}`, { exitCode: err.exitCode, hint: hintFor(err.code, fc), cause: err });
  }
  if (err instanceof HttpError) {
    const [fallbackCode, fallbackText] = STATUS_CODES[err.status] ?? [`HTTP${err.status}`, `HTTP ${err.status}`];
    const code = err.code ?? fallbackCode;
    const region = err.headers['x-amz-bucket-region'];
    const hint =
      typeof region === 'string' && /^[a-z0-9-]{1,40}$/.test(region) && region !== fc.region
        ? `the bucket is in region ${region}: add --region ${region}`
        : hintFor(code, fc);
    return new CliError(`${action}: ${code}: ${err.detail ?? fallbackText}`, {
      exitCode: exitCodeForS3(code, err.status),
      hint,
      cause: err,
    });
  }
  if (err instanceof NetworkError) {
    const reason = err.cause instanceof Error ? err.cause.message : err.message;
    return new CliError(`${action}: ${err.code ?? 'NetworkError'}: ${reason}`, {
      exitCode: ExitCode.failure,
      hint: err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' ? 'check --endpoint-url / AWS_ENDPOINT_URL and your network' : err.hint,
      cause: err,
    });
  }
  if (err instanceof CliError) return err;
  const e = err as NodeJS.ErrnoException;
  return new CliError(`${action}: ${e.code ?? 'Error'}: ${e.message ?? String(err)}`, { exitCode: ExitCode.failure, cause: err });
}

function hintFor(code: string, fc: FailureContext): string | undefined {
  switch (code) {
    case 'SignatureDoesNotMatch':
      return `the secret key from ${fc.credentials} does not match its key id; check it, and that --endpoint-url is the right server`;
    case 'InvalidAccessKeyId':
      return `the access key id from ${fc.credentials} is unknown to this endpoint; check it, or pick another --profile`;
    case 'AccessDenied':
    case 'Forbidden':
    case 'AllAccessDisabled':
      return `the credentials from ${fc.credentials} are not allowed to do this; check the bucket policy, or use another --profile`;
    case 'ExpiredToken':
    case 'TokenRefreshRequired':
    case 'InvalidToken':
      return 'the session token has expired; fetch fresh temporary credentials';
    case 'RequestTimeTooSkewed':
      return "this machine's clock is more than 15 minutes off; sync it (e.g. with NTP)";
    case 'NoSuchBucket':
      return fc.bucket ? `create it with: neurovault s3 mb s3://${fc.bucket}` : 'list your buckets with: neurovault s3 ls';
    case 'BucketAlreadyOwnedByYou':
      return 'the bucket exists already and is yours; nothing to do';
    case 'BucketAlreadyExists':
      return 'bucket names are shared by everyone; pick another name (or, if you created it before, it is already there: neurovault s3 ls)';
    case 'AuthorizationHeaderMalformed':
    case 'PermanentRedirect':
      return 'the bucket is in another region: pass --region <region>';
    default:
      return undefined;
  }
}
