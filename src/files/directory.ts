import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * `mkdir -p`, one level at a time, so that a failure names its real cause: Node's recursive mkdir reports ENOENT where
 * a read-only file system refuses (EROFS).
 */
export function makeDirectory(path: string, mode = 0o700): void {
  try {
    if (statSync(path).isDirectory()) return;
  } catch {
    // missing: made below
  }
  const parent = dirname(path);
  if (parent !== path) makeDirectory(parent, mode);
  try {
    mkdirSync(path, { mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

const CAUSES: Record<string, string> = {
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is not a directory',
  EIO: 'input/output error',
};

/** What went wrong writing a file, in words, for errors from the file system; undefined for any other error. */
export function fileSystemCause(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined ? (CAUSES[code] ?? (error as Error).message) : undefined;
}
