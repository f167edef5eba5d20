import { OfflineError } from '../errors.js';

/**
 * Commands that cannot do anything without the network. In offline mode they stop before their action
 * runs (before credentials are looked up or a folder is made), so the user reads "offline", not a
 * side effect of it. Others (download from a lock, search, verify, view of a local file) run and stop only
 * if they come to need a request: Context refuses to build a transport, and the transport refuses to send.
 */
const NETWORK_ONLY = new Set([
  'collections list',
  'collections get',
  'collections create',
  'images get',
  'images upload',
  'auth login',
  'auth status',
  'catalog sync',
  's3 mb',
  's3 ls',
  's3 cp',
]);

export function needsNetworkError(command: string | undefined): OfflineError {
  return new OfflineError(`${command ?? 'this command'}: needs the network, and offline mode is on (--offline / NEUROVAULT_OFFLINE); nothing was sent`);
}

/** The early check (program.ts, before the action). */
export function refuseOfflineCommand(command: string): void {
  if (NETWORK_ONLY.has(command)) throw needsNetworkError(command);
}
