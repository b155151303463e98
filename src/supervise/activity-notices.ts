/**
 * Which notices one polecat's activity calls for, look by look: `waiting` when it comes to need a person, `errored`
 * when a turn fails, `exited` when its agent ends; once each time it enters the state, never on every look at it,
 * and nothing for the state it was already in when first seen (a supervisor starting does not announce the past).
 * Pure: fed the activity (from LiveActivity.look or replayActivity) and the run it is of, it says; the caller fires.
 */
import { errorWords } from '../activity/describe.js';
import type { Activity } from '../activity/replay.js';
import type { NoticeKind } from './notify.js';

export type ActivityNoticeKind = Extract<NoticeKind, 'waiting' | 'errored' | 'exited'>;

export interface ActivityNotice {
  readonly kind: ActivityNoticeKind;
  /** `permission (Bash)`, `rate limit`, `exit 1`, `signal 9`, `session ended`. */
  readonly reason: string;
  /** When the state was entered. */
  readonly at: number;
}

/** What of an activity says which state it is in, and since when. */
export type SeenActivity = Pick<Activity, 'state' | 'since' | 'source' | 'tool' | 'error' | 'exit'>;

interface Seen {
  readonly run: string | undefined;
  readonly activity: SeenActivity;
}

const KINDS: ReadonlySet<string> = new Set<ActivityNoticeKind>(['waiting', 'errored', 'exited']);


function reasonOf(activity: SeenActivity): string {
  switch (activity.state) {
    case 'waiting':
      return `permission${activity.tool !== undefined ? ` (${activity.tool})` : ''}`;
    case 'errored':
      return errorWords(activity.error);
    default: {
      const exit = activity.exit;
      return exit?.status !== undefined ? `exit ${exit.status}` : exit?.signal !== undefined ? exit.signal : 'session ended';
    }
  }
}

/**
 * Whether `now` is a new entry into its state since `before`: another run, another state, or the same state entered
 * again in between (known only when hooks said both: their times are the events' own, where a replayed screen's is
 * the time of the look).
 */
function entered(before: Seen, now: Seen): boolean {
  if (before.run !== now.run || before.activity.state !== now.activity.state) return true;
  return before.activity.source === 'hook' && now.activity.source === 'hook' && before.activity.since !== now.activity.since;
}

/** The notice one look calls for, given the look before it (none: the first look, which calls for none). */
export function activityNotice(before: Seen | undefined, now: Seen): ActivityNotice | undefined {
  if (before === undefined || !KINDS.has(now.activity.state) || !entered(before, now)) return undefined;
  return { kind: now.activity.state as ActivityNoticeKind, reason: reasonOf(now.activity), at: now.activity.since };
}

/** One polecat's looks, in order: each says the notice it calls for, if any. */
export class ActivityNotices {
  private last: Seen | undefined;

  /** `run`: the run whose agent the activity is of; a new run's states are new entries. */
  see(activity: SeenActivity, run?: string): ActivityNotice | undefined {
    const now: Seen = { run, activity };
    const notice = activityNotice(this.last, now);
    this.last = now;
    return notice;
  }

  /** Forget what was seen: the next look is a first look again (the polecat put down, then up). */
  reset(): void {
    this.last = undefined;
  }
}
