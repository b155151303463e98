import { sleep } from '../timers/sleep.js';
import { isSameProcessAlive, type ProcessEntry } from './process-tree.js';

/** Signals each snapshotted process that is still that process (same start time): a pid reused since is left alone. */
export function signalProcesses(entries: readonly ProcessEntry[], signal: NodeJS.Signals): void {
  for (const entry of entries) {
    if (!isSameProcessAlive(entry)) continue;
    try {
      process.kill(entry.pid, signal);
    } catch {
      // Gone between the check and the signal: that is the outcome we wanted.
    }
  }
}

export interface KillTreeResult {
  readonly terminated: number[];
  readonly killed: number[];
  readonly survivors: number[];
}

/** A look is a read of /proc per process, no process of its own: the ends of a kill are watched closely. */
const KILL_POLL_MS = 10;

/**
 * SIGTERM every snapshotted process still alive, wait up to the grace period for them to go, then SIGKILL the rest.
 * Polls instead of sleeping the whole grace period.
 */
export async function killProcesses(
  entries: readonly ProcessEntry[],
  { graceMs, pollMs = KILL_POLL_MS, signal }: { graceMs: number; pollMs?: number; signal?: AbortSignal },
): Promise<KillTreeResult> {
  const alive = () => entries.filter(isSameProcessAlive);
  const initially = alive();
  signalProcesses(initially, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive().length > 0 && Date.now() < deadline) {
    signal?.throwIfAborted();
    await sleep(pollMs);
  }
  const stubborn = alive();
  signalProcesses(stubborn, 'SIGKILL');
  const killDeadline = Date.now() + 2_000;
  while (alive().length > 0 && Date.now() < killDeadline) await sleep(pollMs);
  const survivors = alive().map((p) => p.pid);
  return {
    terminated: initially.filter((p) => !stubborn.includes(p)).map((p) => p.pid),
    killed: stubborn.map((p) => p.pid),
    survivors,
  };
}
