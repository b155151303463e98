/**
 * Which notices a polecat's activity calls for, fed what the real activity machine says look by look: live (through
 * LiveActivity and an event file) and replayed from scratch at each look (status's way), where a screen-read state's
 * time is the look's own.
 */
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureEventDir, eventFilePath } from '../../src/activity/event-file.js';
import { LiveActivity } from '../../src/activity/live.js';
import { replayActivity, paneExit, type Activity } from '../../src/activity/replay.js';
import type { EventLine } from '../../src/activity/event-line.js';
import { activityNotice, ActivityNotices } from '../../src/supervise/activity-notices.js';

const RUN = 'run-1';

function eventFile(): string {
  const path = eventFilePath(mkdtempSync(join(tmpdir(), 'polecat-notices-')), 'gastown', 'Toast');
  ensureEventDir(path);
  return path;
}

const hook = (path: string, event: EventLine['event'], at: number, more: Partial<EventLine> = {}, run = RUN) =>
  appendFileSync(path, `${JSON.stringify({ v: 1, run, event, at, ...more })}\n`);

describe('ActivityNotices, live', () => {
  it('says waiting, errored and exited once each time the agent enters them, with the reason', () => {
    const path = eventFile();
    const live = new LiveActivity(path);
    const notices = new ActivityNotices();
    const look = (at: number, more: Partial<Parameters<LiveActivity['look']>[0]> = {}) => notices.see(live.look({ run: RUN, startedAt: 0, ...more }), RUN);

    hook(path, 'SessionStart', 10);
    expect(look(11)).toBeUndefined();
    hook(path, 'UserPromptSubmit', 20);
    hook(path, 'PermissionRequest', 30, { tool: 'Bash' });
    expect(look(31)).toEqual({ kind: 'waiting', reason: 'permission (Bash)', at: 30 });
    // Still waiting at the next looks: said once.
    expect(look(32)).toBeUndefined();
    expect(look(33, { screen: { seen: 'permission', at: 33 } })).toBeUndefined();
    // Allowed, then asked again between two looks: a new entry, though the state is the same at both looks.
    hook(path, 'PreToolUse', 40, { tool: 'Bash' });
    hook(path, 'PermissionRequest', 50, { tool: 'Edit' });
    expect(look(51)).toEqual({ kind: 'waiting', reason: 'permission (Edit)', at: 50 });
    hook(path, 'PreToolUse', 60, { tool: 'Edit' });
    expect(look(61)).toBeUndefined();
    hook(path, 'StopFailure', 70, { error: 'rate_limit' });
    expect(look(71)).toEqual({ kind: 'errored', reason: 'rate limit', at: 70 });
    expect(look(72)).toBeUndefined();
    expect(look(80, { exited: paneExit(80, 1, undefined) })).toEqual({ kind: 'exited', reason: 'exit 1', at: 80 });
    // (Fed the pane's end again, LiveActivity's machine, done, would warn: the look after says the same without it.)
    expect(look(81)).toBeUndefined();
    live.stop();
  });

  it('announces nothing for the state the polecat was already in when first seen', () => {
    const path = eventFile();
    hook(path, 'SessionStart', 10);
    hook(path, 'PermissionRequest', 20, { tool: 'Bash' });
    const live = new LiveActivity(path);
    const notices = new ActivityNotices();
    expect(notices.see(live.look({ run: RUN, startedAt: 0 }), RUN)).toBeUndefined();
    expect(notices.see(live.look({ run: RUN, startedAt: 0 }), RUN)).toBeUndefined();
    live.stop();
  });

  it('takes a new run’s states as new entries: an agent that exits again after a restart is said again', () => {
    const path = eventFile();
    const live = new LiveActivity(path);
    const notices = new ActivityNotices();
    expect(notices.see(live.look({ run: 'run-1', startedAt: 0, exited: paneExit(5, undefined, 9) }), 'run-1')).toBeUndefined();
    expect(notices.see(live.look({ run: 'run-2', startedAt: 10 }), 'run-2')).toBeUndefined();
    expect(notices.see(live.look({ run: 'run-2', startedAt: 10, exited: paneExit(20, undefined, 9) }), 'run-2')).toEqual({ kind: 'exited', reason: 'signal 9', at: 20 });
    // Seen exited at once in its first look: it entered it after the last look at the run before.
    expect(notices.see(live.look({ run: 'run-3', startedAt: 30, exited: paneExit(31, 2, undefined) }), 'run-3')).toEqual({ kind: 'exited', reason: 'exit 2', at: 31 });
    live.stop();
  });

  it('says an agent that ended its session itself, and a screen that shows an API error or a permission prompt', () => {
    const path = eventFile();
    const live = new LiveActivity(path);
    const notices = new ActivityNotices();
    const look = (screen?: { seen: 'idle' | 'busy' | 'permission' | 'api-error'; at: number }) => notices.see(live.look({ run: RUN, startedAt: 0, ...(screen ? { screen } : {}) }), RUN);
    expect(look({ seen: 'idle', at: 1 })).toBeUndefined();
    expect(look({ seen: 'permission', at: 2 })).toEqual({ kind: 'waiting', reason: 'permission', at: 2 });
    expect(look({ seen: 'permission', at: 3 })).toBeUndefined();
    expect(look({ seen: 'busy', at: 4 })).toBeUndefined();
    expect(look({ seen: 'api-error', at: 5 })).toEqual({ kind: 'errored', reason: 'unknown error', at: 5 });
    expect(look({ seen: 'api-error', at: 6 })).toBeUndefined();
    hook(path, 'SessionEnd', 7);
    expect(look()).toEqual({ kind: 'exited', reason: 'session ended', at: 7 });
    live.stop();
  });

  it('forgets what it saw when reset: the next look is a first look', () => {
    const notices = new ActivityNotices();
    const waiting: Activity = { state: 'waiting', since: 1, source: 'hook', tool: 'Bash' };
    expect(notices.see({ state: 'idle', since: 0, source: 'hook' }, RUN)).toBeUndefined();
    notices.reset();
    expect(notices.see(waiting, RUN)).toBeUndefined();
  });
});

describe('ActivityNotices, replayed at each look', () => {
  it('does not say a screen-read state again because each replay dates it at its look', () => {
    const notices = new ActivityNotices();
    const lines: EventLine[] = [{ v: 1, run: RUN, event: 'SessionStart', at: 10 }];
    const look = (at: number, seen?: 'permission' | 'api-error' | 'busy') => notices.see(replayActivity({ startedAt: 0, lines, ...(seen ? { screen: { seen, at } } : {}) }), RUN);
    expect(look(11)).toBeUndefined();
    expect(look(12, 'permission')).toEqual({ kind: 'waiting', reason: 'permission', at: 12 });
    expect(look(13, 'permission')).toBeUndefined();
    expect(look(14, 'permission')).toBeUndefined();
    // Its hook line written late: the same wait, now known from the hook.
    lines.push({ v: 1, run: RUN, event: 'PermissionRequest', at: 12, tool: 'Bash' });
    expect(look(15, 'permission')).toBeUndefined();
    expect(look(16, 'permission')).toBeUndefined();
    // Answered, then asked again, both by hooks: said again.
    lines.push({ v: 1, run: RUN, event: 'PreToolUse', at: 17, tool: 'Bash' }, { v: 1, run: RUN, event: 'PermissionRequest', at: 18, tool: 'Write' });
    expect(look(19)).toEqual({ kind: 'waiting', reason: 'permission (Write)', at: 18 });
    expect(look(20)).toBeUndefined();
  });
});

describe('activityNotice', () => {
  it('is nothing for states no one is told of', () => {
    const before = { run: RUN, activity: { state: 'idle', since: 0, source: 'hook' as const } };
    for (const state of ['starting', 'idle', 'busy', 'compacting']) {
      expect(activityNotice(before, { run: RUN, activity: { state, since: 5, source: 'hook' } })).toBeUndefined();
    }
    expect(activityNotice(undefined, { run: RUN, activity: { state: 'exited', since: 5, source: 'pane', exit: { status: 0 } } })).toBeUndefined();
    expect(activityNotice(before, { run: RUN, activity: { state: 'exited', since: 5, source: 'pane', exit: { status: 0 } } })).toEqual({ kind: 'exited', reason: 'exit 0', at: 5 });
    expect(activityNotice(before, { run: RUN, activity: { state: 'errored', since: 6, source: 'hook', error: 'authentication_failed' } })).toEqual({
      kind: 'errored',
      reason: 'authentication',
      at: 6,
    });
  });
});
