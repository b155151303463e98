import { describe, expect, it } from 'vitest';
import type { AnyEventObject } from 'xstate';
import { stopMachine, type StopInput, type StopOutput } from '../../machines/stop.js';
import { allTransitions, completePaths, describeTransition, replayPath, type CompletePath } from '../helpers/model.js';

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

const EVENTS: AnyEventObject[] = [
  { type: 'CANCEL' },
  ...ACTORS.flatMap((id) => [
    ...(OUTPUTS[id] ?? [undefined]).map((output) => ({ type: `xstate.done.actor.${id}`, output })),
    { type: `xstate.error.actor.${id}`, error: new Error(`${id} failed`) },
  ]),
];

const paths = completePaths(stopMachine, inputs, EVENTS, ({ value, context: c }) =>
  JSON.stringify([value, c.exitedGracefully, c.failure?.step, c.processes.length, c.interruptedIn !== undefined]),
);
const finals = new Set(['stopped', 'notRunning', 'failed']);
/** Where the path's CANCEL arrived, if it has one. */
const cancelIn = (path: CompletePath<StopInput>) => path.arrivedIn[path.events.findIndex((e) => e.type === 'CANCEL')];

describe('stop machine, model-based', () => {
  it('generates the expected number of complete paths', () => {
    // Pinned so that coverage cannot shrink silently: a changed machine changes this number on purpose.
    // 20 without a CANCEL; 52 with one (in inspectSession 6 per input, in gracefulStop 4, in the kill steps 9 after
    // each of the 3 ways into killProcesses gracefully and the 1 forced).
    expect(paths.length).toBe(72);
    for (const path of paths) expect(finals.has(path.finalValue)).toBe(true);
  });

  it('has paths with a CANCEL in every state that runs a step', () => {
    expect([...new Set(paths.map(cancelIn).filter((s) => s !== undefined))].sort()).toEqual([...ACTORS].sort());
  });

  const taken = new Set<string>();
  describe.each(paths.map((path, index) => [index, path] as const))('path %i', (_index, path) => {
    const label = `${path.input.force ? 'forced' : 'graceful'}${cancelIn(path) ? `, CANCEL in ${cancelIn(path)}` : ''}`;
    it(`${label}: ${path.states.join(' → ')}`, async () => {
      const replay = await replayPath(stopMachine, ACTORS, path.input, path.events);
      replay.taken.forEach((t) => taken.add(t));
      expect(replay.states).toEqual(path.states);
      expect(replay.finalValue).toBe(path.finalValue);
      expect((replay.output as StopOutput).interrupted).toBe(cancelIn(path) !== undefined);
      expect((replay.output as StopOutput).interruptedIn).toBe(cancelIn(path));
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

  it('a CANCEL never un-stops: no waiting for the agent after it, and the kill steps still run unless one fails', () => {
    for (const path of paths.filter((p) => cancelIn(p) !== undefined)) {
      const at = path.events.findIndex((e) => e.type === 'CANCEL');
      const after = path.arrivedIn.slice(at + 1);
      expect(after, path.states.join(' → ')).not.toContain('gracefulStop');
      if (cancelIn(path) === 'gracefulStop') expect(path.states[path.states.indexOf('gracefulStop') + 1]).toBe('killProcesses');
      // Only a failed step or a session already gone ends a cancelled stop anywhere but stopped.
      if (path.finalValue !== 'stopped') {
        expect(path.finalValue === 'failed' || (path.finalValue === 'notRunning' && cancelIn(path) === 'inspectSession')).toBe(true);
      }
    }
  });
});
