import { quoted } from '../util/terminal-text.js';
import { nestedDeeperThan } from './json-depth.js';

/**
 * Turns the bodies NeuroVault really sends on errors into one line (API.md §7.5). Every piece of server text
 * is quoted (one line, at most 200 characters): a hostile body must not become a 60 KB message.
 */
export function describeErrorBody(
  text: string,
  contentType: string,
  status: number,
): { detail?: string; fieldErrors?: string[] } {
  const trimmed = text.trim();
  if (/json/i.test(contentType) || /^[[{"]/.test(trimmed)) {
    try {
      const body: unknown = JSON.parse(trimmed);
      // Described by walking it (JSON.stringify recurses): a hostile nesting is described as text instead.
      if (!nestedDeeperThan(body)) return describeJson(body);
    } catch {
      // fall through: a body that only looks like JSON is described as text
    }
  }
  if (/html/i.test(contentType) || /^<(!doctype|html)/i.test(trimmed)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(trimmed)?.[1] ?? /<h1[^>]*>([^<]*)<\/h1>/i.exec(trimmed)?.[1];
    const what = title ? `"${quoted(title)}"` : `HTTP ${status}`;
    return { detail: `the server sent an HTML error page (${what}), not JSON` };
  }
  if (trimmed === '') return {};
  return { detail: quoted(trimmed) };
}

function describeJson(body: unknown): { detail?: string; fieldErrors?: string[] } {
  // Atlas query endpoints answer with a bare JSON string.
  if (typeof body === 'string') return { detail: quoted(body) };
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { detail: quoted(JSON.stringify(body)) };
  const obj = body as Record<string, unknown>;
  if (typeof obj.detail === 'string') return { detail: quoted(obj.detail) };
  // DRF validation: {"field": ["msg", …], "non_field_errors": [...]}
  const fieldErrors: string[] = [];
  for (const [field, value] of Object.entries(obj)) {
    const messages = Array.isArray(value) ? value.map(String) : [typeof value === 'string' ? value : JSON.stringify(value)];
    for (const m of messages) fieldErrors.push(quoted(field === 'non_field_errors' ? m : `${field}: ${m}`));
    // A real 400 names a handful of fields; a hostile one is not allowed to name thousands.
    if (fieldErrors.length >= MAX_FIELD_ERRORS) break;
  }
  return { fieldErrors: fieldErrors.slice(0, MAX_FIELD_ERRORS) };
}

const MAX_FIELD_ERRORS = 20;
