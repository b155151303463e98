import { mkdirSync, openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { currentProcess, isAlive, type ProcessIdentity } from './owner.js';

export interface LockHolder extends ProcessIdentity {
  readonly runId: string;
  readonly kind: string;
}

export class LockHeldError extends Error {
  override readonly name = 'LockHeldError';
  constructor(
    readonly holder: LockHolder,
    address: string,
  ) {
    super(`${address} is busy: run ${holder.runId} (${holder.kind}, pid ${holder.pid}) holds it`);
  }
}

export interface PolecatLock {
  readonly path: string;
  release(): void;
}

function lockPath(townRoot: string, rig: string, name: string): string {
  return join(townRoot, '.runtime', 'polecat', 'locks', `${rig}--${name}.lock`);
}

export function readHolder(path: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

export function lockHolder(townRoot: string, rig: string, name: string): LockHolder | undefined {
  const holder = readHolder(lockPath(townRoot, rig, name));
  return holder && isAlive(holder) ? holder : undefined;
}

/**
 * One run at a time per polecat: the lock file is created exclusively (O_EXCL), so of many starts at once exactly one
 * gets it. A lock whose holder process is gone (crash, kill -9) is taken over.
 */
export function acquireLock(townRoot: string, rig: string, name: string, runId: string, kind: string): PolecatLock {
  const path = lockPath(townRoot, rig, name);
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  const holder: LockHolder = { ...currentProcess(), runId, kind };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify(holder));
      closeSync(fd);
      return {
        path,
        release() {
          if (readHolder(path)?.runId === runId) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const current = readHolder(path);
      // A holder still writing its lock reads as empty for a moment: that is a live holder, not a dead one.
      if (current === undefined || isAlive(current)) {
        if (current) throw new LockHeldError(current, `${rig}/${name}`);
        continue;
      }
      // The holder died: remove its lock only if it is still that holder's, then race for it like everyone else.
      if (readHolder(path)?.runId === current.runId) rmSync(path, { force: true });
    }
  }
  const current = readHolder(path);
  throw new LockHeldError(current ?? { pid: 0, startTime: 0, runId: 'unknown', kind: 'unknown' }, `${rig}/${name}`);
}
