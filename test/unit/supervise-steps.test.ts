/** The supervision machine's own steps: the backoff's wait, and a restart planned from what `polecat up` kept. */
import { describe, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { eventFilePath } from '../../src/activity/event-file.js';
import { lastSession, planRestart, planRestartStep, sleepStep } from '../../src/supervise/steps.js';
import { writeDesired } from '../../src/supervise/desired.js';
import { makeTown, type TestTown } from '../helpers/town.js';

/** Hook lines as the agent's hooks write them: one per [run, event, session]. */
function hookLines(town: TestTown, lines: ReadonlyArray<readonly [string, string, string?]>): void {
  const file = eventFilePath(town.root, 'gastown', 'Toast');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, lines.map(([run, event, session], i) => JSON.stringify({ v: 1, run, event, at: 1_000 + i, ...(session ? { session } : {}) })).join('\n') + '\n');
}

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

  describe("continuing the agent's conversation", () => {
    it("learns the session its hooks last reported in that run, none of another run's", () => {
      const town = makeTown({ gastown: ['Toast'] });
      expect(lastSession(town.root, toast, 'run-0')).toBeUndefined();
      hookLines(town, [['run-0', 'SessionStart', 'sess-1'], ['run-0', 'Stop', 'sess-2'], ['run-9', 'SessionStart', 'sess-9'], ['run-0', 'Notification']]);
      expect(lastSession(town.root, toast, 'run-0')).toBe('sess-2');
      expect(lastSession(town.root, toast, 'run-9')).toBe('sess-9');
      expect(lastSession(town.root, toast, 'run-1')).toBeUndefined();
    });

    it('resumes it with the preset\'s arguments and gives no startup text; afresh when a resume just failed or no session is known', async () => {
      const town = makeTown({ gastown: ['Toast'] });
      await writeDesired(town.root, toast, 'up', { agent: 'sim', prompt: 'carry on' });
      hookLines(town, [['run-0', 'SessionStart', 'sess-abc']]);
      const polecat = { ...toast, townRoot: town.root };
      const resumed = planRestart({ polecat, previousRun: 'run-0' }).plan;
      expect(resumed.agent.argv.slice(-2)).toEqual(['--resume', 'sess-abc']);
      expect(resumed).toMatchObject({ startupText: '', resumes: 'sess-abc', follows: 'run-0' });
      const fresh = planRestart({ polecat, previousRun: 'run-0' }, {}, true).plan;
      expect(fresh.agent.argv).not.toContain('--resume');
      expect(fresh).toMatchObject({ startupText: 'carry on' });
      expect(fresh.resumes).toBeUndefined();
      expect(planRestart({ polecat, previousRun: 'run-7' }).plan).toMatchObject({ startupText: 'carry on' });
    });

    it("takes agents.json's resume arguments: its own ({session} or none), or none at all", async () => {
      const town = makeTown({ gastown: ['Toast'] });
      hookLines(town, [['run-0', 'SessionStart', 'sess-abc']]);
      mkdirSync(join(town.root, 'settings'), { recursive: true });
      writeFileSync(
        join(town.root, 'settings', 'agents.json'),
        JSON.stringify({ agents: { cont: { provider: 'sim', resume: ['--continue'] }, never: { provider: 'sim', resume: [] }, named: { provider: 'sim', resume: ['--session={session}'] } } }),
      );
      const polecat = { ...toast, townRoot: town.root };
      const argvOf = async (agent: string) => {
        await writeDesired(town.root, toast, 'up', { agent });
        return planRestart({ polecat, previousRun: 'run-0' }).plan;
      };
      expect((await argvOf('cont')).agent.argv.at(-1)).toBe('--continue');
      expect((await argvOf('named')).agent.argv.at(-1)).toBe('--session=sess-abc');
      const never = await argvOf('never');
      expect(never.resumes).toBeUndefined();
      expect(never.startupText).not.toBe('');
    });
  });
});
