/**
 * The supervision machine, model-based: every simple path to an end (xstate/graph) with deaths, DOWN, UP and each
 * step's outcomes, replayed on the real machine, its own steps fakes answering with the path's events and its
 * restart the real startup machine as its child (that machine's steps fakes that succeed, or fail where the path's
 * start fails; a DOWN's CANCEL rolls it back). Only a child that breaks (an error, which the startup machine never
 * gives of itself) is a fake. Together the paths must take every transition the machine defines.
 */
import { describe, expect, it } from 'vitest';
import type { AnyEventObject } from 'xstate';
import { DEFAULT_SUPERVISION_POLICY, supervisionMachine, type SupervisionInput, type SupervisionOutput } from '../../machines/supervision.js';
import { allTransitions, completePaths, describeTransition, replayPath } from '../helpers/model.js';
import { startupMachine } from '../../machines/startup.js';
import { STARTUP_ACTORS, startupPlan } from '../helpers/startup-paths.js';

const ACTORS = ['settle', 'sleep', 'planRestart'];
const STARTUP_CHILD = {
  restart: {
    machine: startupMachine,
    stepIds: STARTUP_ACTORS,
    firstStep: 'preflight',
    outputs: { createSession: { paneId: '%1', panePid: 4242 }, acceptBypass: { answered: [] }, rollback: { undone: ['killed session gastown-Toast'] } },
    failStep: 'verifyAlive',
  },
};
// Two restarts allowed in the window (a third quarantines) and two backoffs (1 s, then 2 s at most): the paths stay
// few but reach every state.
const input: SupervisionInput = {
  polecat: { rig: 'gastown', name: 'Toast', townRoot: '/town' },
  policy: { ...DEFAULT_SUPERVISION_POLICY, maxRestarts: 2, backoffMaxMs: 2_000 },
  upSince: 0,
  run: 'run-0',
};
// What an earlier supervisor left: a quarantine, and a backoff part waited.
const restoredQuarantine: SupervisionInput = { ...input, restored: { restarts: [500, 900], backoffMs: 2_000, quarantined: { at: 900, why: '2 restarts within 10 min' } } };
const restoredBackoff: SupervisionInput = { ...input, restored: { restarts: [900], backoffMs: 1_000, backoffLeftMs: 400 } };
const ended = (result: string) => ({ result, sessionName: 'gastown-Toast', socket: 's', dialogsAnswered: [], warnings: [], undone: [] });

const EVENTS: AnyEventObject[] = [
  { type: 'DIED', at: 1_000, reason: 'agent-exited', exitStatus: 1 },
  { type: 'DOWN', at: 1_000 },
  { type: 'UP', at: 1_000 },
  { type: 'xstate.done.actor.settle', output: { runs: [], at: 500 } },
  { type: 'xstate.done.actor.settle', output: { runs: [{ run: 'run-cut', how: 'resumed' }], running: { run: 'run-cut' }, at: 500 } },
  { type: 'xstate.error.actor.settle', error: new Error('run run-cut: snapshot damaged, and its rollback failed') },
  { type: 'xstate.done.actor.sleep' },
  { type: 'xstate.done.actor.planRestart', output: { plan: { ...startupPlan, runId: 'run-n' }, at: 2_000 } },
  { type: 'xstate.done.actor.planRestart', output: { alreadyRunning: { run: 'run-by-user' }, at: 2_000 } },
  { type: 'xstate.error.actor.planRestart', error: new Error('agents.json: invalid JSON') },
  // A cancelled start ends as a failed one does (neither is running): failed stands for both.
  ...['running', 'failed'].map((result) => ({ type: 'xstate.done.actor.restart', output: ended(result) })),
  { type: 'xstate.error.actor.restart', error: new Error('a defect in the startup machine') },
];

const serialize = ({ value, context: c }: { value: unknown; context: import('../../machines/supervision.js').SupervisionContext }) =>
  JSON.stringify([value, c.restarts.length, c.backoffMs, c.backoffLeftMs, c.downDuringRestart === true, c.downAfterSettling === true, c.quarantined !== undefined]);
// Carried on from an earlier supervisor: where settling leads, and the first steps from there (the rest is as above).
const CARRIED_ON: AnyEventObject[] = EVENTS.filter(
  (e) => e.type === 'DOWN' || e.type === 'UP' || e.type === 'xstate.done.actor.sleep' || (e.type === 'xstate.done.actor.settle' && e.output.running === undefined) || (e.type === 'xstate.done.actor.planRestart' && 'alreadyRunning' in e.output),
);
const paths = [
  ...completePaths(supervisionMachine, [input], EVENTS, serialize),
  ...completePaths(supervisionMachine, [restoredQuarantine, restoredBackoff], CARRIED_ON, serialize),
];

describe('supervision machine, model-based', () => {
  it('ends every path down, and reaches every state on the way', () => {
    // Pinned so that coverage cannot shrink silently: a changed machine changes this number on purpose.
    expect(paths.length).toBe(2141);
    for (const path of paths) expect(path.finalValue).toBe('down');
    expect(new Set(paths.flatMap((p) => p.states))).toEqual(new Set(['settling', 'watching', 'backoff', 'planning', 'restarting', 'quarantined', 'down']));
  });

  const taken = new Set<string>();
  describe.each(paths.map((path, index) => [index, path] as const))('path %i', (_index, path) => {
    it(path.states.join(' → '), async () => {
      const breaks = path.events.some((e) => e.type === 'xstate.error.actor.restart');
      const replay = breaks
        ? await replayPath(supervisionMachine, [...ACTORS, 'restart'], path.input, path.events)
        : await replayPath(supervisionMachine, ACTORS, path.input, path.events, STARTUP_CHILD);
      replay.taken.forEach((t) => taken.add(t));
      expect(replay.states).toEqual(path.states);
      // Put down during a restart: that start was cancelled, and supervision waited for its end.
      const downInRestart = path.events.some((e, i) => e.type === 'DOWN' && path.arrivedIn[i] === 'restarting');
      expect((replay.output as SupervisionOutput).cancelledRestart).toBe(downInRestart);
    });
  });

  it('covers every transition of the machine', () => {
    expect(allTransitions(supervisionMachine).map(describeTransition).filter((t) => !taken.has(t))).toEqual([]);
  });

  it('never restarts more than the window allows without quarantine in between', () => {
    for (const path of paths) {
      let since = 0;
      for (const state of path.states) {
        if (state === 'quarantined') since = 0;
        if (state === 'restarting') since += 1;
        expect(since, path.states.join(' → ')).toBeLessThanOrEqual(input.policy.maxRestarts);
      }
    }
  });
});
