// Types for the three undici modules the CLI loads by path instead of the package index (see
// transport.ts): undici has no `exports` map, so these files are reachable, but it ships no types for them.
declare module 'undici/lib/dispatcher/agent.js' {
  import { Agent } from 'undici';
  export default Agent;
}

declare module 'undici/lib/api/api-request.js' {
  import type { Dispatcher } from 'undici';
  export default function request(this: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData>;
}

declare module 'undici/lib/web/fetch/formdata.js' {
  import type { FormData } from 'undici';
  const mod: { FormData: typeof FormData };
  export default mod;
}

declare module 'undici/lib/interceptor/decompress.js' {
  import type { Dispatcher } from 'undici';
  export default function createDecompressInterceptor(options?: {
    maxSize?: number;
    skipErrorResponses?: boolean;
    skipStatusCodes?: readonly number[];
  }): Dispatcher.DispatcherComposeInterceptor;
}
