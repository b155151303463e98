import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirectory } from '../files/directory.js';
import { sleep } from '../timers/sleep.js';
import { currentProcess, isAlive, type ProcessIdentity } from './owner.js';
import { RunRefusedError } from './refusal.js';

export interface LockHolder extends ProcessIdentity {
  readonly runId: string;
  readonly kind: string;
}

/** Another live run holds the polecat: a refusal, carrying who holds it. */
export class LockHeldError extends RunRefusedError {
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

/** `.` cannot appear in rig or polecat names, so no two polecats share a lock file. */
function lockPath(townRoot: string, rig: string, name: string): string {
  return join(townRoot, '.runtime', 'polecat', 'locks', `${rig}.${name}.lock`);
}

/** A holder writes its lock right after creating it; a lock still unreadable after this long was left half-made. */
const UNREADABLE_LOCK_MS = 2_000;

export function readHolder(path: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder> | null;
    if (typeof holder?.pid !== 'number' || typeof holder.startTime !== 'number' || typeof holder.runId !== 'string') return undefined;
    return holder as LockHolder;
  } catch {
    return undefined;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
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
  return acquireLockAt(lockPath(townRoot, rig, name), runId, kind, `${rig}/${name}`);
}

/** The same lock at any path: `what` names what it holds in the refusal (the town's supervisor uses one). */
export function acquireLockAt(path: string, runId: string, kind: string, what: string): PolecatLock {
  makeDirectory(join(path, '..'));
  const holder: LockHolder = { ...currentProcess(), runId, kind };
  for (let attempt = 0; attempt < 5; attempt += 1) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, JSON.stringify(holder));
      } catch (error) {
        // A full disk: an empty lock would hold the polecat for a while after this process is gone.
        rmSync(path, { force: true });
        throw error;
      } finally {
        closeSync(fd);
      }
      return {
        path,
        release() {
          if (readHolder(path)?.runId === runId) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const current = readHolder(path);
      if (current && isAlive(current)) throw new LockHeldError(current, what);
      if (current) {
        // The holder died: remove its lock only if it is still that holder's, then race for it like everyone else.
        if (readHolder(path)?.runId === current.runId) rmSync(path, { force: true });
      } else if (ageMs(path) > UNREADABLE_LOCK_MS) {
        // Empty or garbage: its writer died between creating and writing it (or the disk was full).
        rmSync(path, { force: true });
      } else {
        sleepSync(50);
      }
    }
  }
  const current = readHolder(path);
  throw new LockHeldError(current ?? { pid: 0, startTime: 0, runId: 'unknown', kind: 'unknown' }, what);
}

/** A lock taken as `take` takes it, waited for while another live holder has it, until the deadline (then refused). */
export async function awaitLock(take: () => PolecatLock, deadline: number, pollMs: number): Promise<PolecatLock> {
  for (;;) {
    try {
      return take();
    } catch (error) {
      if (!(error instanceof LockHeldError) || Date.now() > deadline) throw error;
      await sleep(pollMs);
    }
  }
}
