/**
 * A polecat's activity now, with no process kept running: its evidence (the hook lines of its run, then what its
 * pane shows) replayed through the activity machine, which alone says what the sequence means.
 */
import { createActor, type SnapshotFrom } from 'xstate';
import { activityMachine, type ActivityContext, type ActivityEvent, type ScreenActivity } from '../../machines/activity.js';
import type { EventLine } from './event-line.js';

export interface Activity extends ActivityContext {
  readonly state: string;
}

export interface Evidence {
  readonly startedAt: number;
  readonly lines: readonly EventLine[];
  /** What the screen shows now, if it was looked at. */
  readonly screen?: { readonly seen: ScreenActivity; readonly at: number };
  /** The pane's agent has ended. */
  readonly exited?: { readonly at: number; readonly status?: number; readonly signal?: string };
}

export function hookEvent(line: EventLine): ActivityEvent {
  return {
    type: 'HOOK',
    name: line.event,
    at: line.at,
    ...(line.tool !== undefined ? { tool: line.tool } : {}),
    ...(line.kind !== undefined ? { notification: line.kind } : {}),
    ...(line.error !== undefined ? { error: line.error } : {}),
  };
}

export function activityOfSnapshot({ value, context }: SnapshotFrom<typeof activityMachine>): Activity {
  return { state: String(value), ...context };
}

/** How the pane says its agent ended (tmux's exit status or signal number), as evidence. */
export function paneExit(at: number, status: number | undefined, signal: number | undefined): NonNullable<Evidence['exited']> {
  return { at, ...(status !== undefined ? { status } : {}), ...(signal !== undefined ? { signal: `signal ${signal}` } : {}) };
}

/** What the pane's end says, as the machine takes it. */
export function exitedEvent(exited: NonNullable<Evidence['exited']>): ActivityEvent {
  return { type: 'EXITED', ...exited };
}

export function replayActivity(evidence: Evidence): Activity {
  const actor = createActor(activityMachine, { input: { startedAt: evidence.startedAt } }).start();
  for (const line of evidence.lines) actor.send(hookEvent(line));
  if (evidence.screen) actor.send({ type: 'SCREEN', ...evidence.screen });
  if (evidence.exited) actor.send(exitedEvent(evidence.exited));
  const activity = activityOfSnapshot(actor.getSnapshot());
  actor.stop();
  return activity;
}
