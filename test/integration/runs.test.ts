import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STARTUP_MACHINE_VERSION } from '../../machines/startup.js';
import { RunFiles } from '../../src/runs/store.js';
import { Tmux } from '../../src/tmux/client.js';
import { CLI, runCli } from '../helpers/cli.js';
import { isAlive, makeTown, readSimLog, retryUntil, simPids, type TestTown } from '../helpers/town.js';

/** The built CLI in the background, as a user's terminal would run it. */
function startInBackground(town: TestTown, args: string[]) {
  const child = spawn(process.execPath, [CLI, 'start', 'gastown/Toast', '--town', town.root, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

function runsOf(town: TestTown) {
  const dir = join(town.root, '.runtime', 'polecat', 'runs');
  return existsSync(dir) ? readdirSync(dir).map((id) => new RunFiles(town.root, id)) : [];
}

async function killWhenIn(town: TestTown, child: ReturnType<typeof spawn>, state: string) {
  await retryUntil(`the run to enter ${state}`, () => runsOf(town).some((files) => files.journal().some((e) => e.type === 'state.entered' && e.state === state)) || undefined, 15_000);
  child.kill('SIGKILL');
}

async function runsJson(town: TestTown) {
  return JSON.parse((await runCli(['runs', '--json', '--town', town.root])).stdout) as Array<{ runId: string; state: string; result?: string; kind: string }>;
}

describe('runs that survive their process', () => {
  it('kill -9 during acceptBypass: interrupted, a new start says so, resume reaches running with one session and one agent', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const log = town.logPath('sim');
    const cli = startInBackground(town, ['--agent', `sim --startup-ms 1500 --dialogs trust,bypass --log ${log}`]);
    await killWhenIn(town, cli.child, 'acceptBypass');
    await cli.exited;
    const [run] = await runsJson(town);
    expect(run).toMatchObject({ kind: 'start', state: 'interrupted' });

    const again = await runCli(['start', 'gastown/Toast', '--town', town.root, '--agent', 'sim']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`polecat resume ${run!.runId}`);
    expect(again.stderr).toContain(`polecat rollback ${run!.runId}`);

    const resumed = await runCli(['resume', run!.runId.slice(0, 8), '--town', town.root]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((await runsJson(town))[0]).toMatchObject({ runId: run!.runId, state: 'finished', result: 'running' });
    const events = readSimLog(log);
    expect(events.filter((e) => e.event === 'start')).toHaveLength(1);
    expect(events.filter((e) => e.event === 'answer').map((e) => e.option)).toEqual(['Yes, I trust this folder', 'Yes, I accept']);
    const listed = JSON.parse((await runCli(['list', '--json', '--town', town.root])).stdout);
    expect(listed).toMatchObject([{ polecat: 'gastown/Toast', running: true }]);
    const inspected = JSON.parse((await runCli(['inspect', run!.runId, '--json', '--town', town.root])).stdout);
    expect(inspected.resumed).toBe(1);
    expect((await runCli(['stop', 'gastown/Toast', '--town', town.root])).code).toBe(0);
  });

  it('kill -9 during the readiness wait: rollback leaves no session, no process and the issue as it was', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    town.setIssues('gastown', { 'gt-1': { status: 'open', assignee: 'mayor' } });
    const log = town.logPath('sim');
    const cli = startInBackground(town, ['--agent', `sim --spawn-child --log ${log}`, '--issue', 'gt-1']);
    await killWhenIn(town, cli.child, 'waitForReady');
    await cli.exited;
    expect(town.issue('gastown', 'gt-1')).toMatchObject({ status: 'hooked' });
    const [run] = await runsJson(town);
    expect(run).toMatchObject({ state: 'interrupted' });
    const pids = simPids(readSimLog(log));

    const rolled = await runCli(['rollback', run!.runId, '--town', town.root]);
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(rolled.stdout).toContain('killed session gastown-Toast');
    expect(rolled.stdout).toContain('restored issue gt-1 to status open');
    expect(town.issue('gastown', 'gt-1')).toMatchObject({ status: 'open', assignee: 'mayor' });
    expect((await runsJson(town))[0]).toMatchObject({ state: 'finished', result: 'rolledBack' });
    for (const pid of pids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    expect(JSON.parse((await runCli(['list', '--json', '--town', town.root])).stdout)).toEqual([]);
    // Settled: the polecat starts again.
    expect((await runCli(['start', 'gastown/Toast', '--town', town.root, '--agent', 'sim'])).code).toBe(0);
    expect((await runCli(['stop', 'gastown/Toast', '--town', town.root])).code).toBe(0);
  });

  it('a start left interrupted by version 1 of the startup machine: resume refused naming both versions, rollback undoes it', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    town.setIssues('gastown', { 'gt-1': { status: 'open', assignee: 'mayor' } });
    const log = town.logPath('sim');
    const cli = startInBackground(town, ['--agent', `sim --log ${log}`, '--issue', 'gt-1']);
    await killWhenIn(town, cli.child, 'waitForReady');
    await cli.exited;
    const [run] = await runsJson(town);
    // As version 1 left it: its number in the record, and the context field that version had beside cancelledIn.
    const files = new RunFiles(town.root, run!.runId);
    files.update({ machineVersion: 1 });
    const snapshot = files.snapshot() as { context: Record<string, unknown> };
    files.writeSnapshot({ ...snapshot, context: { ...snapshot.context, cancelled: false } });

    const resumed = await runCli(['resume', run!.runId, '--town', town.root]);
    expect(resumed.code).toBe(1);
    expect(resumed.stderr.trim().split('\n')).toEqual([
      `polecat: run ${run!.runId} was recorded by version 1 of the startup machine and this polecat runs version ${STARTUP_MACHINE_VERSION}: it cannot be resumed; undo it with \`polecat rollback ${run!.runId}\``,
    ]);
    expect(STARTUP_MACHINE_VERSION).not.toBe(1);

    const rolled = await runCli(['rollback', run!.runId, '--town', town.root]);
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(rolled.stdout).toContain('killed session gastown-Toast');
    expect(rolled.stdout).toContain('restored issue gt-1 to status open');
    expect(town.issue('gastown', 'gt-1')).toMatchObject({ status: 'open', assignee: 'mayor' });
    for (const pid of simPids(readSimLog(log))) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    expect((await runsJson(town))[0]).toMatchObject({ state: 'finished', result: 'rolledBack' });
  });

  it('of ten starts of one polecat at once, exactly one runs; nine are refused naming the run that holds it', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const results = await Promise.all(Array.from({ length: 10 }, () => runCli(['start', 'gastown/Toast', '--town', town.root, '--agent', 'sim'])));
    const winners = results.filter((r) => r.code === 0);
    const refused = results.filter((r) => r.code === 1);
    expect(winners).toHaveLength(1);
    expect(refused).toHaveLength(9);
    for (const r of refused) expect(r.stderr).toMatch(/gastown\/Toast is busy: run [0-9a-f-]{36} \(start, pid \d+\) holds it/);
    const tmux = new Tmux({ socket: JSON.parse((await runCli(['status', 'gastown/Toast', '--json', '--town', town.root])).stdout).socket });
    expect((await tmux.listPolecatPanes()).filter((r) => r.polecat === 'Toast')).toHaveLength(1);
    expect(existsSync(join(town.root, '.runtime', 'polecat', 'locks', 'gastown.Toast.lock'))).toBe(false);
    expect((await runCli(['stop', 'gastown/Toast', '--town', town.root])).code).toBe(0);
  });

  it('stop during a start cancels the start (rolled back) and then stops', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const log = town.logPath('sim');
    const cli = startInBackground(town, ['--agent', `sim --startup-ms 20000 --log ${log}`]);
    await retryUntil('the sim to start', () => readSimLog(log).length > 0 || undefined, 10_000);
    const stopped = await runCli(['stop', 'gastown/Toast', '--town', town.root]);
    expect(stopped.code, stopped.stderr).toBe(0);
    // The stop asked that run to cancel (not its process: it may be starting others): interrupted, rolled back.
    expect(await cli.exited).toBe(130);
    expect(cli.output()).toContain('start cancelled');
    for (const pid of simPids(readSimLog(log))) expect(isAlive(pid)).toBe(false);
    expect(JSON.parse((await runCli(['list', '--json', '--town', town.root])).stdout)).toEqual([]);
  });

  it("journals every state of the path with durations that add up to the run's wall time (within 5%)", async () => {
    const town = makeTown({ gastown: ['Toast'] });
    expect((await runCli(['start', 'gastown/Toast', '--town', town.root, '--agent', 'sim --dialogs trust,bypass'])).code).toBe(0);
    const [run] = await runsJson(town);
    const view = JSON.parse((await runCli(['inspect', run!.runId, '--json', '--town', town.root])).stdout);
    expect(view.path.map((s: { state: string }) => s.state)).toEqual([
      'preflight', 'ensureSettings', 'createSession', 'setEnv', 'theme', 'waitForCommand', 'acceptBypass', 'waitForReady', 'nudges', 'verifyAlive', 'running',
    ]);
    const total = view.path.reduce((sum: number, s: { ms?: number }) => sum + (s.ms ?? 0), 0);
    expect(Math.abs(total - view.durationMs)).toBeLessThanOrEqual(Math.max(0.05 * view.durationMs, 5));
    const svgFile = join(town.root, 'run.svg');
    expect((await runCli(['inspect', run!.runId, '--svg', svgFile, '--town', town.root])).code).toBe(0);
    const svg = readFileSync(svgFile, 'utf8');
    for (const step of view.path) expect(svg).toMatch(new RegExp(`class="state visited[^"]*" data-state="${step.state}"`));
    expect(svg).toContain('class="edge taken" data-from="verifyAlive" data-to="running"');
    expect((await runCli(['stop', 'gastown/Toast', '--town', town.root])).code).toBe(0);
  });

  it('kill -9 during nudges, then resume: the startup text is delivered exactly once', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const log = town.logPath('sim');
    const cli = startInBackground(town, ['--agent', `sim --log ${log}`, '--prompt', 'do the thing']);
    await killWhenIn(town, cli.child, 'nudges');
    await cli.exited;
    const [run] = await runsJson(town);
    if (run!.state === 'interrupted') {
      const resumed = await runCli(['resume', run!.runId, '--town', town.root]);
      expect(resumed.code, resumed.stderr).toBe(0);
    }
    await retryUntil('the submission', () => readSimLog(log).some((e) => e.event === 'submit') || undefined);
    expect(readSimLog(log).filter((e) => e.event === 'submit').map((e) => e.text)).toEqual(['do the thing']);
    expect((await runCli(['stop', 'gastown/Toast', '--town', town.root])).code).toBe(0);
  });

  it('kill -9 during createSession, then resume: running, one session, one agent', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const log = town.logPath('sim');
    const cli = startInBackground(town, ['--agent', `sim --log ${log}`]);
    await killWhenIn(town, cli.child, 'createSession');
    await cli.exited;
    const [run] = await runsJson(town);
    expect(run).toMatchObject({ state: 'interrupted' });
    const resumed = await runCli(['resume', run!.runId, '--town', town.root]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const alive = simPids(readSimLog(log)).filter(isAlive);
    expect(alive).toHaveLength(1);
    expect(JSON.parse((await runCli(['list', '--json', '--town', town.root])).stdout)).toMatchObject([{ polecat: 'gastown/Toast', running: true }]);
    expect((await runCli(['stop', 'gastown/Toast', '--town', town.root])).code).toBe(0);
  });

  it('a stop during a resume cancels the resume (it rolls back), then stops', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    town.setIssues('gastown', { 'gt-1': { status: 'open' } });
    const log = town.logPath('sim');
    const cli = startInBackground(town, ['--agent', `sim --startup-ms 20000 --log ${log}`, '--issue', 'gt-1']);
    await killWhenIn(town, cli.child, 'acceptBypass');
    await cli.exited;
    const [run] = await runsJson(town);
    const resume = spawn(process.execPath, [CLI, 'resume', run!.runId, '--town', town.root], { stdio: 'ignore' });
    const resumeExit = new Promise<number | null>((resolve) => resume.on('close', resolve));
    await retryUntil('the resume to run', () => runsOf(town)[0]!.journal().some((e) => e.type === 'run.resumed') || undefined);
    const stopped = await runCli(['stop', 'gastown/Toast', '--town', town.root]);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toContain(`cancelled the start in progress (run ${run!.runId})`);
    expect(await resumeExit).toBe(130);
    expect((await runsJson(town)).find((r) => r.runId === run!.runId)).toMatchObject({ state: 'finished', result: 'cancelled' });
    expect(town.issue('gastown', 'gt-1')).toMatchObject({ status: 'open' });
    for (const pid of simPids(readSimLog(log))) expect(isAlive(pid)).toBe(false);
  });

  it('rollback stops a bd the dead run left hooking the issue, so the issue stays restored', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    town.setIssues('gastown', { 'gt-1': { status: 'open', assignee: 'mayor' } });
    const saved = { ...process.env };
    Object.assign(process.env, { BD_STANDIN_FAIL: 'slow:2000', BD_STANDIN_FAIL_ON: 'update' });
    let cli: ReturnType<typeof startInBackground>;
    try {
      cli = startInBackground(town, ['--agent', 'sim', '--issue', 'gt-1']);
    } finally {
      process.env = saved;
    }
    await killWhenIn(town, cli.child, 'hook');
    await cli.exited;
    const [run] = await runsJson(town);
    const rolled = await runCli(['rollback', run!.runId, '--town', town.root]);
    expect(rolled.code, rolled.stderr).toBe(0);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(town.issue('gastown', 'gt-1')).toMatchObject({ status: 'open', assignee: 'mayor' });
  });

  it('a run whose record cannot be written is cancelled and rolled back, with a clear error', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const log = town.logPath('sim');
    const cli = startInBackground(town, ['--agent', `sim --startup-ms 3000 --log ${log}`]);
    await retryUntil('the run to reach acceptBypass', () => runsOf(town).some((f) => f.journal().some((e) => e.type === 'state.entered' && e.state === 'acceptBypass')) || undefined, 15_000);
    rmSync(runsOf(town)[0]!.dir, { recursive: true, force: true });
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toMatch(/could not record run [0-9a-f-]+ \(.*\); it was cancelled and rolled back/);
    for (const pid of simPids(readSimLog(log))) expect(isAlive(pid)).toBe(false);
    expect(JSON.parse((await runCli(['list', '--json', '--town', town.root])).stdout)).toEqual([]);
  });

  it('inspect --follow streams a live run until it ends', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const cli = startInBackground(town, ['--agent', 'sim --startup-ms 1200']);
    await retryUntil('the run to be recorded', () => runsOf(town)[0]?.exists() || undefined, 10_000);
    const runId = runsOf(town)[0]!.runId;
    const followed = await runCli(['inspect', runId, '--follow', '--town', town.root]);
    expect(await cli.exited).toBe(0);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(/state\.entered .*"state":"acceptBypass"/);
    expect(followed.stdout).toMatch(/event .*"event":"xstate\.done\.actor\.acceptBypass"/);
    expect(followed.stdout).toContain(`run ${runId}: start of gastown/Toast, finished, running`);
    expect((await runCli(['stop', 'gastown/Toast', '--town', town.root])).code).toBe(0);
  });

  it('reports a damaged run file clearly and never crashes listing', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    expect((await runCli(['start', 'gastown/Toast', '--town', town.root, '--agent', 'sim'])).code).toBe(0);
    const [run] = await runsJson(town);
    writeFileSync(join(town.root, '.runtime', 'polecat', 'runs', run!.runId, 'run.json'), '{"format": 1, "runId": "trunc');
    const listed = await runCli(['runs', '--town', town.root]);
    expect(listed.code).toBe(0);
    expect(listed.stderr).toContain(`damaged run ${run!.runId}`);
    const inspected = await runCli(['inspect', run!.runId, '--town', town.root]);
    expect(inspected.code).toBe(1);
    expect(inspected.stderr.trim().split('\n')).toHaveLength(1);
    expect((await runCli(['stop', 'gastown/Toast', '--town', town.root])).code).toBe(0);
  });
});
