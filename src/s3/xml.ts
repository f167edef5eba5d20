/**
 * Just enough XML for S3's responses (no attributes, no mixed content), so the s3 path loads no parser
 * package. Namespaces are ignored: s3rver and S3 disagree on theirs.
 *
 * A hand scanner rather than a tokenizing regex: every step moves forward with indexOf, so any input is
 * read in linear time (a regex with a lazy tag pattern went cubic on a body of stray "<", and a body from
 * the server is anything the server likes). Callers cap the body's size before it gets here.
 */
export interface XmlElement {
  name: string;
  text: string;
  children: XmlElement[];
}

/** The server's XML is broken; the message says how, in our words (never quoting the body). */
export class MalformedXmlError extends Error {}

/** Far above any S3 answer (a 1000-key listing has ~8000 elements), far below what would exhaust memory. */
const MAX_ELEMENTS = 200_000;

export function parseXml(text: string): XmlElement | undefined {
  const root: XmlElement = { name: '#document', text: '', children: [] };
  const stack: XmlElement[] = [root];
  let elements = 0;
  let i = 0;
  const endOf = (from: number, terminator: string, what: string): number => {
    const at = text.indexOf(terminator, from);
    if (at < 0) throw new MalformedXmlError(`unterminated ${what} at offset ${from}`);
    return at;
  };
  while (i < text.length) {
    const top = stack[stack.length - 1]!;
    const lt = text.indexOf('<', i);
    if (lt < 0 || lt > i) {
      const end = lt < 0 ? text.length : lt;
      if (stack.length > 1) top.text += decodeEntities(text.slice(i, end));
      i = end;
      continue;
    }
    if (text.startsWith('<![CDATA[', i)) {
      const end = endOf(i + 9, ']]>', 'CDATA section');
      top.text += text.slice(i + 9, end);
      i = end + 3;
    } else if (text.startsWith('<!--', i)) {
      i = endOf(i + 4, '-->', 'comment') + 3;
    } else if (text[i + 1] === '?' || text[i + 1] === '!') {
      i = endOf(i + 2, '>', 'declaration') + 1;
    } else {
      const end = endOf(i + 1, '>', 'tag');
      const closing = text[i + 1] === '/';
      const selfClosing = !closing && text[end - 1] === '/';
      const inner = text.slice(closing ? i + 2 : i + 1, selfClosing ? end - 1 : end);
      const name = localName(/^[^\s/]*/.exec(inner)![0]);
      if (name === '') throw new MalformedXmlError(`a tag without a name at offset ${i}`);
      if (closing) {
        if (stack.length === 1 || top.name !== name) throw new MalformedXmlError(`a stray closing tag at offset ${i}`);
        stack.pop();
      } else {
        if (++elements > MAX_ELEMENTS) throw new MalformedXmlError(`more than ${MAX_ELEMENTS} elements`);
        const el: XmlElement = { name, text: '', children: [] };
        top.children.push(el);
        if (!selfClosing) stack.push(el);
      }
      i = end + 1;
    }
  }
  if (stack.length > 1) throw new MalformedXmlError(`the document ends inside <${stack[stack.length - 1]!.name}>`);
  return root.children[0];
}

export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

export function children(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** Text of a direct child, or undefined when it is absent. */
export function childText(el: XmlElement | undefined, name: string): string | undefined {
  const c = child(el, name);
  return c === undefined ? undefined : c.text;
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]!};`);
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  // Bounded repetitions: each "&" is looked at over at most a dozen characters, so this stays linear.
  return s.replace(/&(#x[0-9a-fA-F]{1,8}|#\d{1,8}|[a-z]{1,8});/g, (whole, ent: string) => {
    if (ent[0] === '#') {
      const code = ent[1] === 'x' ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ent] ?? whole;
  });
}
