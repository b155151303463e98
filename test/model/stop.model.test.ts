import { getSimplePaths } from 'xstate/graph';
import { describe, expect, it } from 'vitest';
import type { AnyEventObject } from 'xstate';
import { stopMachine, type StopInput } from '../../machines/stop.js';
import { allTransitions, describeTransition, replayPath } from '../helpers/model.js';

const ACTORS = ['inspectSession', 'gracefulStop', 'killProcesses', 'killSession', 'verifyGone'];
const plan: StopInput = { socket: 'town-abc123', sessionName: 'gastown-Toast', force: false, gracefulMs: 100, killGraceMs: 100 };
const inputs: StopInput[] = [plan, { ...plan, force: true }];

const OUTPUTS: Record<string, unknown[]> = {
  inspectSession: [
    { running: true, paneId: '%1', panePid: 10, processes: [{ pid: 10, startTime: 1, command: 'node' }] },
    { running: false, processes: [] },
  ],
  gracefulStop: [{ exited: true }, { exited: false }],
  killProcesses: [{ terminated: [10], killed: [] }],
};

const EVENTS: AnyEventObject[] = ACTORS.flatMap((id) => [
  ...(OUTPUTS[id] ?? [undefined]).map((output) => ({ type: `xstate.done.actor.${id}`, output })),
  { type: `xstate.error.actor.${id}`, error: new Error(`${id} failed`) },
]);

const paths = inputs.flatMap((input) =>
  getSimplePaths(stopMachine, {
    input,
    events: EVENTS as never,
    serializeState: (s) => JSON.stringify([s.value, s.context.exitedGracefully, s.context.failure?.step, s.context.processes.length]),
  })
    .filter((path) => path.state.status === 'done')
    .map((path) => ({ input, path })),
);

describe('stop machine, model-based', () => {
  it('generates the expected number of complete paths', () => {
    expect(paths.length).toBe(20);
  });

  const taken = new Set<string>();
  describe.each(paths.map(({ input, path }, index) => [index, input, path] as const))('path %i', (_index, input, path) => {
    const events = path.steps.map((step) => step.event as AnyEventObject);
    const expected = path.steps.map((step) => String(step.state.value)).filter((v, i, all) => i === 0 || all[i - 1] !== v);
    it(`${input.force ? 'forced' : 'graceful'}: ${expected.join(' → ')}`, async () => {
      const replay = await replayPath(stopMachine, ACTORS, input, events);
      replay.taken.forEach((t) => taken.add(t));
      expect(replay.states).toEqual(expected);
    });
  });

  it('covers every transition of the machine', () => {
    expect(allTransitions(stopMachine).map(describeTransition).filter((t) => !taken.has(t))).toEqual([]);
  });

  it('never reaches stopped without killing the session and verifying', () => {
    for (const { path } of paths.filter(({ path }) => path.state.value === 'stopped')) {
      const values = path.steps.map((s) => String(s.state.value));
      expect(values.indexOf('killSession')).toBeLessThan(values.indexOf('verifyGone'));
    }
  });
});
