/** Query parameters that carry credentials (presigned URLs, token-in-query APIs). */
const SECRET_PARAMS = /^(x-amz-signature|x-amz-credential|x-amz-security-token|token|access_token|api_key)$/i;

/** A URL safe to print: no userinfo, no credential-bearing query values. */
export function redactUrl(input: string | URL): string {
  const url = new URL(input);
  if (url.username || url.password) {
    url.username = '';
    url.password = '';
  }
  for (const key of [...url.searchParams.keys()]) {
    if (SECRET_PARAMS.test(key)) url.searchParams.set(key, 'REDACTED');
  }
  return url.toString();
}

/**
 * Every secret this process holds (the API token, AWS secret keys), registered where it is read. The
 * standard streams are wrapped (see redactingStream), so no line the tool prints can carry one, whoever
 * wrote it and whatever a server echoed back.
 */
const secrets = new Set<string>();

/** Shorter values would redact ordinary words; real tokens are 40 characters. */
const MIN_SECRET = 8;

export function rememberSecret(secret: string | undefined): void {
  if (secret && secret.length >= MIN_SECRET) secrets.add(secret);
}

/** Removes every remembered secret from text (cheap when there is none: one indexOf per secret). */
export function redactSecrets(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('***');
  return out;
}

// An echoed header names its own secret even when it is not ours (a token being tried, a proxy's).
const AUTH_HEADER = /(\b(?:proxy-)?authorization\b["']?\s*[:=]\s*["']?)((?:token|bearer|basic|aws4-hmac-sha256)\s+)?([^\s"',;]+)/gi;
/** `<key>`, `<your token>`: our own help text showing the header's form, not a secret. */
const PLACEHOLDER = /^<[a-z][a-z _-]*>$/i;

/** For messages: remembered secrets and any `Authorization: <scheme> <value>` a server echoed. */
export function redactText(text: string): string {
  return redactSecrets(text).replace(AUTH_HEADER, (whole: string, head: string, _scheme: string | undefined, value: string) =>
    PLACEHOLDER.test(value) ? whole : `${head}***`,
  );
}

type Write = (...args: unknown[]) => boolean;

/**
 * The one funnel: a stream whose string writes are redacted before they reach the real one. stdout gets
 * `redactSecrets` only (data stays exact unless it holds our own secret); stderr gets `redactText`.
 * Every other property (isTTY, columns, events) is the real stream's, so spinners and pipes work as before.
 * A library that replaces `write` (spinners do, to clear their line first) sits in front of the funnel
 * (it calls the redacting write it found), never behind it, so nothing bypasses it and nothing loops.
 */
export function redactingStream<T extends NodeJS.WritableStream>(stream: T, redact: (text: string) => string): T {
  const original = stream.write as Write;
  const redacting: Write = (chunk, ...rest) => original.call(stream, typeof chunk === 'string' ? redact(chunk) : chunk, ...rest);
  let write = redacting;
  return new Proxy(stream, {
    get(target, key) {
      if (key === 'write') return write;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
    set(target, key, value) {
      if (key !== 'write') return Reflect.set(target, key, value, target);
      write = typeof value === 'function' ? (value as Write) : redacting;
      return true;
    },
  });
}
