/**
 * Waiting for polecats to be in a state: each one's live activity machine fed with what `status` sees (its new hook
 * lines, its screen, its pane), again whenever its event file changes (a hook wrote a line) and every second (for
 * what only the pane shows: an agent that exited).
 */
import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { InspectionEvent } from 'xstate';
import { eventFilePath } from '../activity/event-file.js';
import { LiveActivity, type Look } from '../activity/live.js';
import { paneExit, type Activity } from '../activity/replay.js';
import { locate, type LocateOptions } from '../plan.js';
import type { StepDeps } from '../steps/deps.js';
import { formatAddress, type PolecatAddress } from '../town/names.js';
import { status, type PolecatStatus } from './queries.js';

/** What a status or a list saw of one polecat, as evidence for the live machine; undefined for a session polecat did not start. */
export function lookOf(
  seen: Pick<PolecatStatus, 'run' | 'created' | 'screen' | 'running' | 'agentExitStatus' | 'agentExitSignal'>,
  now: number = Date.now(),
): Look | undefined {
  if (seen.run === undefined) return undefined;
  return {
    run: seen.run,
    startedAt: seen.created !== undefined ? Date.parse(seen.created) : now,
    ...(seen.screen ? { screen: seen.screen } : {}),
    ...(seen.running ? {} : { exited: paneExit(now, seen.agentExitStatus, seen.agentExitSignal) }),
  };
}

export const WAIT_TARGETS = ['idle', 'busy', 'waiting', 'errored', 'exited', 'change'] as const;
export type WaitTarget = (typeof WAIT_TARGETS)[number];

/** How often the pane is looked at while no hook writes. */
export const WAIT_POLL_MS = 1_000;

export interface WaitOutcome {
  readonly polecat: string;
  /** It reached the state. */
  readonly reached: boolean;
  /** Why it can no longer reach it, or that time ran out. */
  readonly why?: string;
  readonly activity?: Activity;
}

interface Pending {
  readonly address: PolecatAddress;
  readonly live: LiveActivity;
  /** For `change`: the activity it had when the wait began. */
  first?: Activity;
  /** Since when a verdict read from the screen waits for the agent's hook to confirm or refine it. */
  heldSince?: number;
}

/** How long a verdict read from the screen waits for a hook of an agent whose hooks write (see waitFor). */
const HOOK_GRACE_MS = 1_000;

function judge(target: WaitTarget, pending: Pending, activity: Activity | undefined, running: boolean, after: number): Omit<WaitOutcome, 'polecat'> | undefined {
  if (activity === undefined) return running ? undefined : { reached: target === 'exited', ...(target === 'exited' ? {} : { why: 'it is not running' }) };
  if (activity.state === 'exited') {
    return target === 'exited' || target === 'change' ? { reached: true, activity } : { reached: false, why: 'its agent exited', activity };
  }
  if (activity.since < after) return undefined;
  // A failed turn is over, and stays so until the agent is given another prompt: idle will not come by itself.
  if (target === 'idle' && activity.state === 'errored') return { reached: false, why: 'its turn failed', activity };
  if (target === 'change') {
    // Without a time to count from, the change is from what it was doing when the wait began.
    if (after > -Infinity) return { reached: true, activity };
    pending.first ??= activity;
    return activity.state !== pending.first.state || activity.since !== pending.first.since ? { reached: true, activity } : undefined;
  }
  return activity.state === target ? { reached: true, activity } : undefined;
}

/** Resolves at the first change of any of these directories, after `ms`, or when aborted. */
function nextWake(dirs: readonly string[], ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const watchers: FSWatcher[] = [];
    const done = () => {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    for (const dir of dirs) {
      try {
        watchers.push(watch(dir, { persistent: false }, done));
      } catch {
        // not made yet (no start has run): the timer looks again
      }
    }
  });
}

export async function waitFor(
  addresses: readonly PolecatAddress[],
  target: WaitTarget,
  options: LocateOptions & {
    deps?: StepDeps;
    timeoutMs?: number;
    signal?: AbortSignal;
    /** Only a state entered at or after this time counts (the turn an inject started, not the one before it). */
    after?: number;
    /** Shows each polecat's live activity machine in the Stately inspector. */
    inspect?: (event: InspectionEvent) => void;
  } = {},
): Promise<WaitOutcome[]> {
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  const outcomes = new Map<string, WaitOutcome>();
  const lastSeen = new Map<string, Activity>();
  const files = addresses.map((address) => eventFilePath(locate(address, options).townRoot, address.rig, address.name));
  const pending = addresses.map((address, i): Pending => ({ address, live: new LiveActivity(files[i]!, options.inspect) }));
  const dirs = [...new Set(files.map((file) => dirname(file)))];
  try {
    for (;;) {
      for (const p of pending) {
        const key = formatAddress(p.address);
        if (outcomes.has(key)) continue;
        const seen = await status(p.address, { ...options, replay: false });
        const look = lookOf(seen);
        const activity = look ? p.live.look(look) : undefined;
        if (activity) lastSeen.set(key, activity);
        const verdict = judge(target, p, activity, seen.running, options.after ?? -Infinity);
        if (!verdict) {
          p.heldSince = undefined;
          continue;
        }
        // Read from the screen of an agent whose hooks write: its hook usually follows at once and says more (the
        // kind of an API error). It is given HOOK_GRACE_MS to; then the screen's word stands.
        if (activity?.source === 'screen' && p.live.hearsHooks) {
          p.heldSince ??= Date.now();
          if (Date.now() - p.heldSince < HOOK_GRACE_MS && Date.now() < deadline) continue;
        }
        outcomes.set(key, { polecat: key, ...verdict });
      }
      if (outcomes.size === pending.length || options.signal?.aborted || Date.now() >= deadline) break;
      await nextWake(dirs, Math.min(WAIT_POLL_MS, deadline - Date.now()), options.signal);
    }
  } finally {
    for (const p of pending) p.live.stop();
  }
  return pending.map((p) => {
    const key = formatAddress(p.address);
    const activity = lastSeen.get(key);
    return outcomes.get(key) ?? { polecat: key, reached: false, why: options.signal?.aborted ? 'the wait was interrupted' : 'time ran out', ...(activity ? { activity } : {}) };
  });
}
