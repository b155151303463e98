import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capture, ForeignSessionError, inject, start, status, stop } from '../../src/manager.js';
import { planStart, planStop } from '../../src/plan.js';
import { baseEnvironment } from '../../src/agents/environment.js';
import { readProcess } from '../../src/proc/process-tree.js';
import { createStepDeps } from '../../src/steps/deps.js';
import { Tmux, type Signalled } from '../../src/tmux/client.js';
import type { SessionRow } from '../../src/tmux/formats.js';
import { runCli } from '../helpers/cli.js';
import { isAlive, makeTown, readSimLog, retryUntil, simPids, type TestTown } from '../helpers/town.js';

const deps = createStepDeps({ pollMs: 25 });

async function startSim(town: TestTown, rig: string, name: string, simArgs = '') {
  const log = town.logPath(`${rig}-${name}`);
  const plan = planStart({ rig, name }, { town: town.root, agent: `sim --log ${log} ${simArgs}` });
  const result = await start(plan, { deps });
  expect(result.failure).toBeUndefined();
  return { plan, log, result };
}

/** gastown/Toast started with a stubborn child, then its agent killed with SIGKILL; waits until status shows it. */
async function crashAgentWithChild(town: TestTown) {
  const toast = await startSim(town, 'gastown', 'Toast', '--spawn-child');
  const pids = await retryUntil('the child pid', () => {
    const found = simPids(readSimLog(toast.log));
    return found.length === 2 ? found : undefined;
  });
  process.kill(pids[0]!, 'SIGKILL');
  const seen = await retryUntil('the exit to show', async () => {
    const s = await status({ rig: 'gastown', name: 'Toast' }, { town: town.root });
    return s.running ? undefined : s;
  });
  return { pids, seen };
}

describe('sessions that are not, or no longer, what they seem', () => {
  it('never sends keys to another pane when the agent pane is gone, and reaps the user pane it owns', async () => {
    const town = makeTown({ gastown: ['Toast', 'Nux'] });
    const nux = await startSim(town, 'gastown', 'Nux');
    const toast = await startSim(town, 'gastown', 'Toast', '--spawn-child');
    const tmux = new Tmux({ socket: toast.plan.socket });
    await tmux.batch([['split-window', '-d', '-t', `=${toast.plan.sessionName}:`, 'sleep 1000']]);
    const [agentPid] = simPids(readSimLog(toast.log));
    process.kill(agentPid!, 'SIGKILL');
    await retryUntil('the agent pane to show dead', async () => (await status({ rig: 'gastown', name: 'Toast' }, { town: town.root })).running === false || undefined);

    const stopped = await stop(planStop({ rig: 'gastown', name: 'Toast' }, { town: town.root, killGraceMs: 300 }), { deps });
    expect(stopped.result).toBe('stopped');
    expect(readSimLog(nux.log).filter((e) => e.event === 'key' && e.key === 'C-c')).toEqual([]);
    expect((await status({ rig: 'gastown', name: 'Nux' }, { town: town.root })).running).toBe(true);
    for (const pid of simPids(readSimLog(toast.log))) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    await stop(planStop({ rig: 'gastown', name: 'Nux' }, { town: town.root }), { deps });
  });

  it('keeps a crashed agent\'s session for inspection, and stop reaps the children it left', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const { pids, seen } = await crashAgentWithChild(town);
    expect(seen).toMatchObject({ sessionExists: true, running: false, agentExitSignal: 9 });
    expect(isAlive(pids[1]!)).toBe(true);

    const stopped = await stop(planStop({ rig: 'gastown', name: 'Toast' }, { town: town.root, killGraceMs: 300 }), { deps });
    expect(stopped.result).toBe('stopped');
    expect(isAlive(pids[1]!)).toBe(false);
  });

  it('replaces a stale session on start, reaping what the dead agent left', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const { pids } = await crashAgentWithChild(town);
    const again = await start(planStart({ rig: 'gastown', name: 'Toast' }, { town: town.root, agent: 'sim' }), { deps });
    expect(again.result).toBe('running');
    expect(again.warnings.join()).toContain('replaced stale session gastown-Toast (its agent had exited with signal 9 (SIGKILL))');
    await retryUntil('the orphaned child to be gone', () => !isAlive(pids[1]!) || undefined, 4_000);
    await stop(planStop({ rig: 'gastown', name: 'Toast' }, { town: town.root }), { deps });
  });

  it('replaces the session of an agent /proc shows gone while tmux still shows its pane alive (tmux is slower to see a kill)', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const toast = await startSim(town, 'gastown', 'Toast');
    process.kill(toast.result.session!.panePid, 'SIGKILL');
    await retryUntil('the agent gone from /proc', () => readProcess(toast.result.session!.panePid) === undefined || undefined);
    // The session's first look shows the agent's pane as tmux shows it in the moment after a kill: not dead yet.
    class LateTmux extends Tmux {
      late = true;
      override async sessionPanes(session: string, options: Signalled = {}): Promise<SessionRow[]> {
        const rows = await super.sessionPanes(session, options);
        if (!this.late) return rows;
        this.late = false;
        return rows.map((row) => ({ ...row, paneDead: false, paneDeadStatus: undefined, paneDeadSignal: undefined }));
      }
    }
    const late = new LateTmux({ socket: toast.plan.socket, clientEnv: baseEnvironment(process.env) });
    const again = await start(planStart({ rig: 'gastown', name: 'Toast' }, { town: town.root, agent: 'sim' }), { deps: { ...deps, tmux: () => late } });
    expect(again.failure).toBeUndefined();
    expect(again.result).toBe('running');
    expect(late.late).toBe(false);
    expect(again.warnings.join()).toContain('replaced stale session gastown-Toast (its agent had exited with signal 9 (SIGKILL))');
    await stop(planStop({ rig: 'gastown', name: 'Toast' }, { town: town.root }), { deps });
  });

  it('leaves alone a session whose name another polecat already uses', async () => {
    const town = makeTown({ 'a-b': ['c'], a: ['b-c'] });
    const owner = await startSim(town, 'a-b', 'c');
    const other = { rig: 'a', name: 'b-c' };
    expect(planStart(other, { town: town.root, agent: 'sim' }).sessionName).toBe(owner.plan.sessionName);

    const seen = await status(other, { town: town.root });
    expect(seen).toMatchObject({ running: false, conflict: 'session a-b-c belongs to polecat a-b/c, not a/b-c' });
    const stopped = await stop(planStop(other, { town: town.root }), { deps });
    expect(stopped.result).toBe('failed');
    expect(stopped.failure?.message).toContain('belongs to polecat a-b/c');
    const started = await start(planStart(other, { town: town.root, agent: 'sim' }), { deps });
    expect(started.failure?.step).toBe('preflight');
    expect(started.undone).toEqual([]);
    // Every command that finds the polecat's session refuses another's the same way, saying what it will not do.
    const foreign = `session a-b-c belongs to polecat a-b/c, not a/b-c (socket ${owner.plan.socket}); polecat will not`;
    expect(started.failure?.message).toBe(`${foreign} touch it`);
    expect(stopped.failure?.message).toBe(`${foreign} stop it`);
    await expect(capture(other, 0, { town: town.root })).rejects.toThrow(new ForeignSessionError('session a-b-c belongs to polecat a-b/c, not a/b-c', owner.plan.socket, 'read it'));
    await expect(inject(other, 'hello', { town: town.root })).rejects.toThrow(`${foreign} type into it`);
    await expect(inject(other, 'hello', { town: town.root })).rejects.toBeInstanceOf(ForeignSessionError);
    const attached = await runCli(['attach', 'a/b-c', '--town', town.root]);
    expect(attached.code).toBe(1);
    expect(attached.stderr).toBe(`polecat: ${foreign} attach to it\n`);

    expect((await status({ rig: 'a-b', name: 'c' }, { town: town.root })).running).toBe(true);
    expect(readSimLog(owner.log).filter((e) => e.event === 'key' && e.key === 'C-c')).toEqual([]);
    await stop(planStop({ rig: 'a-b', name: 'c' }, { town: town.root }), { deps });
  });

  it('refuses a missing agent program before writing any settings file', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const plan = planStart({ rig: 'gastown', name: 'Toast' }, { town: town.root, agent: 'claude' });
    const savedPath = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const result = await start(plan, { deps });
      expect(result.failure).toMatchObject({ step: 'preflight', message: 'agent program "claude" not found on PATH (install it, or choose another agent with --agent)' });
      expect(result.warnings).toEqual([]);
    } finally {
      process.env.PATH = savedPath;
    }
    expect(existsSync(join(town.root, 'gastown', 'polecats', '.claude'))).toBe(false);
  });
});
