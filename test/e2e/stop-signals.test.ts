/**
 * SIGINT and SIGTERM to `polecat stop` (and stop-all) in each phase, on real tmux with the built CLI: an interrupted
 * stop finishes by force, leaves no session and no process, exits 0, says it was interrupted, and its run's journal
 * records the CANCEL. Which step a stop is in is read from its journal, never guessed with sleeps.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listRuns, RunFiles, type JournalEntry } from '../../src/runs/store.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { isAlive, makeTown, readSimLog, retryUntil, simPids, type TestTown } from '../helpers/town.js';

/** An agent that does not leave when asked (Ctrl-C read, never obeyed), ignores SIGTERM, and has a child that does too. */
const STUBBORN = '--ignore-ctrl-c --ignore-term --spawn-child';

async function startSim(town: TestTown, polecat: string, simFlags: string): Promise<{ log: string; pids: number[] }> {
  const log = town.logPath(polecat.replace('/', '-'));
  const started = await runCli(['start', polecat, '--town', town.root, '--agent', `sim --log ${log} ${simFlags}`]);
  expect(started.code, started.stderr).toBe(0);
  const pids = simFlags.includes('--spawn-child')
    ? await retryUntil('the sim and its child', () => (simPids(readSimLog(log)).length === 2 ? simPids(readSimLog(log)) : undefined))
    : simPids(readSimLog(log));
  expect(pids.every(isAlive)).toBe(true);
  return { log, pids };
}

function stopRunIds(town: TestTown, polecat: string): string[] {
  return listRuns(town.root)
    .filter((r) => r.record.kind === 'stop' && `${r.record.rig}/${r.record.name}` === polecat)
    .map((r) => r.record.runId);
}

function journalOf(town: TestTown, runId: string): JournalEntry[] {
  return new RunFiles(town.root, runId).journal();
}

/** Polls the polecat's stop run until its journal shows the state entered; returns the run id. */
function stopEntered(town: TestTown, polecat: string, state: string): Promise<string> {
  return retryUntil(
    `the stop of ${polecat} to enter ${state}`,
    () => stopRunIds(town, polecat).find((id) => journalOf(town, id).some((e) => e.type === 'state.entered' && e.state === state)),
    15_000,
  );
}

/** Runs `polecat <args>` in a process group of its own (a shell's job) and hands back its pid and output so far. */
function runInBackground(args: string[]): { result: Promise<CliResult>; pid: () => number; output: () => string } {
  let pid = 0;
  let output = () => '';
  const result = runCli(args, {
    detached: true,
    onSpawn: (p, o) => {
      pid = p;
      output = o;
    },
  });
  return { result, pid: () => pid, output: () => output() };
}

/** Ctrl-C at a terminal goes to the whole foreground job; SIGTERM, as `kill` sends it, to the process alone. */
function interrupt(pid: number, signal: 'SIGINT' | 'SIGTERM'): void {
  process.kill(signal === 'SIGINT' ? -pid : pid, signal);
}

async function expectNothingLeft(town: TestTown, pids: readonly number[]): Promise<void> {
  for (const pid of pids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
  const left = await runCli(['list', '--json', '--town', town.root]);
  expect(JSON.parse(left.stdout)).toEqual([]);
}

/** The run ended stopped, its journal holding the CANCEL (after `afterState` was entered) and the result. */
function expectJournaledCancel(town: TestTown, runId: string, afterState: string): JournalEntry[] {
  const journal = journalOf(town, runId);
  const entered = journal.findIndex((e) => e.type === 'state.entered' && e.state === afterState);
  const cancel = journal.findIndex((e) => e.type === 'event' && e.event === 'CANCEL');
  expect(entered).toBeGreaterThan(-1);
  expect(cancel).toBeGreaterThan(entered);
  expect(journal.at(-1)).toMatchObject({ type: 'run.finished', result: 'stopped' });
  expect(new RunFiles(town.root, runId).record().result).toBe('stopped');
  return journal;
}

describe('polecat stop interrupted by a signal', () => {
  it.each([
    ['SIGINT', 'Ctrl-C'],
    ['SIGTERM', 'SIGTERM'],
  ] as const)('%s while waiting for the agent to exit: stops waiting, kills everything, exit 0', async (signal, named) => {
    const town = makeTown({ gastown: ['Toast'] });
    const { pids } = await startSim(town, 'gastown/Toast', STUBBORN);
    const stop = runInBackground(['stop', 'gastown/Toast', '--town', town.root, '--timeout', 'graceful=30,kill=1']);
    const runId = await stopEntered(town, 'gastown/Toast', 'gracefulStop');
    const signalled = Date.now();
    interrupt(stop.pid(), signal);
    const result = await stop.result;

    expect(result.code, result.stderr).toBe(0);
    // No more waiting: far sooner than the 30 s the agent was given.
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(result.stderr).toContain(`${named}: stopping at once (no more waiting for the agent to exit)`);
    expect(result.stdout).toMatch(new RegExp(`gastown/Toast stopped in .* \\(interrupted by ${named}, finished by force\\): 2 processes gone \\(the wait for the agent to exit cut short; 2 killed after ignoring SIGTERM\\)`));
    expect(result.stderr).toMatch(/- gracefulStop .*cancelled/);
    await expectNothingLeft(town, pids);
    const journal = expectJournaledCancel(town, runId, 'gracefulStop');
    expect(journal).toContainEqual(expect.objectContaining({ type: 'step.finished', step: 'gracefulStop', outcome: 'cancelled' }));
    for (const step of ['killProcesses', 'killSession', 'verifyGone']) {
      expect(journal).toContainEqual(expect.objectContaining({ type: 'step.finished', step, outcome: 'ok' }));
    }
    const view = JSON.parse((await runCli(['inspect', runId, '--json', '--town', town.root])).stdout);
    expect(view).toMatchObject({ kind: 'stop', result: 'stopped', cancelledIn: 'gracefulStop' });
  });

  it('SIGINT during the kill phase: the kill steps finish (SIGKILL after the grace), a second one is acknowledged, exit 0', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const { pids } = await startSim(town, 'gastown/Toast', STUBBORN);
    const stop = runInBackground(['stop', 'gastown/Toast', '--town', town.root, '--timeout', 'graceful=0.2,kill=2']);
    const runId = await stopEntered(town, 'gastown/Toast', 'killProcesses');
    interrupt(stop.pid(), 'SIGINT');
    await retryUntil('the first Ctrl-C acknowledged', () => stop.output().includes('Ctrl-C: stopping at once') || undefined);
    interrupt(stop.pid(), 'SIGINT');
    const result = await stop.result;

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('Ctrl-C: stopping at once: the kill steps are under way and finish');
    expect(result.stderr).toContain('(still stopping; please wait)');
    expect(result.stdout).toContain('(interrupted by Ctrl-C, finished by force): 2 processes gone (the agent did not exit when asked; 2 killed after ignoring SIGTERM)');
    await expectNothingLeft(town, pids);
    const journal = expectJournaledCancel(town, runId, 'killProcesses');
    // The kill step was not cut short: it waited out its grace and SIGKILLed both.
    const kill = journal.find((e) => e.type === 'step.finished' && e.step === 'killProcesses');
    expect(kill).toMatchObject({ outcome: 'ok' });
    expect(kill?.type === 'step.finished' && kill.ms).toBeGreaterThanOrEqual(1_900);
    expect((await runCli(['inspect', runId, '--town', town.root])).stdout).toContain('CANCEL in killProcesses: the stop finished by force');
  });

  it('SIGINT while the stop waits for a start in progress to roll back: the wait goes on, then the stop runs by force', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const log = town.logPath('sim');
    // Slow to start, and SIGTERM ignored: the start's rollback takes its whole kill grace.
    const starting = runInBackground(['start', 'gastown/Toast', '--town', town.root, '--agent', `sim --startup-ms 20000 --ignore-term --log ${log}`]);
    await retryUntil('the sim to start', () => readSimLog(log).length > 0 || undefined, 10_000);
    const stop = runInBackground(['stop', 'gastown/Toast', '--town', town.root]);
    await retryUntil('the stop waiting for the start', () => stop.output().includes('waiting for it to roll back') || undefined, 10_000);
    interrupt(stop.pid(), 'SIGINT');
    const result = await stop.result;

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('Ctrl-C: stopping at once: the start in progress');
    expect(result.stdout).toMatch(/gastown\/Toast: cancelled the start in progress \(run [0-9a-f-]+\); it rolled back/);
    expect(result.stdout).toContain('nothing to stop (interrupted by Ctrl-C)');
    expect((await starting.result).code).toBe(130);
    await expectNothingLeft(town, simPids(readSimLog(log)));
    const [runId] = stopRunIds(town, 'gastown/Toast');
    const journal = journalOf(town, runId!);
    expect(journal).toContainEqual(expect.objectContaining({ type: 'event', event: 'CANCEL' }));
    expect(journal.at(-1)).toMatchObject({ type: 'run.finished', result: 'notRunning' });
  });
});

describe('polecat stop interrupted in each of its steps', () => {
  const steps = ['inspectSession', 'gracefulStop', 'killProcesses', 'killSession', 'verifyGone'] as const;
  it.each(steps.flatMap((step) => (['SIGINT', 'SIGTERM'] as const).map((signal) => [signal, step] as const)))(
    '%s in %s (held there once its work is done): the stop finishes, exit 0, CANCEL journaled, nothing left',
    async (signal, step) => {
      const town = makeTown({ gastown: ['Toast'] });
      const { pids } = await startSim(town, 'gastown/Toast', '--spawn-child');
      const hold = join(town.root, 'held');
      let pid = 0;
      let output = () => '';
      // The sim's child ignores SIGTERM: a short kill grace keeps its SIGKILL quick.
      const stopping = runCli(['stop', 'gastown/Toast', '--town', town.root, '--timeout', 'kill=0.3'], {
        detached: true,
        env: { POLECAT_TEST_HOLD: `${step}:${hold}` },
        onSpawn: (p, o) => {
          pid = p;
          output = o;
        },
      });
      await retryUntil(`the stop to hold in ${step}`, () => existsSync(hold) || undefined, 15_000);
      interrupt(pid, signal);
      await retryUntil('the stop to acknowledge the signal', () => /Ctrl-C|SIGTERM/.test(output()) || undefined);
      rmSync(hold);
      const result = await stopping;
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toMatch(/gastown\/Toast stopped in .*\(interrupted by (Ctrl-C|SIGTERM)/);
      const [runId] = stopRunIds(town, 'gastown/Toast');
      expectJournaledCancel(town, runId!, step);
      await expectNothingLeft(town, pids);
    },
  );
});

describe('polecat stop-all interrupted by a signal', () => {
  it('Ctrl-C while the agents are asked to exit: every stop finishes by force, exit 0', async () => {
    const town = makeTown({ alpha: ['p1', 'p2'] });
    const sims = await Promise.all(['alpha/p1', 'alpha/p2'].map((p) => startSim(town, p, STUBBORN)));
    const stopAll = runInBackground(['stop-all', 'alpha', '--town', town.root, '--timeout', 'graceful=30,kill=1']);
    const runIds = await Promise.all(['alpha/p1', 'alpha/p2'].map((p) => stopEntered(town, p, 'gracefulStop')));
    interrupt(stopAll.pid(), 'SIGINT');
    const result = await stopAll.result;

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('Ctrl-C: stopping at once (no more waiting for the agents to exit)');
    for (const p of ['alpha/p1', 'alpha/p2']) expect(result.stdout).toContain(`${p}: stopped (2 processes gone; interrupted, finished by force)`);
    await expectNothingLeft(town, sims.flatMap((s) => s.pids));
    for (const runId of runIds) expectJournaledCancel(town, runId, 'gracefulStop');
  });
});
