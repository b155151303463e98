import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../src/agents/shell.js';
import { simAgentScript } from '../../src/agents/presets.js';
import { runsDir } from '../../src/runs/store.js';
import { Tmux } from '../../src/tmux/client.js';
import { CLI, runCli, tmuxCallCount } from '../helpers/cli.js';
import { isAlive, makeTown, readSimLog, retryUntil, simPids, type TestTown } from '../helpers/town.js';

interface RecordedRun {
  readonly name: string;
  readonly result?: string;
  readonly startedAt: number;
  readonly finishedAt: number;
}

/** Every run of the town, from its record and its journal's first and last entries. */
function recordedRuns(town: TestTown): RecordedRun[] {
  const dir = runsDir(town.root);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map((id) => {
    const record = JSON.parse(readFileSync(join(dir, id, 'run.json'), 'utf8')) as { rig: string; name: string; result?: string };
    const journal = readFileSync(join(dir, id, 'journal.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { ts: number; type: string });
    const at = (type: string) => journal.find((entry) => entry.type === type)?.ts ?? Number.NaN;
    return { name: `${record.rig}/${record.name}`, ...(record.result ? { result: record.result } : {}), startedAt: at('run.started'), finishedAt: at('run.finished') };
  });
}

/** The most runs in flight at any one moment: at each run's start, the runs begun and not yet finished. */
function mostInFlight(runs: readonly RecordedRun[]): number {
  return Math.max(...runs.map((r) => runs.filter((o) => o.startedAt <= r.startedAt && r.startedAt < o.finishedAt).length));
}

function sessionsOn(socket: string): string[] {
  try {
    return execFileSync('tmux', ['-L', socket, 'list-sessions', '-F', '#{session_name}'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .filter(Boolean)
      .sort();
  } catch {
    return []; // no server: no session
  }
}

async function listed(town: TestTown): Promise<Array<{ polecat: string; running: boolean; agentPid?: number }>> {
  return JSON.parse((await runCli(['list', '--json', '--town', town.root])).stdout);
}

function listTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

describe('polecat start, many at once', () => {
  it('starts three polecats; one failing does not stop the others, is reported with its last screen and leaves no session; exit 1', async () => {
    const town = makeTown({ alpha: ['a', 'b'], beta: ['c'] });
    // Rig beta's sim never gets past "Starting up…", so its start fails at the dialogs deadline; alpha's sims are fine.
    mkdirSync(join(town.root, 'beta', 'settings'));
    writeFileSync(join(town.root, 'beta', 'settings', 'agents.json'), JSON.stringify({ version: 1, agents: { sim: { args: [simAgentScript(), '--hang'] } } }));
    try {
      const result = await runCli(['start', 'alpha/a', 'beta/c', 'alpha/b', '--town', town.root, '--agent', 'sim --dialogs trust', '--timeout', 'dialogs=3']);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stdout).toMatch(/^alpha\/a running in \d/m);
      expect(result.stdout).toMatch(/^alpha\/b running in \d/m);
      expect(result.stderr).toMatch(/^beta\/c failed at acceptBypass: /m);
      expect(result.stderr).toMatch(/ {2}last screen:\n(?: {4}│.*\n)*? {4}│ Starting up…/);
      expect(result.stderr).toContain('rolled back: killed session beta-c');
      expect(result.stdout).toMatch(/^2 started, 1 failed \(beta\/c\), 0 cancelled in \d+(\.\d)? m?s$/m);

      // Each polecat its own run, each recorded with how it ended.
      expect(recordedRuns(town).map((r) => `${r.name} ${r.result}`).sort()).toEqual(['alpha/a running', 'alpha/b running', 'beta/c failed']);
      expect((await listed(town)).map((p) => [p.polecat, p.running])).toEqual([
        ['alpha/a', true],
        ['alpha/b', true],
      ]);
      const socket = JSON.parse((await runCli(['status', 'alpha/a', '--json', '--town', town.root])).stdout).socket as string;
      expect(sessionsOn(socket)).toEqual(['alpha-a', 'alpha-b']);
    } finally {
      await runCli(['stop-all', 'alpha', '--town', town.root]);
    }
  });

  it('--all starts every polecat of the rig, skipping hidden directories and leaving one already running as it is; exit 0', async () => {
    const town = makeTown({ alpha: ['a', 'b', 'c', '.claude'], beta: ['z'] });
    try {
      expect((await runCli(['start', 'alpha/b', '--town', town.root, '--agent', 'sim'])).code).toBe(0);
      const before = (await listed(town)).find((p) => p.polecat === 'alpha/b')!.agentPid;

      const result = await runCli(['start', 'alpha', '--all', '--town', town.root, '--agent', 'sim']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('Starting 2 polecats, at most 8 at a time');
      expect(result.stdout).toContain('alpha/b already running (session alpha-b); left as it is');
      expect(result.stdout).toMatch(/^alpha\/a running in /m);
      expect(result.stdout).toMatch(/^alpha\/c running in /m);
      expect(result.stdout).toMatch(/^2 started, 1 already running \(alpha\/b\), 0 failed, 0 cancelled in /m);
      expect(`${result.stdout}${result.stderr}`).not.toContain('.claude');

      const after = await listed(town);
      expect(after.map((p) => [p.polecat, p.running])).toEqual([
        ['alpha/a', true],
        ['alpha/b', true],
        ['alpha/c', true],
      ]);
      expect(after.find((p) => p.polecat === 'alpha/b')!.agentPid).toBe(before);
      // No run for the one left alone: one for its own start before, one each for a and c.
      expect(recordedRuns(town).map((r) => r.name).sort()).toEqual(['alpha/a', 'alpha/b', 'alpha/c']);
    } finally {
      await runCli(['stop-all', 'alpha', '--town', town.root]);
    }
  });

  it('--json prints, on stdout alone, an array with each polecat\'s outcome: running, failed with its failure, already running', async () => {
    const town = makeTown({ alpha: ['a', 'b', 'c'], beta: ['z'] });
    mkdirSync(join(town.root, 'beta', 'settings'));
    writeFileSync(join(town.root, 'beta', 'settings', 'agents.json'), JSON.stringify({ version: 1, agents: { sim: { args: [simAgentScript(), '--hang'] } } }));
    try {
      expect((await runCli(['start', 'alpha/c', '--town', town.root, '--agent', 'sim'])).code).toBe(0);
      const batch = await runCli(['start', 'alpha/a', 'beta/z', 'alpha/b', '--town', town.root, '--agent', 'sim --dialogs trust', '--timeout', 'dialogs=2', '--json']);
      expect(batch.code, batch.stderr).toBe(1);
      const outcomes = JSON.parse(batch.stdout) as Array<{ polecat: string; result: string; run?: string; session?: string; agentPid?: number; failure?: { step: string; message: string; screen?: string } }>;
      expect(outcomes.map((o) => [o.polecat, o.result]).sort()).toEqual([
        ['alpha/a', 'running'],
        ['alpha/b', 'running'],
        ['beta/z', 'failed'],
      ]);
      const a = outcomes.find((o) => o.polecat === 'alpha/a')!;
      expect(a.session).toBe('alpha-a');
      expect(a.run).toMatch(/^[0-9a-f-]{36}$/);
      expect(isAlive(a.agentPid!)).toBe(true);
      expect(outcomes.find((o) => o.polecat === 'beta/z')!.failure).toMatchObject({ step: 'acceptBypass', screen: expect.stringContaining('Starting up') });
      // What people read went to stderr: the reports and the summary.
      expect(batch.stderr).toMatch(/^alpha\/a running in /m);
      expect(batch.stderr).toMatch(/^2 started, 1 failed \(beta\/z\), 0 cancelled in /m);

      const all = await runCli(['start', 'alpha', '--all', '--town', town.root, '--agent', 'sim', '--json']);
      expect(all.code, all.stderr).toBe(0);
      expect((JSON.parse(all.stdout) as Array<{ polecat: string; result: string }>).map((o) => [o.polecat, o.result])).toEqual([
        ['alpha/a', 'alreadyRunning'],
        ['alpha/b', 'alreadyRunning'],
        ['alpha/c', 'alreadyRunning'],
      ]);
    } finally {
      await runCli(['stop-all', 'alpha', '--town', town.root]);
    }
  });

  it('--parallel 2 with four polecats has two runs in flight at a time, never three (from the run journals)', async () => {
    const town = makeTown({ alpha: ['a', 'b', 'c', 'd'] });
    try {
      const result = await runCli(['start', 'alpha/a', 'alpha/b', 'alpha/c', 'alpha/d', '--parallel', '2', '--town', town.root, '--agent', 'sim --startup-ms 800']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^4 started, 0 failed, 0 cancelled in /m);
      const runs = recordedRuns(town);
      expect(runs).toHaveLength(4);
      for (const run of runs) expect(run.finishedAt, run.name).toBeGreaterThan(run.startedAt);
      expect(mostInFlight(runs)).toBe(2);
      // Begun in the order given.
      expect([...runs].sort((x, y) => x.startedAt - y.startedAt).map((r) => r.name).slice(0, 2).sort()).toEqual(['alpha/a', 'alpha/b']);
    } finally {
      await runCli(['stop-all', 'alpha', '--town', town.root]);
    }
  });

  it.each([
    [['alpha/a', 'alpha/a'], 'alpha/a is given twice'],
    [['alpha/a', 'alpha/b', '--issue', 'gt-1'], '--issue hooks an issue to one polecat'],
    [['alpha', '--all', '--issue', 'gt-1'], '--issue hooks an issue to one polecat'],
    [['alpha/a', '--all'], '--all takes one rig and no polecat names'],
    [['alpha', 'alpha/b', '--all'], '--all takes one rig and no polecat names'],
    [['nosuch', '--all'], 'rig nosuch not found'],
    [['al.pha', '--all'], 'invalid rig name'],
    [['alpha/a', 'alpha/b', '--parallel', '0'], 'invalid --parallel "0"'],
    [['alpha/a', 'alpha/b', '--parallel', '1.5'], 'invalid --parallel "1.5"'],
    [['alpha', '--all', '--parallel', 'two'], 'invalid --parallel "two"'],
    [['alpha/a', 'alpha/b', '--inspect'], '--inspect watches one start'],
    [['alpha/a', 'alpha/b.c'], 'invalid polecat name "b.c"'],
    [['alpha/a', 'alpha/b', '--agent', 'nosuchagent'], 'unknown agent'],
    [[], "missing required argument 'rig/name'"],
  ])('refuses %j with exit 2 and one line, before tmux runs or a file is written', async (args, message) => {
    const town = makeTown({ alpha: ['a', 'b'] });
    const before = listTree(town.root);
    const calls = tmuxCallCount();
    const result = await runCli(['start', ...args, '--town', town.root, ...(args.includes('--agent') ? [] : ['--agent', 'sim'])]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^polecat: /);
    expect(result.stdout).toBe('');
    expect(tmuxCallCount()).toBe(calls);
    expect(listTree(town.root)).toEqual(before);
  });

  it('Ctrl-C cancels every start in flight (each rolls back) and begins no other: no session, no sim process; exit 130', async () => {
    const town = makeTown({ alpha: ['a', 'b', 'c', 'd', 'e'] });
    const simLog = (name: string) => join(town.root, 'alpha', 'polecats', name, 'sim.jsonl');
    let cli = 0;
    // The sim's log path is relative: each writes it in its own polecat's directory, where its agent runs.
    const running = runCli(['start', 'alpha', '--all', '--parallel', '3', '--town', town.root, '--agent', 'sim --startup-ms 20000 --log sim.jsonl'], {
      onSpawn: (pid) => (cli = pid),
    });
    await retryUntil('three sims to start', () => ['a', 'b', 'c'].every((name) => simPids(readSimLog(simLog(name))).length > 0) || undefined, 15_000);
    process.kill(cli, 'SIGINT');
    const result = await running;

    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain('Ctrl-C: cancelling, rolling back');
    for (const name of ['a', 'b', 'c']) expect(result.stderr).toMatch(new RegExp(`^alpha/${name} start cancelled in \\w+ after .*; rolled back: killed session alpha-${name}`, 'm'));
    for (const name of ['d', 'e']) expect(result.stderr).toContain(`alpha/${name} not started: cancelled before it began`);
    expect(result.stdout).toMatch(/^0 started, 0 failed, 3 cancelled, 2 not begun in /m);

    expect(recordedRuns(town).map((r) => `${r.name} ${r.result}`).sort()).toEqual(['alpha/a cancelled', 'alpha/b cancelled', 'alpha/c cancelled']);
    expect(existsSync(simLog('d')) || existsSync(simLog('e'))).toBe(false);
    expect(await listed(town)).toEqual([]);
    const socket = JSON.parse((await runCli(['status', 'alpha/a', '--json', '--town', town.root])).stdout).socket as string;
    expect(sessionsOn(socket)).toEqual([]);
    const pids = ['a', 'b', 'c'].flatMap((name) => simPids(readSimLog(simLog(name))));
    expect(pids).toHaveLength(3);
    for (const pid of pids) expect(isAlive(pid), `sim ${pid}`).toBe(false);
  });

  it('a stop of one polecat of a batch cancels that start alone; the others run on', async () => {
    const town = makeTown({ alpha: ['a', 'b', 'c'] });
    const simLog = (name: string) => join(town.root, 'alpha', 'polecats', name, 'sim.jsonl');
    // Each sim takes 3 s to show its prompt, which leaves time to stop one while all three are starting.
    const running = runCli(['start', 'alpha', '--all', '--town', town.root, '--agent', 'sim --startup-ms 3000 --log sim.jsonl']);
    await retryUntil('three sims to start', () => ['a', 'b', 'c'].every((name) => simPids(readSimLog(simLog(name))).length > 0) || undefined, 15_000);
    const stopped = await runCli(['stop', 'alpha/b', '--town', town.root]);
    expect(stopped.code, stopped.stderr).toBe(0);
    const result = await running;

    expect(result.stderr).toMatch(/^alpha\/b start cancelled in \w+ after .*; rolled back: killed session alpha-b/m);
    expect(result.stdout).toMatch(/^2 started, 0 failed, 1 cancelled/m);
    expect(result.code).not.toBe(0);
    expect((await listed(town)).map((p) => p.polecat)).toEqual(['alpha/a', 'alpha/c']);
    for (const pid of simPids(readSimLog(simLog('b')))) expect(isAlive(pid), `sim ${pid}`).toBe(false);
    for (const name of ['a', 'c']) expect((await runCli(['stop', `alpha/${name}`, '--town', town.root])).code).toBe(0);
  }, 40_000);

  it('on a terminal shows each start in flight with its step and time, then replaces it with how it ended', async () => {
    const town = makeTown({ alpha: ['a', 'b'] });
    const terminal = new Tmux({ socket: 'tty-multi' });
    const command = [process.execPath, CLI, 'start', 'alpha/a', 'alpha/b', '--parallel', '1', '--town', town.root, '--agent', 'sim --startup-ms 1500']
      .map(shellQuote)
      .join(' ');
    await terminal.batch([['new-session', '-d', '-s', 'tty', '-x', '120', '-y', '40', `${command}; echo "EXIT=$?"; sleep 60`]]);
    try {
      const live = await retryUntil('the first start in flight on the terminal', async () => {
        const text = await terminal.capturePane('=tty:');
        return /… alpha\/a +waitForCommand +\d/.test(text) ? text : undefined;
      }, 10_000);
      expect(live).toContain('1 waiting');
      expect(live).not.toContain('alpha/b  ');
      const screen = await retryUntil('the starts to finish on the terminal', async () => {
        const text = await terminal.capturePane('=tty:');
        return /EXIT=\d+/.test(text) ? text : undefined;
      }, 20_000);
      expect(screen).toContain('EXIT=0');
      expect(screen).toMatch(/^alpha\/a running in /m);
      expect(screen).toMatch(/^alpha\/b running in /m);
      expect(screen).toMatch(/^2 started, 0 failed, 0 cancelled in /m);
      // Nothing of the live lines is left behind.
      expect(screen).not.toContain('…');
      expect(screen).not.toContain('waiting');
    } finally {
      await terminal.killServer();
      await runCli(['stop-all', 'alpha', '--town', town.root]);
    }
  });
});
