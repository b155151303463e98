/**
 * The activity machine, model-based: the shortest path to each of its states (xstate/graph), then every event there,
 * replayed on the real machine; together they must take every transition it defines.
 */
import { describe, expect, it } from 'vitest';
import { createActor, type AnyTransitionDefinition } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { activityMachine, HOOK_NAMES, type ActivityEvent, type ActivityInput } from '../../machines/activity.js';
import { allTransitions, describeTransition } from '../helpers/model.js';

const input: ActivityInput = { startedAt: 0 };
const EVENTS: ActivityEvent[] = [
  ...HOOK_NAMES.map((name): ActivityEvent => ({ type: 'HOOK', name, at: 1, tool: 'Bash' })),
  { type: 'HOOK', name: 'Notification', notification: 'permission_prompt', at: 1 },
  { type: 'HOOK', name: 'Notification', notification: 'idle_prompt', at: 1 },
  { type: 'HOOK', name: 'StopFailure', error: 'rate_limit', at: 1 },
  ...(['idle', 'busy', 'permission', 'interrupted', 'api-error'] as const).map((seen): ActivityEvent => ({ type: 'SCREEN', seen, at: 2 })),
  { type: 'EXITED', status: 1, at: 3 },
];

/** States by value and by where their knowledge came from: a screen-known turn ends differently from a hook-known one. */
const serializeState = (snapshot: { value: unknown; context: { source: string } }) => JSON.stringify([snapshot.value, snapshot.context.source]);
const toEach = getShortestPaths(activityMachine, { input, events: EVENTS as never, serializeState: serializeState as never });

function replay(events: readonly ActivityEvent[]) {
  const taken: string[] = [];
  const actor = createActor(activityMachine, {
    input,
    inspect: (inspection) => {
      if (inspection.type === '@xstate.microstep' && inspection.actorRef === actor) {
        for (const t of (inspection as unknown as { _transitions: AnyTransitionDefinition[] })._transitions) taken.push(describeTransition(t));
      }
    },
  }).start();
  for (const event of events) actor.send(event);
  return { snapshot: actor.getSnapshot(), taken };
}

const cases = toEach.flatMap((path) => {
  const prefix = path.steps.map((step) => step.event as ActivityEvent).filter((event) => (event.type as string) !== 'xstate.init');
  const at = JSON.stringify([path.state.value, path.state.context.source]);
  return path.state.status === 'done' ? [] : EVENTS.map((event) => ({ at, prefix, event }));
});

describe('activity machine, model-based', () => {
  const taken = new Set<string>();

  it('reaches every state, the turn both hook-known and screen-known', () => {
    expect(new Set(toEach.map((path) => String(path.state.value)))).toEqual(new Set(['starting', 'idle', 'busy', 'waiting', 'errored', 'compacting', 'exited']));
    expect(toEach.some((p) => p.state.value === 'busy' && p.state.context.source === 'screen')).toBe(true);
    expect(toEach.some((p) => p.state.value === 'busy' && p.state.context.source === 'hook')).toBe(true);
  });

  it.each(cases.map((c) => [c.at, `${c.event.type}${'name' in c.event ? ` ${c.event.name}` : ''}${'seen' in c.event ? ` ${c.event.seen}` : ''}`, c] as const))(
    'in %s, %s',
    (_at, _event, { prefix, event }) => {
      const before = replay(prefix);
      const after = replay([...prefix, event]);
      after.taken.forEach((t) => taken.add(t));
      // Nothing but an EXITED leaves the machine's final state; everything is accepted, nothing throws.
      expect(after.snapshot.status === 'done').toBe(after.snapshot.value === 'exited');
      if (after.snapshot.value !== before.snapshot.value) expect(after.snapshot.context.since).toBe(event.at);
    },
  );

  it('covers every transition of the machine', () => {
    const defined = [...allTransitions(activityMachine), ...[...activityMachine.root.transitions.values()].flat()].map(describeTransition);
    const missing = defined.filter((t) => !taken.has(t));
    expect(missing).toEqual([]);
    expect(taken.size / new Set(defined).size).toBe(1);
  });
});
