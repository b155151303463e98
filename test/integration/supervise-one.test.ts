/**
 * One polecat's live supervision on real tmux with the sim: its agent killed, restarted after the backoff by the
 * startup machine as the supervision's child, that restart recorded as a run of its own following the last.
 */
import { describe, expect, it } from 'vitest';
import { waitFor, type AnyActorRef } from 'xstate';
import type { StartupInput, StartupOutput } from '../../machines/startup.js';
import { start, status, stop } from '../../src/manager.js';
import { planStart, planStop } from '../../src/plan.js';
import { RunFiles } from '../../src/runs/store.js';
import { writeDesired } from '../../src/supervise/desired.js';
import { superviseOne } from '../../src/supervise/supervise-one.js';
import { createStepDeps } from '../../src/steps/deps.js';
import { DEFAULT_SUPERVISION_POLICY } from '../../machines/supervision.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { lockHolder } from '../../src/runs/lock.js';
import { readProcess } from '../../src/proc/process-tree.js';
import { Supervisor } from '../../src/supervise/supervisor.js';
import { tmuxSpawnCount } from '../../src/tmux/run.js';
import { awaitNothingLeft, makeTown, retryUntil } from '../helpers/town.js';

const toast = { rig: 'gastown', name: 'Toast' };
const deps = createStepDeps({ pollMs: 25 });

describe('supervising one polecat', () => {
  it('restarts its killed agent as a recorded run following the last, and DOWN ends it leaving the polecat running', { timeout: 60_000 }, async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const log = town.logPath('sim');
    const agent = `sim --log ${log}`;
    await writeDesired(town.root, toast, 'up', { agent });
    const first = planStart(toast, { town: town.root, agent });
    expect((await start(first, { deps })).result).toBe('running');
    const before = await status(toast, { town: town.root });

    const restarts: Array<{ plan: StartupInput; output: StartupOutput | Error }> = [];
    const supervisor = superviseOne(
      { ...toast, townRoot: town.root },
      {
        deps,
        upSince: Date.now(),
        run: first.runId,
        policy: { ...DEFAULT_SUPERVISION_POLICY, backoffMinMs: 100 },
        onRestarted: (plan, output) => restarts.push({ plan, output }),
      },
    ).start();
    try {
      process.kill(before.agentPid!, 'SIGKILL');
      await retryUntil('the agent gone', async () => ((await status(toast, { town: town.root })).running ? undefined : true));
      supervisor.send({ type: 'DIED', at: Date.now(), reason: 'agent-dead' });
      await waitFor(supervisor as AnyActorRef, (s) => s.value === 'watching' && s.context.run !== first.runId, { timeout: 15_000 }).catch((error: unknown) => {
        const snap = supervisor.getSnapshot();
        throw new Error(`${String(error)}: supervision ${String(snap.value)} ${JSON.stringify({ ...snap.context, next: snap.context.next?.plan.runId })}; restarts ${JSON.stringify(restarts.map((r) => (r.output instanceof Error ? r.output.message : r.output)))}`);
      });

      expect(restarts).toHaveLength(1);
      const { plan, output } = restarts[0]!;
      expect(output).toMatchObject({ result: 'running', warnings: [expect.stringMatching(/^replaced stale session gastown-Toast \(its agent had exited/)] });
      const files = new RunFiles(town.root, plan.runId);
      expect(files.record()).toMatchObject({ kind: 'start', result: 'running', input: { follows: first.runId } });
      const journal = files.journal().map((entry) => entry.type);
      expect(journal[0]).toBe('run.started');
      expect(journal.at(-1)).toBe('run.finished');
      expect(journal).toContain('step.finished');
      const after = await status(toast, { town: town.root });
      expect(after.running).toBe(true);
      expect(after.agentPid).not.toBe(before.agentPid);
      expect(after.run).toBe(plan.runId);

      supervisor.send({ type: 'DOWN', at: Date.now() });
      expect(supervisor.getSnapshot().status).toBe('done');
      expect((await status(toast, { town: town.root })).running).toBe(true);
    } finally {
      supervisor.stop();
      await stop(planStop(toast, { town: town.root }));
    }
    await awaitNothingLeft(log, first.socket);
  });

  it("put down while its restart waits for the polecat's lock (another run holds it): nothing is taken, nothing left held", { timeout: 30_000 }, async () => {
    const town = makeTown({ gastown: ['Toast'] });
    await writeDesired(town.root, toast, 'up', { agent: 'sim' });
    // Another live process holds the polecat's lock (a user's start, say) for as long as this test wants.
    const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
    const lockDir = join(town.root, '.runtime', 'polecat', 'locks');
    mkdirSync(lockDir, { recursive: true });
    writeFileSync(join(lockDir, 'gastown.Toast.lock'), JSON.stringify({ pid: holder.pid, startTime: readProcess(holder.pid!)!.startTime, runId: 'users-run', kind: 'start' }));
    const supervisor = superviseOne({ ...toast, townRoot: town.root }, { deps, upSince: Date.now(), policy: { ...DEFAULT_SUPERVISION_POLICY, backoffMinMs: 10 } }).start();
    try {
      await waitFor(supervisor as AnyActorRef, (s) => s.value === 'watching');
      supervisor.send({ type: 'DIED', at: Date.now(), reason: 'session-dead' });
      await waitFor(supervisor as AnyActorRef, (s) => s.value === 'planning');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(supervisor.getSnapshot().value).toBe('planning');
      supervisor.send({ type: 'DOWN', at: Date.now() });
      expect(supervisor.getSnapshot().status).toBe('done');
      // The other run lets go: the lock is free, never taken by the supervision put down.
      holder.kill();
      await retryUntil('the lock free', () => (lockHolder(town.root, 'gastown', 'Toast') === undefined ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(lockHolder(town.root, 'gastown', 'Toast')).toBeUndefined();
    } finally {
      holder.kill();
      supervisor.stop();
    }
  });

  it('a pass is one tmux call, also for an agent quiet past the hung threshold once it is seen idle, not hung', { timeout: 60_000 }, async () => {
    const town = makeTown({ gastown: ['Toast'] });
    mkdirSync(join(town.root, 'settings'), { recursive: true });
    writeFileSync(join(town.root, 'settings', 'config.json'), JSON.stringify({ supervision: { hung_after_s: 1 } }));
    const log = town.logPath('sim');
    const agent = `sim --log ${log}`;
    await writeDesired(town.root, toast, 'up', { agent });
    const first = planStart(toast, { town: town.root, agent });
    expect((await start(first, { deps })).result).toBe('running');
    const lines: string[] = [];
    const supervisor = Supervisor.take({ townRoot: town.root, socket: first.socket, deps, log: (line) => lines.push(line) });
    try {
      await supervisor.pass();
      await retryUntil('watching', async () => {
        await supervisor.pass();
        return lines.some((l) => l.includes('gastown/Toast: supervised')) ? true : undefined;
      });
      // Quiet (an idle sim draws nothing) past the threshold: judged once, in the background.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await supervisor.pass();
      await new Promise((resolve) => setTimeout(resolve, 500));
      const before = tmuxSpawnCount();
      for (let i = 0; i < 5; i++) await supervisor.pass();
      expect(tmuxSpawnCount() - before).toBe(5);
      expect(lines.join('\n')).not.toContain('hung');
    } finally {
      await supervisor.run(AbortSignal.abort());
      await stop(planStop(toast, { town: town.root }));
    }
    await awaitNothingLeft(log, first.socket);
  });
});
