/**
 * Faults a start or a stop meets in the field, produced for real with the built CLI: the agent exiting at each of its
 * phases or hanging, the tmux server killed mid-start and mid-stop, a run store that cannot be written, a start and a
 * stop racing. Each must end with a clear error naming the step, the run's journal recording it, and nothing left:
 * no session, no tmux server, no agent process. (Every step's failure and a signal in each step: endings.test.ts;
 * bd's faults: test/integration/agents.test.ts; kill -9 then resume or rollback, ten starts at once:
 * test/integration/runs.test.ts.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listRuns, RunFiles, type JournalEntry, type RunRecord } from '../../src/runs/store.js';
import { CLI, runCli, tmuxCallCount, type CliResult } from '../helpers/cli.js';
import { awaitNothingLeft, isAlive, killServer, makeTown, readSimLog, retryUntil, simPids, type TestTown } from '../helpers/town.js';

/** The town's runs, oldest first, each with its journal. */
function runs(town: TestTown): Array<{ record: RunRecord; journal: JournalEntry[] }> {
  return listRuns(town.root)
    .reverse()
    .map(({ record }) => ({ record, journal: new RunFiles(town.root, record.runId).journal() }));
}

function socketOf(town: TestTown): string {
  const status = JSON.parse(execFileSync(process.execPath, [CLI, 'status', 'gastown/Toast', '--town', town.root, '--json'], { encoding: 'utf8' }));
  return status.socket as string;
}

/** No agent process, no session, no tmux server: what the test started is gone. */
function expectNothingLeft(town: TestTown, socket: string): Promise<void> {
  return awaitNothingLeft(town.logPath('sim'), socket);
}

function startCli(town: TestTown, sim: string, env: Record<string, string> = {}, extra: string[] = []) {
  let pid = 0;
  let output = () => '';
  const result = runCli(['start', 'gastown/Toast', '--town', town.root, '--agent', `sim --log ${town.logPath('sim')} ${sim}`, ...extra], {
    env,
    onSpawn: (p, read) => {
      pid = p;
      output = read;
    },
  });
  return { result, pid: () => pid, output: () => output() };
}

function expectFailureJournaled(town: TestTown, step: string, result: CliResult): void {
  const [run] = runs(town).filter((r) => r.record.kind === 'start');
  expect(run!.record.result, result.stderr).toBe('failed');
  expect(run!.journal.find((e) => e.type === 'failure')).toMatchObject({ step });
  expect(run!.journal.filter((e) => e.type === 'state.entered').map((e) => e.state).slice(-2)).toEqual(['rollingBack', 'failed']);
}

describe('the agent exits or hangs', () => {
  it.each([
    ['before its first screen', '--exit-at start --exit-code 3', ['createSession', 'waitForCommand', 'acceptBypass'], 3],
    ['in the trust dialog', '--dialogs trust,bypass --exit-at trust --exit-code 4', ['acceptBypass'], 4],
    ['in the bypass dialog', '--dialogs trust,bypass --exit-at bypass --exit-code 5', ['acceptBypass'], 5],
    ['at its prompt', '--exit-at prompt --exit-code 6', ['acceptBypass', 'waitForReady', 'nudges', 'verifyAlive'], 6],
  ])('%s: failed at the step it was in, with its exit status; nothing left', async (_when, sim, steps, status) => {
    const town = makeTown({ gastown: ['Toast'] });
    const { result: running } = startCli(town, sim);
    const result = await running;
    expect(result.code, result.stderr).toBe(1);
    const step = /failed at (\w+): /.exec(result.stderr)?.[1];
    expect(steps).toContain(step);
    expect(result.stderr).toContain(`status ${status}`);
    expectFailureJournaled(town, step!, result);
    await expectNothingLeft(town, (runs(town)[0]!.record.input as { socket: string }).socket);
  });

  it('hangs with a blank screen: fails at acceptBypass when the deadline passes, naming the deadline; nothing left', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const result = await startCli(town, '--startup-ms 60000', {}, ['--timeout', 'dialogs=1']).result;
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/failed at acceptBypass: .*deadline/);
    expectFailureJournaled(town, 'acceptBypass', result);
    await expectNothingLeft(town, (runs(town)[0]!.record.input as { socket: string }).socket);
  });
});

describe('a signal during the rollback of a failed start', () => {
  it('is acknowledged; the rollback finishes, the failure is what the CLI reports (exit 1), nothing left', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const hold = join(town.root, 'held');
    const { result: running, pid, output } = startCli(town, '--hang', { POLECAT_TEST_HOLD: `rollback:${hold}` }, ['--timeout', 'dialogs=1']);
    await retryUntil('the rollback to hold', () => existsSync(hold) || undefined, 15_000);
    process.kill(pid(), 'SIGINT');
    await retryUntil('the CLI to acknowledge the signal', () => /Ctrl-C/.test(output()) || undefined);
    rmSync(hold);
    const result = await running;
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/failed at acceptBypass: /);
    expect(result.stderr).toContain('rolled back: killed session gastown-Toast');
    expect(result.stderr).toContain('(Ctrl-C came during the rollback, which was finished first)');
    expectFailureJournaled(town, 'acceptBypass', result);
    await expectNothingLeft(town, (runs(town)[0]!.record.input as { socket: string }).socket);
  });
});

describe('a cancel while tmux is making the session', () => {
  it('still rolls back the session the call makes after the cancel: nothing left, exit 130', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const log = process.env.POLECAT_TEST_TMUX_LOG!;
    const { result: running, pid } = startCli(town, '', { POLECAT_TEST_TMUX_SLOW: 'new-session' });
    await retryUntil('tmux to be making the session', () => (existsSync(log) && readFileSync(log, 'utf8').includes(town.root) && /new-session.*Toast/.test(readFileSync(log, 'utf8'))) || undefined, 15_000);
    process.kill(pid(), 'SIGINT');
    const result = await running;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/start cancelled in createSession after .*; rolled back: killed session gastown-Toast/);
    await expectNothingLeft(town, (runs(town)[0]!.record.input as { socket: string }).socket);
  });
});

describe('a cancel while bd hooks the issue', () => {
  it('restores the issue after the hook that a cancel could not stop has written it', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    town.setIssues('gastown', { 'gt-1': { status: 'open', assignee: 'mayor' } });
    const calls = join(town.root, 'gastown', '.beads', 'calls.log');
    const { result: running, pid } = startCli(town, '', { BD_STANDIN_FAIL: 'stubborn:700', BD_STANDIN_FAIL_ON: '--status=hooked' }, ['--issue', 'gt-1']);
    await retryUntil('bd to be hooking the issue', () => (existsSync(calls) && readFileSync(calls, 'utf8').includes('--status=hooked')) || undefined, 15_000);
    process.kill(pid(), 'SIGINT');
    const result = await running;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/start cancelled in hook after .*restored issue gt-1 to status open \(assignee mayor\)/);
    expect(town.issue('gastown', 'gt-1')).toMatchObject({ status: 'open', assignee: 'mayor' });
    await expectNothingLeft(town, (runs(town)[0]!.record.input as { socket: string }).socket);
  });
});

describe('the tmux server is killed', () => {
  it.each([
    // It may still be exiting when the rollback looks: then the rollback finishes it.
    ['an agent that exits when its terminal hangs up', '', /rolled back: (nothing to undo|killed the 1 process of the agent its gone session left running)/],
    ['an agent that ignores the hangup and SIGTERM', '--ignore-term --spawn-child', /rolled back: killed the 2 processes of the agent its gone session left running/],
  ])('in the middle of a start, with %s: the next step fails naming the server, the agent is not left running', async (_agent, sim, undone) => {
    const town = makeTown({ gastown: ['Toast'] });
    const hold = join(town.root, 'held');
    const { result: running } = startCli(town, sim, { POLECAT_TEST_HOLD: `waitForCommand:${hold}` });
    await retryUntil('the start to hold once the agent is up', () => existsSync(hold) || undefined, 15_000);
    expect(simPids(readSimLog(town.logPath('sim'))).length).toBeGreaterThan(0);
    const socket = (runs(town)[0]!.record.input as { socket: string }).socket;
    killServer(socket);
    rmSync(hold);
    const result = await running;
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/failed at acceptBypass: the tmux server is gone \(killed or crashed\)/);
    expect(result.stderr).toMatch(undone);
    expectFailureJournaled(town, 'acceptBypass', result);
    await expectNothingLeft(town, socket);
  });

  it('in the middle of a stop: the stop still ends with every process of the polecat gone', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    expect((await startCli(town, '--ignore-term --spawn-child').result).code).toBe(0);
    const socket = socketOf(town);
    await retryUntil('the sim and its child', () => simPids(readSimLog(town.logPath('sim'))).length === 2 || undefined);
    const hold = join(town.root, 'held');
    const stopping = runCli(['stop', 'gastown/Toast', '--town', town.root, '--timeout', 'graceful=0.5,kill=0.5'], { env: { POLECAT_TEST_HOLD: `inspectSession:${hold}` } });
    await retryUntil('the stop to hold in inspectSession', () => existsSync(hold) || undefined, 15_000);
    killServer(socket);
    rmSync(hold);
    const result = await stopping;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/gastown\/Toast stopped/);
    const stop = runs(town).find((r) => r.record.kind === 'stop')!;
    expect(stop.record.result).toBe('stopped');
    await expectNothingLeft(town, socket);
  });
});

/** Runs a start in a mount namespace of its own where the town's .runtime is read-only or a full tmpfs. */
function startWithStore(town: TestTown, store: 'read-only' | 'full'): CliResult & { tmuxCalls: number } {
  const runtime = join(town.root, '.runtime');
  mkdirSync(runtime, { recursive: true });
  const prepare =
    store === 'read-only'
      ? 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1"'
      : 'mount -t tmpfs -o size=16k tmpfs "$1" && { dd if=/dev/zero of="$1/filler" bs=1k count=64 2>/dev/null; true; }';
  const before = tmuxCallCount();
  const child = spawnSync(
    'unshare',
    ['--mount', '--propagation', 'private', 'sh', '-c', `${prepare} && shift && exec "$@"`, 'sh', runtime, process.execPath, CLI, 'start', 'gastown/Toast', '--town', town.root, '--agent', `sim --log ${town.logPath('sim')}`],
    { encoding: 'utf8' },
  );
  return { code: child.status, signal: child.signal, stdout: child.stdout, stderr: child.stderr, tmuxCalls: tmuxCallCount() - before };
}

const canMount = spawnSync('unshare', ['--mount', 'sh', '-c', 'mount -t tmpfs tmpfs /mnt'], { stdio: 'ignore' }).status === 0;

describe('the run store cannot be written', () => {
  it.skipIf(!canMount).each(['read-only', 'full'] as const)('%s: the start is refused in one line before anything is created', (store) => {
    const town = makeTown({ gastown: ['Toast'] });
    const result = startWithStore(town, store);
    expect(result.code).toBe(1);
    const cause = store === 'read-only' ? 'the file system is read-only' : 'no space left on the device';
    expect(result.stderr).toContain(`polecat: cannot record the run under ${join(town.root, '.runtime', 'polecat')}: ${cause}; nothing was done\n`);
    expect(result.stderr.trim().split('\n')).toHaveLength(2); // the "Starting …" line, then the refusal
    expect(result.tmuxCalls).toBe(0);
    expect(readSimLog(town.logPath('sim'))).toEqual([]);
    expect(runs(town)).toEqual([]);
  });
});

describe('a start and a stop of one polecat at once', () => {
  it('whichever takes the polecat first, the other says so and nothing is left half done; five times', async () => {
    for (let round = 0; round < 5; round += 1) {
      const town = makeTown({ gastown: ['Toast'] });
      const start = startCli(town, '--dialogs trust').result;
      const stop = runCli(['stop', 'gastown/Toast', '--town', town.root]);
      const [started, stopped] = await Promise.all([start, stop]);
      const context = `round ${round}\nstart: ${started.code} ${started.stdout}${started.stderr}\nstop: ${stopped.code} ${stopped.stdout}${stopped.stderr}`;
      expect(stopped.code, context).toBe(0);
      if (started.code === 1) {
        // The stop took the polecat's lock first: the start is refused before it does anything.
        expect(started.stderr, context).toMatch(/polecat: gastown\/Toast is busy: run [0-9a-f-]+ \(stop, pid \d+\) holds it\n$/);
        expect(runs(town).filter((r) => r.record.kind === 'start'), context).toEqual([]);
      } else if (started.code === 130) {
        expect(stopped.stdout, context).toMatch(/cancelled the start in progress/);
      } else {
        expect(started.code, context).toBe(0);
        if (/is not running/.test(stopped.stdout)) {
          expect(simPids(readSimLog(town.logPath('sim'))).filter(isAlive), context).toHaveLength(1);
          expect((await runCli(['stop', 'gastown/Toast', '--town', town.root])).code).toBe(0);
        }
      }
      for (const run of runs(town)) expect(run.record.result, context).toBeDefined();
      const socket = runs(town).find((r) => r.record.kind === 'start')?.record.input as { socket: string } | undefined;
      if (socket) await expectNothingLeft(town, socket.socket);
    }
  });
});
