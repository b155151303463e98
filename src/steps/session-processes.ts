import { killProcesses } from '../proc/kill.js';
import { listProcesses, processesOwnedBy, type ProcessEntry } from '../proc/process-tree.js';
import type { Signalled, Tmux } from '../tmux/client.js';
import { TmuxError } from '../tmux/errors.js';

// A session's processes, for the steps that start and stop polecats: tmux says which panes, /proc what they own.

/** Every process owned by any pane of the session; an absent session owns nothing. */
export async function sessionProcesses(tmux: Tmux, session: string, { signal }: Signalled = {}): Promise<ProcessEntry[]> {
  let pids: number[];
  try {
    pids = await tmux.sessionPanePids(session, { signal });
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
