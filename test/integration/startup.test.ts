import { describe, expect, it } from 'vitest';
import { start, status, stop } from '../../src/manager.js';
import { planStart, planStop, type StartOptions } from '../../src/plan.js';
import { createStepDeps } from '../../src/steps/deps.js';
import { Tmux } from '../../src/tmux/client.js';
import { isAlive, makeTown, readSimLog, retryUntil, simPids, type TestTown } from '../helpers/town.js';

const address = { rig: 'gastown', name: 'Toast' };
const fast = { pollMs: 25 };

function startSim(town: TestTown, simArgs: string, options: Partial<StartOptions> = {}, signal?: AbortSignal) {
  const log = town.logPath('sim');
  const plan = planStart(address, { town: town.root, agent: `sim --log ${log} ${simArgs}`, ...options });
  return { plan, log, run: start(plan, { deps: createStepDeps(fast), ...(signal ? { signal } : {}) }) };
}

async function expectNothingLeft(plan: { socket: string; sessionName: string }, log: string) {
  expect(await new Tmux({ socket: plan.socket }).hasSession(plan.sessionName)).toBe(false);
  const pids = simPids(readSimLog(log));
  await retryUntil('every sim process to be gone', () => pids.every((pid) => !isAlive(pid)) || undefined, 3_000);
}

describe('start on real tmux with the sim agent', () => {
  it('answers trust and bypass by label, delivers the startup text once, and runs', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const { plan, log, run } = startSim(town, '--dialogs trust,bypass --busy-ms 200');
    const result = await run;
    expect(result.failure).toBeUndefined();
    expect(result.result).toBe('running');
    expect(result.warnings).toEqual([]);

    const events = readSimLog(log);
    expect(events.filter((e) => e.event === 'answer').map((e) => e.option)).toEqual(['Yes, I trust this folder', 'Yes, I accept']);
    expect(events.filter((e) => e.event === 'submit').map((e) => e.text)).toEqual([plan.startupText]);

    const seen = await status(address, { town: town.root });
    expect(seen).toMatchObject({ running: true, session: plan.sessionName, socket: plan.socket, agentPid: result.session?.panePid });

    const stopped = await stop(planStop(address, { town: town.root }), { deps: createStepDeps(fast) });
    expect(stopped.result).toBe('stopped');
    await expectNothingLeft(plan, log);
  });

  it('reads a prompt drawn with a non-breaking space as ready', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const { plan, log, run } = startSim(town, '--prompt-nbsp');
    expect((await run).result).toBe('running');
    await stop(planStop(address, { town: town.root }), { deps: createStepDeps(fast) });
    await expectNothingLeft(plan, log);
  });

  it('fails fast, naming the exit status, when the agent exits at start', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const began = Date.now();
    const { plan, log, run } = startSim(town, '--exit-at start --exit-code 3');
    const result = await run;
    expect(Date.now() - began).toBeLessThan(2_000);
    expect(result.result).toBe('failed');
    expect(['createSession', 'waitForCommand']).toContain(result.failure?.step);
    expect(result.failure?.message).toContain('status 3');
    expect(result.failure?.exitStatus).toBe(3);
    await expectNothingLeft(plan, log);
  });

  it('fails at the deadline with the screen when the agent hangs, and leaves nothing', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const { plan, log, run } = startSim(town, '--hang', { timeouts: { dialogsMs: 1_500 } });
    const result = await run;
    expect(result.result).toBe('failed');
    expect(result.failure?.step).toBe('acceptBypass');
    expect(result.failure?.message).toContain('neither a known dialog nor the ready prompt');
    expect(result.failure?.screen).toContain('Starting up');
    expect(result.undone.join()).toContain(`killed session ${plan.sessionName}`);
    await expectNothingLeft(plan, log);
  });

  it('fails with the exit status when the agent exits in the bypass dialog', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const { plan, log, run } = startSim(town, '--dialogs trust,bypass --exit-at bypass --exit-code 4');
    const result = await run;
    expect(result.result).toBe('failed');
    expect(result.failure?.step).toBe('acceptBypass');
    expect(result.failure, JSON.stringify(result)).toMatchObject({ exitStatus: 4 });
    expect(result.failure?.screen).toContain('Bypass Permissions mode');
    await expectNothingLeft(plan, log);
  });

  it('refuses a second start of a running polecat without touching it', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const first = startSim(town, '');
    expect((await first.run).result).toBe('running');
    const second = await start(planStart(address, { town: town.root, agent: 'sim' }), { deps: createStepDeps(fast) });
    expect(second.result).toBe('failed');
    expect(second.failure?.step).toBe('preflight');
    expect(second.failure?.message).toContain('already running');
    expect(second.undone).toEqual([]);
    expect((await status(address, { town: town.root })).running).toBe(true);
    await stop(planStop(address, { town: town.root }), { deps: createStepDeps(fast) });
    await expectNothingLeft(first.plan, first.log);
  });

  it('cancels on abort, rolls back, and ends cancelled', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const controller = new AbortController();
    const { plan, log, run } = startSim(town, '--startup-ms 10000', {}, controller.signal);
    await retryUntil('the sim to start', () => readSimLog(log).length > 0 || undefined);
    controller.abort();
    const result = await run;
    expect(result.result).toBe('cancelled');
    expect(result.undone.join()).toContain('killed session');
    await expectNothingLeft(plan, log);
  });
});

describe('stop on real tmux', () => {
  it('leaves no process of an agent that ignores SIGTERM and has a child that does too', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const { plan, log, run } = startSim(town, '--ignore-term --spawn-child');
    expect((await run).result).toBe('running');
    const pids = await retryUntil('the child pid', () => {
      const found = simPids(readSimLog(log));
      return found.length === 2 ? found : undefined;
    });
    expect(pids.every(isAlive)).toBe(true);

    const result = await stop(planStop(address, { town: town.root, killGraceMs: 300 }), { deps: createStepDeps(fast) });
    expect(result.result).toBe('stopped');
    for (const pid of pids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    await expectNothingLeft(plan, log);
  });

  it('forced: kills without asking, nothing left', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const { plan, log, run } = startSim(town, '--spawn-child');
    expect((await run).result).toBe('running');
    const result = await stop(planStop(address, { town: town.root, force: true }), { deps: createStepDeps(fast) });
    expect(result).toMatchObject({ result: 'stopped', exitedGracefully: false });
    expect(readSimLog(log).some((e) => e.event === 'key' && e.key === 'C-c')).toBe(false);
    await expectNothingLeft(plan, log);
  });

  it('aborted in process while waiting for the agent: stops waiting, finishes by force, nothing left', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const { plan, log, run } = startSim(town, '--ignore-ctrl-c --ignore-term --spawn-child');
    expect((await run).result).toBe('running');
    await retryUntil('the child pid', () => (simPids(readSimLog(log)).length === 2 ? true : undefined));
    const controller = new AbortController();
    const began = Date.now();
    const result = await stop(planStop(address, { town: town.root, gracefulMs: 30_000, killGraceMs: 300 }), {
      deps: createStepDeps(fast),
      signal: controller.signal,
      onProgress: (event) => event.type === 'step.started' && event.step === 'gracefulStop' && controller.abort(),
    });
    expect(Date.now() - began).toBeLessThan(10_000);
    expect(result).toMatchObject({ result: 'stopped', interrupted: true, interruptedIn: 'gracefulStop', exitedGracefully: false, processes: 2 });
    expect(result.killed).toHaveLength(2);
    await expectNothingLeft(plan, log);
  });

  it('says not running for a polecat without a session', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const result = await stop(planStop(address, { town: town.root }), { deps: createStepDeps(fast) });
    expect(result.result).toBe('notRunning');
  });
});

describe('issues with the stand-in bd', () => {
  it('hooks the issue to the polecat', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    town.setIssues('gastown', { 'gt-1': { status: 'open', assignee: 'mayor' } });
    const { plan, log, run } = startSim(town, '', { issue: 'gt-1' });
    expect((await run).result).toBe('running');
    expect(town.issue('gastown', 'gt-1')).toMatchObject({ status: 'hooked', assignee: 'gastown/polecats/Toast' });
    await stop(planStop(address, { town: town.root }), { deps: createStepDeps(fast) });
    await expectNothingLeft(plan, log);
  });

  it.each([
    ['closed', { 'gt-1': { status: 'closed' } }, 'terminal status closed'],
    ['tombstone', { 'gt-1': { status: 'tombstone' } }, 'terminal status tombstone'],
    ['unknown', { 'gt-2': { status: 'open' } }, 'issue not found: gt-1'],
  ])('refuses a %s issue before any session exists', async (_label, issues, message) => {
    const town = makeTown({ gastown: ['Toast'] });
    town.setIssues('gastown', issues);
    const { plan, run } = startSim(town, '', { issue: 'gt-1' });
    const result = await run;
    expect(result.result).toBe('failed');
    expect(result.failure?.step).toBe('validateIssue');
    expect(result.failure?.message).toContain(message);
    expect(result.undone).toEqual([]);
    expect(await new Tmux({ socket: plan.socket }).hasSession(plan.sessionName)).toBe(false);
  });

  it('restores the issue when a later step fails', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    town.setIssues('gastown', { 'gt-1': { status: 'open', assignee: 'mayor' } });
    const { plan, log, run } = startSim(town, '--exit-at prompt --exit-code 5', { issue: 'gt-1' });
    const result = await run;
    expect(result.result).toBe('failed');
    expect(result.undone.join()).toContain('restored issue gt-1 to status open');
    expect(town.issue('gastown', 'gt-1')).toMatchObject({ status: 'open', assignee: 'mayor' });
    await expectNothingLeft(plan, log);
  });
});
