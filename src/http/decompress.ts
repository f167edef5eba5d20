import type { Dispatcher } from 'undici';
import createDecompressInterceptor from 'undici/lib/interceptor/decompress.js';
import { withoutWarnings } from '../runtime/quiet-warning.js';

/**
 * Largest decoded API body accepted. A page of 1000 images is ~3 MB of JSON; anything past this is a
 * gzip bomb (a few KB that inflate to gigabytes) and fails the request instead of exhausting memory.
 */
export const MAX_DECODED_BYTES = 64 * 1024 * 1024;

/** undici's error code when the decoded body passes the cap. */
export const DECODED_TOO_LARGE = 'UND_ERR_RES_EXCEEDED_MAX_SIZE';

/**
 * The dispatcher for API JSON requests: asks for gzip (nginx compresses JSON ~5x) and decodes it with
 * undici's own interceptor under a size cap. Files never go through it: they stay `identity`, so a
 * `.nii.gz` is stored as the server's bytes.
 */
export function gzipDispatcher(agent: Dispatcher, maxBytes = MAX_DECODED_BYTES): Dispatcher {
  // Error bodies are decoded too: the server's message is read from them.
  const interceptor = withoutWarnings(() => createDecompressInterceptor({ maxSize: maxBytes, skipErrorResponses: false }));
  return agent.compose(interceptor);
}

export const GZIP_REQUEST_HEADERS = { 'accept-encoding': 'gzip' } as const;
