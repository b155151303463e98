import { getSimplePaths } from 'xstate/graph';
import { describe, expect, it } from 'vitest';
import type { AnyEventObject } from 'xstate';
import { STEP_ORDER, startupMachine, type StartupInput } from '../../machines/startup.js';
import { allTransitions, describeTransition, replayPath } from '../helpers/model.js';

const basePlan: StartupInput = {
  runId: 'run-1',
  rig: 'gastown',
  name: 'Toast',
  townRoot: '/town',
  socket: 'town-abc123',
  sessionName: 'gastown-Toast',
  polecatDir: '/town/gastown/polecats/Toast',
  workDir: '/town/gastown/polecats/Toast',
  beadsDir: '/town/gastown',
  agent: { name: 'sim', argv: ['sim'], processNames: ['node'], promptMode: 'none', readyPromptPrefix: '❯ ' },
  env: {},
  startupText: 'hello',
  timeouts: { commandMs: 1000, dialogsMs: 1000, readyMs: 1000, nudgeMs: 1000 },
};
const withIssue: StartupInput = { ...basePlan, issue: 'gt-abc' };

const OUTPUTS: Record<string, unknown> = {
  validateIssue: { status: 'open', assignee: 'someone' },
  createSession: { paneId: '%1', panePid: 4242 },
  acceptBypass: { answered: ['trust: Yes, I trust this folder'] },
  rollback: { undone: ['killed session gastown-Toast'] },
};
const ACTORS = [...STEP_ORDER, 'rollback'];

const EVENTS: AnyEventObject[] = [
  { type: 'CANCEL' },
  ...ACTORS.flatMap((id) => [
    { type: `xstate.done.actor.${id}`, output: OUTPUTS[id] ?? {} },
    { type: `xstate.error.actor.${id}`, error: new Error(`${id} failed`) },
  ]),
];

function pathsFor(input: StartupInput) {
  const all = getSimplePaths(startupMachine, {
    input,
    events: EVENTS as never,
    // Context holds absolute deadlines; two snapshots are the same state when what steers the machine is the same.
    serializeState: (snapshot) => {
      const c = snapshot.context;
      return JSON.stringify([snapshot.value, c.cancelled, c.failure?.step, c.warnings.length, c.hookStarted]);
    },
    stopWhen: (snapshot) => snapshot.status !== 'active',
  });
  // Simple paths lead to every reachable state; the complete runs are the ones that end.
  return all.filter((path) => path.state.status === 'done');
}

const paths = [...pathsFor(basePlan).map((p) => ({ input: basePlan, path: p })), ...pathsFor(withIssue).map((p) => ({ input: withIssue, path: p }))];
const finals = new Set(['running', 'failed', 'cancelled']);

describe('startup machine, model-based', () => {
  it('generates the expected number of complete paths', () => {
    // Pinned so that coverage cannot shrink silently: a changed machine changes this number on purpose.
    expect(paths.length).toBe(128);
    for (const { path } of paths) expect(finals.has(String(path.state.value))).toBe(true);
  });

  const taken = new Set<string>();

  describe.each(paths.map(({ input, path }, index) => [index, input, path] as const))('path %i', (_index, input, path) => {
    const events = path.steps.map((step) => step.event as AnyEventObject);
    const expected = path.steps.map((step) => String(step.state.value)).filter((v, i, all) => i === 0 || all[i - 1] !== v);
    it(`${input.issue ? 'with issue' : 'no issue'}: ${expected.join(' → ')}`, async () => {
      const replay = await replayPath(startupMachine, ACTORS, input, events);
      replay.taken.forEach((t) => taken.add(t));
      expect(replay.states).toEqual(expected);
      expect(replay.finalValue).toBe(String(path.state.value));
    });
  });

  it('covers every transition of the machine', () => {
    const missing = allTransitions(startupMachine).map(describeTransition).filter((t) => !taken.has(t));
    expect(missing).toEqual([]);
  });

  it('rolls back after every fatal failure and every cancel, and only then ends failed or cancelled', () => {
    for (const { path } of paths) {
      const values = path.steps.map((s) => String(s.state.value));
      const end = String(path.state.value);
      if (end !== 'running') expect(values).toContain('rollingBack');
      if (end === 'cancelled') expect(path.steps.some((s) => (s.event as AnyEventObject).type === 'CANCEL')).toBe(true);
    }
  });
});
