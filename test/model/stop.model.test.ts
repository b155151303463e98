import { describe, expect, it } from 'vitest';
import type { AnyEventObject } from 'xstate';
import { stopMachine, type StopInput } from '../../machines/stop.js';
import { allTransitions, completePaths, describeTransition, replayPath } from '../helpers/model.js';

const ACTORS = ['inspectSession', 'gracefulStop', 'killProcesses', 'killSession', 'verifyGone'];
const plan: StopInput = { runId: 'stop-1', rig: 'gastown', name: 'Toast', townRoot: '/town', socket: 'town-abc123', sessionName: 'gastown-Toast', force: false, gracefulMs: 100, killGraceMs: 100 };
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

const paths = completePaths(stopMachine, inputs, EVENTS, ({ value, context: c }) =>
  JSON.stringify([value, c.exitedGracefully, c.failure?.step, c.processes.length]),
);

describe('stop machine, model-based', () => {
  it('generates the expected number of complete paths', () => {
    expect(paths.length).toBe(20);
  });

  const taken = new Set<string>();
  describe.each(paths.map((path, index) => [index, path] as const))('path %i', (_index, path) => {
    it(`${path.input.force ? 'forced' : 'graceful'}: ${path.states.join(' → ')}`, async () => {
      const replay = await replayPath(stopMachine, ACTORS, path.input, path.events);
      replay.taken.forEach((t) => taken.add(t));
      expect(replay.states).toEqual(path.states);
    });
  });

  it('covers every transition of the machine', () => {
    expect(allTransitions(stopMachine).map(describeTransition).filter((t) => !taken.has(t))).toEqual([]);
  });

  it('never reaches stopped without killing the session and verifying', () => {
    for (const path of paths.filter((p) => p.finalValue === 'stopped')) {
      expect(path.states.indexOf('killSession')).toBeGreaterThan(-1);
      expect(path.states.indexOf('killSession')).toBeLessThan(path.states.indexOf('verifyGone'));
    }
  });
});
