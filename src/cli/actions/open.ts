import { spawn } from 'node:child_process';
import type { Context } from '../context.js';
import { pageUrl, type PageTarget } from '../../api/pages.js';
import { bareDoi, normalizeDoi, tryCollectionRef, tryImageRef } from '../../api/refs.js';
import { NotFoundError, UsageError } from '../../errors.js';
import { Output } from '../../output/format.js';

/**
 * Opens a NeuroVault page in the browser: `$BROWSER` when set, else `open` (macOS), `start` (Windows) or
 * `xdg-open` with a display. With no display (ssh, CI) or no opener, the URL is printed on stdout instead.
 */
export async function openPage(ctx: Context, target: PageTarget): Promise<void> {
  const url = pageUrl(ctx.globals.baseUrl, target);
  const opener = browserCommand(ctx.env, process.platform);
  if (opener && (await launch(opener, url))) {
    if (!ctx.globals.quiet) ctx.warn(`opening ${url} in your browser`);
    return;
  }
  const out = new Output(ctx.io.stdout);
  if (await out.write(`${url}\n`)) await out.flush();
}

/** `open <ref>`: a collection (id, `collection:<id>`, token, URL, DOI) or an image (`image:<id>`, TOKEN-id, URL). */
export async function runOpen(ref: string, ctx: Context): Promise<void> {
  const s = ref.trim();
  const image = /^image:/i.test(s) ? tryImageRef(s.slice(6)) : /^https?:.*\/images\/|^[A-Z]{8}-\d+$/.test(s) ? tryImageRef(s) : undefined;
  if (image) return openPage(ctx, { kind: 'image', ref: image });
  const collection = tryCollectionRef(s.replace(/^collection:/i, ''));
  if (collection) return openPage(ctx, { kind: 'collection', ref: collection });
  const doi = bareDoi(s);
  if (doi) {
    const { findCollectionsByDoi } = await import('../doi-lookup.js');
    const found = await findCollectionsByDoi(normalizeDoi(doi)!, ctx);
    if (found.length === 0) throw new NotFoundError(`no collection has DOI ${doi}`);
    for (const c of found) await openPage(ctx, { kind: 'collection', ref: { kind: 'id', id: Number(c.id) } });
    return;
  }
  throw new UsageError(`invalid reference "${ref}": expected a collection id, image:<id>, a DOI, a private token or a NeuroVault URL`);
}

/** The command and leading arguments that open a URL here, or undefined when there is no browser to open. */
export function browserCommand(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string[] | undefined {
  if (env.BROWSER) return [env.BROWSER];
  if (platform === 'darwin') return ['open'];
  if (platform === 'win32') return ['cmd', '/c', 'start', '""'];
  return env.DISPLAY || env.WAYLAND_DISPLAY ? ['xdg-open'] : undefined;
}

// The browser outlives us: detached, no stdio, not waited for; only a failure to start it counts.
function launch(command: string[], url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command[0]!, [...command.slice(1), url], { detached: true, stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}
