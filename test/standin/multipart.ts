// Streaming multipart/form-data parser. Uploads can be tens of MiB, so the body is never
// collected before parsing: parts are cut out of the stream as it arrives, keeping only a
// delimiter-sized tail between chunks.
import type { IncomingMessage } from 'node:http';

export interface TextField { name: string; value: string }
export interface FilePart { name: string; filename: string; contentType: string; bytes: Buffer }
export interface ParsedForm { fields: TextField[]; files: FilePart[] }

export class MultipartError extends Error {}

export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

interface PartHeaders { name: string; filename?: string; contentType: string }

function parseParams(value: string): Map<string, string> {
  const params = new Map<string, string>();
  const re = /;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    const key = m[1]!.toLowerCase();
    const v = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '').trim();
    params.set(key, v);
  }
  return params;
}

function parsePartHeaders(block: string): PartHeaders {
  let disposition = '';
  let contentType = 'text/plain';
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'content-disposition') disposition = value;
    else if (key === 'content-type') contentType = value;
  }
  const params = parseParams(disposition);
  const name = params.get('name');
  if (name === undefined) throw new MultipartError('Part without a name');
  let filename = params.get('filename');
  const star = params.get('filename*');
  if (star !== undefined) {
    const m = /^[^']*'[^']*'(.*)$/.exec(star);
    try { filename = decodeURIComponent(m ? m[1]! : star); } catch { /* keep plain filename */ }
  }
  return filename === undefined ? { name, contentType } : { name, filename, contentType };
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_HEADER_BYTES = 16 * 1024;

export class MultipartParser {
  private buf: Buffer = CRLF; // pretend a CRLF precedes the body so the first boundary matches the delimiter
  private state: 'preamble' | 'afterDelimiter' | 'headers' | 'body' | 'done' = 'preamble';
  private readonly delimiter: Buffer;
  private current: { headers: PartHeaders; chunks: Buffer[] } | undefined;
  readonly form: ParsedForm = { fields: [], files: [] };

  constructor(boundary: string) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  }

  write(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    this.run();
  }

  end(): ParsedForm {
    if (this.state !== 'done') throw new MultipartError('Unexpected end of multipart body');
    return this.form;
  }

  private run(): void {
    for (;;) {
      switch (this.state) {
        case 'preamble': {
          const i = this.buf.indexOf(this.delimiter);
          if (i < 0) { this.keepTail(); return; }
          this.buf = this.buf.subarray(i + this.delimiter.length);
          this.state = 'afterDelimiter';
          break;
        }
        case 'afterDelimiter': {
          if (this.buf.length < 2) return;
          if (this.buf[0] === 0x2d && this.buf[1] === 0x2d) { this.state = 'done'; this.buf = Buffer.alloc(0); return; }
          const j = this.buf.indexOf(CRLF);
          if (j < 0) { if (this.buf.length > 256) throw new MultipartError('Invalid boundary line'); return; }
          this.buf = this.buf.subarray(j + 2);
          this.state = 'headers';
          break;
        }
        case 'headers': {
          let end: number;
          let skip: number;
          if (this.buf.length >= 2 && this.buf[0] === 0x0d && this.buf[1] === 0x0a) { end = 0; skip = 2; }
          else {
            end = this.buf.indexOf(HEADER_END);
            skip = 4;
            if (end < 0) { if (this.buf.length > MAX_HEADER_BYTES) throw new MultipartError('Part headers too large'); return; }
          }
          const headers = parsePartHeaders(this.buf.subarray(0, end).toString('utf8'));
          this.current = { headers, chunks: [] };
          this.buf = this.buf.subarray(end + skip);
          this.state = 'body';
          break;
        }
        case 'body': {
          const i = this.buf.indexOf(this.delimiter);
          if (i < 0) {
            const keep = this.delimiter.length - 1;
            if (this.buf.length > keep) {
              this.current!.chunks.push(this.buf.subarray(0, this.buf.length - keep));
              this.buf = this.buf.subarray(this.buf.length - keep);
            }
            return;
          }
          if (i > 0) this.current!.chunks.push(this.buf.subarray(0, i));
          this.finishPart();
          this.buf = this.buf.subarray(i + this.delimiter.length);
          this.state = 'afterDelimiter';
          break;
        }
        case 'done':
          this.buf = Buffer.alloc(0);
          return;
      }
    }
  }

  private keepTail(): void {
    const keep = this.delimiter.length - 1;
    if (this.buf.length > keep) this.buf = this.buf.subarray(this.buf.length - keep);
  }

  private finishPart(): void {
    const { headers, chunks } = this.current!;
    this.current = undefined;
    const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    if (headers.filename !== undefined) {
      this.form.files.push({ name: headers.name, filename: headers.filename, contentType: headers.contentType, bytes });
    } else {
      this.form.fields.push({ name: headers.name, value: bytes.toString('utf8') });
    }
  }
}

export async function readMultipart(req: IncomingMessage, boundary: string): Promise<ParsedForm> {
  const parser = new MultipartParser(boundary);
  let failure: unknown;
  // keep draining after a parse error: abandoning the stream would kill the socket before the 400 is sent
  for await (const chunk of req) {
    if (failure === undefined) {
      try { parser.write(chunk as Buffer); } catch (e) { failure = e; }
    }
  }
  if (failure !== undefined) throw failure;
  return parser.end();
}
