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
  // Listed first, so it sits next to the connection and the decompressor never sees a 1xx.
  return agent.compose(skipInterimResponses, interceptor);
}

/**
 * Drops 1xx interim answers (103 Early Hints from a CDN, 102 Processing) before the final one. undici's
 * decompress handler passes a 1xx on as the response start and then asserts on the real one
 * (`ERR_ASSERTION: false == true`, undici 7.x on every Node); plain request() ignores them, so this does
 * the same one layer lower. 101 (an upgrade) comes through onRequestUpgrade and is not touched.
 */
function skipInterimResponses(dispatch: Dispatcher['dispatch']): Dispatcher['dispatch'] {
  return (opts, handler) => {
    const h = handler as Dispatcher.DispatchHandler;
    return dispatch(opts, {
      onRequestStart: (controller, context) => h.onRequestStart?.(controller, context),
      onRequestUpgrade: (controller, status, headers, socket) => h.onRequestUpgrade?.(controller, status, headers, socket),
      onResponseStart: (controller, status, headers, message) => {
        if (status >= 200) h.onResponseStart?.(controller, status, headers, message);
      },
      onResponseData: (controller, chunk) => h.onResponseData?.(controller, chunk),
      onResponseEnd: (controller, trailers) => h.onResponseEnd?.(controller, trailers),
      onResponseError: (controller, err) => h.onResponseError?.(controller, err),
    });
  };
}

export const GZIP_REQUEST_HEADERS = { 'accept-encoding': 'gzip' } as const;
