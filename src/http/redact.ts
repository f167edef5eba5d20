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

/** Removes a secret from any text about to be shown, as a last line of defence. */
export function redactSecret(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text;
  return text.split(secret).join('***');
}
