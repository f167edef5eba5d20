declare module 'jq-web' {
  /** jq compiled to WebAssembly; `raw` runs `jq <flags> <filter>` over `input` and returns its stdout (last newline dropped). */
  export interface Jq {
    raw(input: string, filter: string, flags?: string[]): string;
  }
  const jq: Promise<Jq>;
  export default jq;
}
