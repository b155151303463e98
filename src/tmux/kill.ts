import type { Signalled, Tmux } from './client.js';
import { sessionTarget } from './client.js';
import { TmuxError } from './errors.js';
import { killProcesses, listProcesses, processesOwnedBy, type ProcessEntry } from './process-tree.js';

/** Every process owned by any pane of the session; an absent session owns nothing. */
export async function sessionProcesses(tmux: Tmux, session: string, { signal }: Signalled = {}): Promise<ProcessEntry[]> {
  let pids: number[];
  try {
    pids = await tmux.panePids(sessionTarget(session), { signal });
  } catch (error) {
    if (error instanceof TmuxError && error.isGone) return [];
    throw error;
  }
  const all = listProcesses();
  const owned = new Map<number, ProcessEntry>();
  for (const pid of pids) for (const entry of processesOwnedBy(pid, all)) owned.set(entry.pid, entry);
  return [...owned.values()];
}

export interface KillSessionResult {
  readonly processes: number;
  readonly survivors: readonly number[];
}

/**
 * Kill a session and everything it owns: snapshot the process tree first (children get reparented once their
 * parent dies), SIGTERM then SIGKILL after the grace period, then the session itself. Only processes the session
 * owns are signalled.
 */
export async function killSessionWithProcesses(
  tmux: Tmux,
  session: string,
  { graceMs, signal }: { graceMs: number; signal?: AbortSignal },
): Promise<KillSessionResult> {
  const owned = await sessionProcesses(tmux, session, { signal });
  const result = await killProcesses(owned, { graceMs, signal });
  await tmux.killSession(session, { signal });
  return { processes: owned.length, survivors: result.survivors };
}
