/** Turns the bodies NeuroVault really sends on errors into one line (API.md §7.5). */
export function describeErrorBody(
  text: string,
  contentType: string,
  status: number,
): { detail?: string; fieldErrors?: string[] } {
  const trimmed = text.trim();
  if (/json/i.test(contentType) || /^[[{"]/.test(trimmed)) {
    try {
      return describeJson(JSON.parse(trimmed));
    } catch {
      // fall through: a body that only looks like JSON is described as text
    }
  }
  if (/html/i.test(contentType) || /^<(!doctype|html)/i.test(trimmed)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(trimmed)?.[1] ?? /<h1[^>]*>([^<]*)<\/h1>/i.exec(trimmed)?.[1];
    const what = title ? `"${collapse(title)}"` : `HTTP ${status}`;
    return { detail: `the server sent an HTML error page (${what}), not JSON` };
  }
  if (trimmed === '') return {};
  return { detail: collapse(trimmed).slice(0, 200) };
}

function describeJson(body: unknown): { detail?: string; fieldErrors?: string[] } {
  // Atlas query endpoints answer with a bare JSON string.
  if (typeof body === 'string') return { detail: body };
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { detail: JSON.stringify(body) };
  const obj = body as Record<string, unknown>;
  if (typeof obj.detail === 'string') return { detail: obj.detail };
  // DRF validation: {"field": ["msg", …], "non_field_errors": [...]}
  const fieldErrors: string[] = [];
  for (const [field, value] of Object.entries(obj)) {
    const messages = Array.isArray(value) ? value.map(String) : [typeof value === 'string' ? value : JSON.stringify(value)];
    for (const m of messages) fieldErrors.push(field === 'non_field_errors' ? m : `${field}: ${m}`);
  }
  return { fieldErrors };
}

function collapse(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
