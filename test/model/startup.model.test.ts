import { describe, expect, it } from 'vitest';
import type { AnyEventObject } from 'xstate';
import { STEP_ORDER, startupMachine, type StartupInput } from '../../machines/startup.js';
import { allTransitions, completePaths, describeTransition, replayPath } from '../helpers/model.js';

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
  agent: { name: 'sim', argv: ['sim'], processNames: ['node'], promptMode: 'none', readyPromptPrefix: '❯ ', readyDelayMs: 0 },
  env: {},
  credentialsFile: '/town/.runtime/polecat/credentials-run-1.env',
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

// Context holds absolute deadlines; two snapshots are the same state when what steers the machine is the same.
const paths = completePaths(startupMachine, [basePlan, withIssue], EVENTS, ({ value, context: c }) =>
  JSON.stringify([value, c.cancelled, c.failure?.step, c.warnings.length, c.hookStarted, c.sessionStarted]),
);
const finals = new Set(['running', 'failed', 'cancelled']);

describe('startup machine, model-based', () => {
  it('generates the expected number of complete paths', () => {
    // Pinned so that coverage cannot shrink silently: a changed machine changes this number on purpose.
    expect(paths.length).toBe(128);
    for (const path of paths) expect(finals.has(path.finalValue)).toBe(true);
  });

  const taken = new Set<string>();

  describe.each(paths.map((path, index) => [index, path] as const))('path %i', (_index, path) => {
    it(`${path.input.issue ? 'with issue' : 'no issue'}: ${path.states.join(' → ')}`, async () => {
      const replay = await replayPath(startupMachine, ACTORS, path.input, path.events);
      replay.taken.forEach((t) => taken.add(t));
      expect(replay.states).toEqual(path.states);
      expect(replay.finalValue).toBe(path.finalValue);
    });
  });

  it('covers every transition of the machine', () => {
    const missing = allTransitions(startupMachine).map(describeTransition).filter((t) => !taken.has(t));
    expect(missing).toEqual([]);
  });

  it('rolls back after every fatal failure and every cancel, and only then ends failed or cancelled', () => {
    for (const path of paths) {
      if (path.finalValue !== 'running') expect(path.states).toContain('rollingBack');
      if (path.finalValue === 'cancelled') expect(path.events.some((e) => e.type === 'CANCEL')).toBe(true);
    }
  });
});
