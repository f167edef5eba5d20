import { CliError, ExitCode } from '../errors.js';

/** Node's reasons (`EACCES: permission denied, stat '/data/nv'`) in the words a user would use. */
const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large for the file system',
  EISDIR: 'is a folder',
  ENOTDIR: 'not a folder',
  ENOENT: 'no such file or folder',
  EEXIST: 'already exists',
  ENOTEMPTY: 'folder not empty',
  ELOOP: 'too many symbolic links (a loop?)',
  EMLINK: 'too many links',
  ENAMETOOLONG: 'name too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files on the system',
  EBUSY: 'busy',
  ETXTBSY: 'busy',
  EXDEV: 'on another file system',
  EIO: 'input/output error',
  ENXIO: 'no such device',
  ENODEV: 'no such device',
  ESTALE: 'stale file handle (network file system)',
};

/** What was being done, by system call. */
const ACTIONS: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  rename: 'write',
  copyfile: 'write',
  mkdir: 'create the folder',
  rmdir: 'remove',
  unlink: 'remove',
  scandir: 'list',
  opendir: 'list',
  stat: 'access',
  lstat: 'access',
  access: 'access',
  utime: 'update',
  chmod: 'update',
};

export type FsAction = 'read' | 'write' | 'create' | 'create the folder' | 'open' | 'access' | 'list' | 'remove' | 'update';

/** A file-system failure in words: `cannot write /data/nv: permission denied` (exit 1, or 2 for a bad argument). */
export class FileSystemError extends CliError {
  constructor(
    readonly path: string,
    readonly action: string,
    readonly reason: string,
    readonly code: string | undefined,
    options: { exitCode?: number; cause?: unknown; hint?: string } = {},
  ) {
    super(`cannot ${action} ${path}: ${reason}`, { exitCode: options.exitCode ?? ExitCode.failure, cause: options.cause, hint: options.hint });
  }
}

/** Node's error from an fs call (it has an `E…` code and the system call's name). */
export function isErrno(err: unknown): err is NodeJS.ErrnoException & { code: string; dest?: string } {
  const e = err as NodeJS.ErrnoException | undefined;
  return err instanceof Error && typeof e?.code === 'string' && /^E[A-Z0-9]+$/.test(e.code) && typeof e.syscall === 'string';
}

/** The user's words for an errno code; the code itself for one we have no words for. */
export function fsReason(code: string | undefined): string {
  return (code && REASONS[code]) ?? (code ? code.toLowerCase() : 'failed');
}

/**
 * A FileSystemError for Node's fs error, naming `path` when the caller knows the name the user gave
 * (a temp file's error then speaks of the final file), else the path Node names (a rename's target).
 * Anything that is not an fs error is returned as it is.
 */
export function describeFsError(err: unknown, known: { path?: string; action?: FsAction; exitCode?: number } = {}): unknown {
  if (err instanceof CliError || !isErrno(err)) return err;
  const path = known.path ?? err.dest ?? err.path;
  if (path === undefined) return err;
  const action = known.action ?? ACTIONS[err.syscall ?? ''] ?? 'use';
  const reason = err.syscall === 'mkdir' ? mkdirReason(err.code) : fsReason(err.code);
  return new FileSystemError(path, action, reason, err.code, { exitCode: known.exitCode, cause: err });
}

/** makeDirs makes parents first, so a mkdir's ENOENT means the parent exists but takes no folder (procfs). */
function mkdirReason(code: string): string {
  if (code === 'EEXIST') return 'a file is in the way';
  if (code === 'ENOENT') return 'the file system there takes no new folders';
  return fsReason(code);
}
