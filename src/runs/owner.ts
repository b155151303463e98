import { readProcess } from '../proc/process-tree.js';

/** A process as it can be told apart from a later one with the same pid: pid and start time (clock ticks since boot). */
export interface ProcessIdentity {
  readonly pid: number;
  readonly startTime: number;
}

export function currentProcess(): ProcessIdentity {
  return { pid: process.pid, startTime: readProcess(process.pid)?.startTime ?? 0 };
}

/** The process is still running and is the same one (not a new process that reused its pid). */
export function isAlive(owner: ProcessIdentity): boolean {
  const now = readProcess(owner.pid);
  return now !== undefined && now.startTime === owner.startTime;
}
