/** The supervision machine's own steps: the backoff's wait, and a restart planned from what `polecat up` kept. */
import { describe, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import { planRestartStep, sleepStep } from '../../src/supervise/steps.js';
import { writeDesired } from '../../src/supervise/desired.js';
import { makeTown } from '../helpers/town.js';

const toast = { rig: 'gastown', name: 'Toast' };

describe('supervision steps', () => {
  it('plans the restart with the options up kept, following the last run', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    await writeDesired(town.root, toast, 'up', { agent: 'sim --busy-ms 5', prompt: 'carry on', timeouts: { readyMs: 7_000 } });
    const before = Date.now();
    const planned = await toPromise(createActor(planRestartStep(), { input: { polecat: { ...toast, townRoot: town.root }, previousRun: 'run-0' } }).start());
    expect(planned.at).toBeGreaterThanOrEqual(before);
    expect(planned.plan).toMatchObject({ rig: 'gastown', name: 'Toast', follows: 'run-0', startupText: 'carry on', agent: { name: 'sim' }, timeouts: { readyMs: 7_000 } });
    expect(planned.plan.agent.argv).toContain('--busy-ms');
  });

  it('refuses to plan a polecat no longer up', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const plan = () => toPromise(createActor(planRestartStep(), { input: { polecat: { ...toast, townRoot: town.root } } }).start());
    await expect(plan()).rejects.toThrow('gastown/Toast is no longer up');
    await writeDesired(town.root, toast, 'down');
    await expect(plan()).rejects.toThrow('gastown/Toast is no longer up');
  });

  it('waits out the backoff, and stops waiting when stopped', async () => {
    const began = Date.now();
    await toPromise(createActor(sleepStep(), { input: { ms: 50 } }).start());
    expect(Date.now() - began).toBeGreaterThanOrEqual(45);
    const long = createActor(sleepStep(), { input: { ms: 60_000 } }).start();
    long.stop();
    expect(long.getSnapshot().status).toBe('stopped');
  });
});
