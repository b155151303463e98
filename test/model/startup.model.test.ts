import { describe, expect, it } from 'vitest';
import { startupMachine } from '../../machines/startup.js';
import { allTransitions, describeTransition, replayPath } from '../helpers/model.js';
import { STARTUP_ACTORS, startupPaths as paths } from '../helpers/startup-paths.js';

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
      const replay = await replayPath(startupMachine, STARTUP_ACTORS, path.input, path.events);
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
