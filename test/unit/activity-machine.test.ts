/** What sequences of evidence mean, as the activity machine decides them: the cases users and scripts rely on. */
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { activityMachine, type ActivityEvent } from '../../machines/activity.js';

let clock = 0;
const hook = (name: Extract<ActivityEvent, { type: 'HOOK' }>['name'], extra: Partial<Extract<ActivityEvent, { type: 'HOOK' }>> = {}): ActivityEvent => ({ type: 'HOOK', name, at: ++clock, ...extra });
const screen = (seen: Extract<ActivityEvent, { type: 'SCREEN' }>['seen'], extra: Partial<Extract<ActivityEvent, { type: 'SCREEN' }>> = {}): ActivityEvent => ({ type: 'SCREEN', seen, at: ++clock, ...extra });

function run(...events: ActivityEvent[]) {
  const actor = createActor(activityMachine, { input: { startedAt: 0 } }).start();
  for (const event of events) actor.send(event);
  const { value, context } = actor.getSnapshot();
  return { state: String(value), ...context };
}

describe('activity from Claude Code hooks', () => {
  it('a turn: SessionStart idle, the prompt busy, a tool call within it, Stop idle again', () => {
    expect(run(hook('SessionStart'))).toMatchObject({ state: 'idle', source: 'hook' });
    expect(run(hook('SessionStart'), hook('UserPromptSubmit'))).toMatchObject({ state: 'busy', source: 'hook' });
    expect(run(hook('SessionStart'), hook('UserPromptSubmit'), hook('PreToolUse', { tool: 'Bash' }))).toMatchObject({ state: 'busy', tool: 'Bash' });
    const ended = run(hook('SessionStart'), hook('UserPromptSubmit'), hook('PreToolUse', { tool: 'Bash' }), hook('PostToolUse', { tool: 'Bash' }), hook('Stop'));
    expect(ended).toMatchObject({ state: 'idle', source: 'hook', since: clock });
  });

  it('a tool call keeps the time the turn began', () => {
    const prompt = hook('UserPromptSubmit');
    expect(run(hook('SessionStart'), prompt, hook('PreToolUse', { tool: 'Read' }), hook('PostToolUse', { tool: 'Read' }))).toMatchObject({ state: 'busy', since: prompt.at, tool: 'Read' });
  });

  it('a subagent stopping is not the agent stopping', () => {
    expect(run(hook('SessionStart'), hook('UserPromptSubmit'), hook('SubagentStart'), hook('SubagentStop'))).toMatchObject({ state: 'busy' });
  });

  it('a permission prompt waits for a person, with the tool; allowed, the turn goes on; the turn ends idle', () => {
    const asked = [hook('SessionStart'), hook('UserPromptSubmit'), hook('PermissionRequest', { tool: 'Bash' })];
    expect(run(...asked)).toMatchObject({ state: 'waiting', tool: 'Bash' });
    expect(run(...asked, hook('PostToolUse', { tool: 'Bash' }))).toMatchObject({ state: 'busy' });
    expect(run(hook('SessionStart'), hook('UserPromptSubmit'), hook('Notification', { notification: 'permission_prompt' }))).toMatchObject({ state: 'waiting' });
  });

  it('an idle reminder is not a permission prompt', () => {
    expect(run(hook('SessionStart'), hook('Notification', { notification: 'idle_prompt' }))).toMatchObject({ state: 'idle' });
  });

  it('a denied permission fires no hook: the prompt back on screen ends the wait', () => {
    expect(run(hook('SessionStart'), hook('UserPromptSubmit'), hook('PermissionRequest', { tool: 'Bash' }), screen('idle'))).toMatchObject({ state: 'idle', source: 'screen' });
  });

  it('StopFailure keeps the kind of error; the next prompt is busy again', () => {
    const failed = [hook('SessionStart'), hook('UserPromptSubmit'), hook('StopFailure', { error: 'rate_limit' })];
    expect(run(...failed)).toMatchObject({ state: 'errored', error: 'rate_limit', source: 'hook' });
    // Claude's API error line can reach the screen before its StopFailure hook runs: the hook then names the kind.
    expect(run(hook('SessionStart'), hook('UserPromptSubmit'), screen('api-error'), hook('StopFailure', { error: 'rate_limit' }))).toMatchObject({
      state: 'errored',
      error: 'rate_limit',
      source: 'hook',
    });
    expect(run(...failed, hook('UserPromptSubmit'))).toMatchObject({ state: 'busy', error: undefined });
  });

  it("a failure a hook said outlasts the screen's busy frames (it lags behind the hooks); one the screen said ends on them", () => {
    const failed = [hook('SessionStart'), hook('UserPromptSubmit'), hook('StopFailure', { error: 'server_error' })];
    // Seen with real Claude under load: StopFailure, then the spinner still on screen, then the error line.
    expect(run(...failed, screen('busy'), screen('api-error'))).toMatchObject({ state: 'errored', error: 'server_error', source: 'hook' });
    // Without hooks, a failure known from the screen ends when the screen shows a turn again (a retry, a new prompt).
    expect(run(screen('idle'), screen('busy'), screen('api-error'), screen('busy'))).toMatchObject({ state: 'busy', source: 'screen' });
  });

  it('compaction, then idle again (PostCompact, or the SessionStart that follows it)', () => {
    expect(run(hook('SessionStart'), hook('PreCompact'))).toMatchObject({ state: 'compacting' });
    expect(run(hook('SessionStart'), hook('PreCompact'), hook('PostCompact'))).toMatchObject({ state: 'idle' });
    expect(run(hook('SessionStart'), hook('PreCompact'), hook('SessionStart'))).toMatchObject({ state: 'idle' });
  });

  it('SessionEnd, or a dead pane from any state, is exited, and nothing after it changes that', () => {
    expect(run(hook('SessionStart'), hook('SessionEnd'))).toMatchObject({ state: 'exited', source: 'hook' });
    expect(run(hook('SessionStart'), hook('UserPromptSubmit'), { type: 'EXITED', at: 50, status: 1 })).toMatchObject({ state: 'exited', source: 'pane', exit: { status: 1 }, since: 50 });
    expect(run({ type: 'EXITED', at: 5, signal: 'SIGKILL' }, hook('SessionStart'))).toMatchObject({ state: 'exited', exit: { signal: 'SIGKILL' } });
  });
});

describe('activity from the screen', () => {
  it('an interrupt (Esc) fires no hook: the screen saying so ends a hook-known turn', () => {
    expect(run(hook('SessionStart'), hook('UserPromptSubmit'), screen('interrupted'))).toMatchObject({ state: 'idle', source: 'screen' });
  });

  it('a quiet frame does not end a turn the hooks began', () => {
    expect(run(hook('SessionStart'), hook('UserPromptSubmit'), screen('idle'))).toMatchObject({ state: 'busy', source: 'hook' });
  });

  it('for an agent without hooks, the screen alone: ready, busy, ready again', () => {
    expect(run(screen('idle'))).toMatchObject({ state: 'idle', source: 'screen' });
    expect(run(screen('idle'), screen('busy'))).toMatchObject({ state: 'busy', source: 'screen' });
    expect(run(screen('idle'), screen('busy'), screen('idle'))).toMatchObject({ state: 'idle', source: 'screen' });
  });

  it('an API error line errs the turn, unknown kind unless the screen named it', () => {
    expect(run(screen('idle'), screen('busy'), screen('api-error'))).toMatchObject({ state: 'errored', error: 'unknown' });
    expect(run(screen('idle'), screen('busy'), screen('api-error', { error: 'server_error' }))).toMatchObject({ state: 'errored', error: 'server_error' });
  });

  it('a permission prompt on screen is waiting', () => {
    expect(run(screen('idle'), screen('permission'))).toMatchObject({ state: 'waiting', source: 'screen' });
  });
});
