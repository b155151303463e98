/**
 * The supervisor's life beyond one foreground run, with the built CLI on real tmux and the sim: a restart resuming
 * the agent's conversation, --once passes carrying the count on, --detach / --status / --stop, a supervisor killed
 * -9 in the middle of a restart and the next one settling it, down during a restart, and the notification command.
 */
import { mkdirSync, readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simAgentScript } from '../../src/agents/presets.js';
import { RunFiles, runsDir } from '../../src/runs/store.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { awaitNothingLeft, makeTown, readSimLog, retryUntil, type TestTown } from '../helpers/town.js';

interface Seen {
  running: boolean;
  agentPid?: number;
  run?: string;
  socket: string;
  supervision?: { state: string; restartsInWindow: number; quarantined?: { why: string }; supervised: boolean };
}

function townWith(settings: object, agents?: object): TestTown & { cli: (...args: string[]) => Promise<CliResult>; status: () => Promise<Seen> } {
  const town = makeTown({ gastown: ['Toast'] });
  mkdirSync(join(town.root, 'settings'), { recursive: true });
  writeFileSync(join(town.root, 'settings', 'config.json'), JSON.stringify(settings));
  if (agents) writeFileSync(join(town.root, 'settings', 'agents.json'), JSON.stringify({ agents }));
  const cli = (...args: string[]) => runCli([...args, '--town', town.root]);
  const status = async () => {
    const seen = await cli('status', 'gastown/Toast', '--json');
    expect(seen.stdout, `status --json printed nothing; exit ${seen.code}, stderr: ${seen.stderr}`).not.toBe('');
    return JSON.parse(seen.stdout) as Seen;
  };
  return { ...town, cli, status };
}

/** `polecat supervise` in the background, its output as it comes. */
function superviseInBackground(town: TestTown, ...args: string[]) {
  let pid = 0;
  let output = () => '';
  const done = runCli(['supervise', '--town', town.root, ...args], { detached: true, onSpawn: (p, out) => ((pid = p), (output = out)) });
  const saw = (text: string, timeoutMs = 20_000) => retryUntil(`the supervisor to say ${JSON.stringify(text)}`, () => (output().includes(text) ? true : undefined), timeoutMs);
  return { done, saw, output: () => output(), pid: () => pid };
}

const starts = (town: TestTown) => (existsSync(runsDir(town.root)) ? readdirSync(runsDir(town.root)).map((id) => new RunFiles(town.root, id).record()).filter((r) => r.kind === 'start') : []);

describe('polecat supervise, the rest of its life', () => {
  it("resumes the agent's conversation on a restart: its session id from its hooks, no startup text given again", { timeout: 60_000 }, async () => {
    const town = townWith({ supervision: { backoff_min_s: 0.2 } });
    const log = town.logPath('sim');
    // Built on Claude's preset: polecat writes Claude's settings, the sim runs their hooks and takes --resume as Claude does.
    writeFileSync(
      join(town.root, 'settings', 'agents.json'),
      JSON.stringify({ agents: { hooked: { provider: 'claude', command: process.execPath, args: [simAgentScript(), '--log', log], prompt_mode: 'none', process_names: ['node'] } } }),
    );
    expect((await town.cli('up', 'gastown/Toast', '--agent', 'hooked', '--prompt', 'the first task')).code).toBe(0);
    const first = await town.status();
    const session = await retryUntil('the session id from SessionStart', () => {
      const hook = readSimLog(log).find((e) => e.event === 'hook' && (e as { name?: string }).name === 'SessionStart');
      return hook ? readFileSync(join(town.root, '.runtime', 'polecat', 'events', 'gastown', 'Toast.jsonl'), 'utf8').match(/"session":"([^"]+)"/)?.[1] : undefined;
    });
    const supervisor = superviseInBackground(town);
    try {
      await supervisor.saw('gastown/Toast: supervised');
      process.kill(first.agentPid!, 'SIGKILL');
      await supervisor.saw(`resuming session ${session}`);
      const restarted = await retryUntil('the restart running', async () => {
        const now = await town.status();
        return now.running && now.agentPid !== first.agentPid ? now : undefined;
      }, 20_000);
      // The pane's process runs before the sim has started far enough to log its start.
      const second = await retryUntil('the restarted sim to log its start', () =>
        (readSimLog(log).filter((e) => e.event === 'start') as unknown as Array<{ pid: number; argv: string[] }>).find((e) => e.pid === restarted.agentPid),
      );
      expect(second.argv.slice(-2)).toEqual(['--resume', session]);
      // The startup text went to the first agent only.
      const submitted = readSimLog(log).filter((e) => e.event === 'submit') as unknown as Array<{ pid?: number; text: string }>;
      expect(submitted.map((e) => e.text)).toEqual(['the first task']);
      expect(new RunFiles(town.root, restarted.run!).record().input).toMatchObject({ resumes: session, startupText: '', follows: first.run });
    } finally {
      process.kill(supervisor.pid(), 'SIGTERM');
      await supervisor.done;
      await town.cli('stop', 'gastown/Toast');
    }
    await awaitNothingLeft(log, first.socket);
  });

  it('--once: restarts what is due and exits; passes carry the count on to a quarantine, said in status and list; notifications each once', { timeout: 90_000 }, async () => {
    const notes = join(makeTown({}).root, 'notices.txt');
    const town = townWith({
      supervision: { backoff_min_s: 0.1, backoff_max_s: 0.2, max_restarts: 2 },
      notify: { command: ['sh', '-c', 'printf "%s %s %s\\n" "$POLECAT_EVENT" "$POLECAT_POLECAT" "$POLECAT_REASON" >> "$1"', 'notify', notes] },
    });
    const log = town.logPath('sim');
    expect((await town.cli('up', 'gastown/Toast', '--agent', `sim --log ${log}`)).code).toBe(0);
    const first = await town.status();
    process.kill(first.agentPid!, 'SIGKILL');
    const pass = await town.cli('supervise', '--once');
    expect(pass.code, pass.stderr).toBe(0);
    expect(pass.stdout).toContain('gastown/Toast: restart begun');
    expect(pass.stdout).toContain('pass done; every polecat left as it is');
    const second = await town.status();
    expect(second).toMatchObject({ running: true, supervision: { state: 'watching', restartsInWindow: 1, supervised: false } });
    expect((await town.cli('list')).stdout).toMatch(/gastown\/Toast .* up, 1 restart in 10 min, no supervisor running/);

    // Two more deaths, each seen by a pass of its own: the third restart would be one too many.
    process.kill(second.agentPid!, 'SIGKILL');
    expect((await town.cli('supervise', '--once')).stdout).toContain('gastown/Toast: restart begun');
    process.kill((await town.status()).agentPid!, 'SIGKILL');
    const third = await town.cli('supervise', '--once');
    expect(third.stdout).toContain('gastown/Toast: quarantined: 2 restarts within 10 min');
    expect(third.stdout).not.toContain('restart begun');
    expect(starts(town)).toHaveLength(3);
    const quarantined = await town.status();
    expect(quarantined.supervision).toMatchObject({ state: 'quarantined', quarantined: { why: '2 restarts within 10 min' } });
    const said = (await town.cli('status', 'gastown/Toast')).stdout;
    expect(said).toContain('supervision up, quarantined: 2 restarts within 10 min (polecat up gastown/Toast to try again), no supervisor running');
    expect((await town.cli('list')).stdout).toMatch(/gastown\/Toast .* up, quarantined: 2 restarts/);
    const lifetime = (await town.cli('events', 'gastown/Toast')).stdout;
    expect(lifetime).toMatch(/ supervisor +restart begun: run /);
    expect(lifetime).toMatch(/ supervisor +quarantined: 2 restarts within 10 min \(polecat up gastown\/Toast to try again\)/);
    // A later pass leaves it quarantined, and says nothing new of it.
    const fourth = await town.cli('supervise', '--once');
    expect(fourth.stdout).not.toContain('quarantined:');
    expect(starts(town)).toHaveLength(3);

    // Each event once: two restarts, one quarantine. (Each pass first sees the agent already gone: an exit it did
    // not see happen is not announced; the restart says why.)
    const lines = readFileSync(notes, 'utf8').trim().split('\n');
    expect(lines.map((line) => line.split(' ')[0]).sort()).toEqual(['quarantined', 'restarted', 'restarted']);
    for (const line of lines.filter((l) => l.startsWith('restarted'))) expect(line).toMatch(/^restarted gastown\/Toast (signal 9|agent gone)$/);
    expect(lines).toContain('quarantined gastown/Toast 2 restarts within 10 min');
    await town.cli('down', 'gastown/Toast');
    await awaitNothingLeft(log, first.socket);
  });

  it('--detach runs it in a tmux session of its own that outlives the command; --status says so; --stop ends it; the notification command told each event once', { timeout: 60_000 }, async () => {
    const notes = join(makeTown({}).root, 'notices.txt');
    const town = townWith({
      supervision: { backoff_min_s: 0.1 },
      notify: { command: ['sh', '-c', 'printf "%s %s %s\n" "$POLECAT_EVENT" "$POLECAT_POLECAT" "$POLECAT_RUN" >> "$1"', 'notify', notes] },
    });
    const log = town.logPath('sim');
    expect((await town.cli('up', 'gastown/Toast', '--agent', `sim --log ${log}`)).code).toBe(0);
    const first = await town.status();
    const detached = await town.cli('supervise', '--detach');
    expect(detached.code, detached.stderr).toBe(0);
    const pid = Number(detached.stderr.match(/supervisor started \(pid (\d+)\) in tmux session polecat-supervisor/)?.[1]);
    expect(pid).toBeGreaterThan(0);
    try {
      const again = await town.cli('supervise', '--detach');
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(`already runs (pid ${pid})`);
      const status = await town.cli('supervise', '--status');
      expect(status.code).toBe(0);
      expect(status.stdout).toContain(`supervisor running: pid ${pid}, detached in tmux session polecat-supervisor`);
      await retryUntil('supervised', async () => ((await town.status()).supervision?.supervised ? true : undefined), 10_000);
      process.kill(first.agentPid!, 'SIGKILL');
      await retryUntil('restarted by the detached supervisor', async () => {
        const now = await town.status();
        return now.running && now.agentPid !== first.agentPid ? true : undefined;
      }, 20_000);
      await retryUntil('the restart in --status', async () => ((await town.cli('supervise', '--status')).stdout.match(/gastown\/Toast +up, 1 restart in 10 min/) ? true : undefined));
      const restarted = await town.status();
      const lines = await retryUntil('the notifications', () => {
        const text = existsSync(notes) ? readFileSync(notes, 'utf8').trim().split('\n') : [];
        return text.length >= 2 ? text : undefined;
      });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(readFileSync(notes, 'utf8').trim().split('\n')).toEqual(lines);
      expect(lines.sort()).toEqual([`exited gastown/Toast ${first.run}`, `restarted gastown/Toast ${restarted.run}`]);
    } finally {
      const stopped = await town.cli('supervise', '--stop');
      expect(stopped.code, stopped.stderr).toBe(0);
      expect(stopped.stderr).toContain(`supervisor (pid ${pid}) stopped`);
    }
    const after = await town.cli('supervise', '--status', '--json');
    expect(after.code).toBe(1);
    expect(JSON.parse(after.stdout)).toMatchObject({ supervisor: null, polecats: [{ polecat: 'gastown/Toast', want: 'up' }] });
    expect((await runCli(['stop', 'gastown/Toast', '--town', town.root])).code).toBe(0);
    expect((await town.cli('supervise', '--stop')).stderr).toContain('no supervisor of town');
    await awaitNothingLeft(log, first.socket);
  });

  it('a supervisor killed -9 in the middle of a restart: the next one settles that start (resumed) and carries the count on', { timeout: 90_000 }, async () => {
    const town = townWith({ supervision: { backoff_min_s: 0.1 } });
    const log = town.logPath('sim');
    // Each agent is slow to come up, so the restart is caught part way.
    expect((await town.cli('up', 'gastown/Toast', '--agent', `sim --log ${log} --startup-ms 3000`)).code).toBe(0);
    const first = await town.status();
    const killed = superviseInBackground(town);
    await killed.saw('gastown/Toast: supervised');
    process.kill(first.agentPid!, 'SIGKILL');
    await killed.saw('restart begun: run ');
    const cut = killed.output().match(/restart begun: run ([0-9a-f-]+)/)![1]!;
    await retryUntil('the restart part way', () => (readSimLog(log).filter((e) => e.event === 'start').length >= 2 ? true : undefined), 10_000);
    process.kill(killed.pid(), 'SIGKILL');
    await killed.done;
    expect(new RunFiles(town.root, cut).record().result).toBeUndefined();
    expect((await town.cli('inspect', cut)).stdout).toContain('interrupted');

    const next = superviseInBackground(town);
    try {
      await next.saw(`gastown/Toast: interrupted start resumed: run ${cut}`, 30_000);
      expect(next.output()).toContain('carrying on: 1 restarts in the window');
      expect(new RunFiles(town.root, cut).record().result).toBe('running');
      const now = await town.status();
      expect(now).toMatchObject({ running: true, run: cut });
      // Settled, not started again: one start by up, the one restart.
      expect(starts(town)).toHaveLength(2);
      expect((await town.cli('start', 'gastown/Toast')).stderr).not.toContain('interrupted start');
    } finally {
      process.kill(next.pid(), 'SIGTERM');
      await next.done;
      await town.cli('down', 'gastown/Toast');
    }
    await awaitNothingLeft(log, first.socket);
  });

  it('down during a restart cancels it (the restart rolls back) and nothing starts again', { timeout: 60_000 }, async () => {
    const town = townWith({ supervision: { backoff_min_s: 0.1 } });
    const log = town.logPath('sim');
    expect((await town.cli('up', 'gastown/Toast', '--agent', `sim --log ${log} --startup-ms 4000`)).code).toBe(0);
    const first = await town.status();
    const supervisor = superviseInBackground(town);
    try {
      await supervisor.saw('gastown/Toast: supervised');
      process.kill(first.agentPid!, 'SIGKILL');
      await supervisor.saw('restart begun: run ');
      const run = supervisor.output().match(/restart begun: run ([0-9a-f-]+)/)![1]!;
      const down = await town.cli('down', 'gastown/Toast');
      expect(down.code, down.stderr).toBe(0);
      await supervisor.saw(`run ${run} cancelled`);
      await supervisor.saw('gastown/Toast: down: no longer supervised');
      expect(new RunFiles(town.root, run).record().result).toBe('cancelled');
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(supervisor.output().match(/restart begun/g)).toHaveLength(1);
      expect((await town.status()).running).toBe(false);
    } finally {
      process.kill(supervisor.pid(), 'SIGTERM');
      await supervisor.done;
    }
    await awaitNothingLeft(log, first.socket);
  });

  it('a hung agent (busy, no pane activity past the threshold) is reported, and restarted only where restart_hung says so', { timeout: 60_000 }, async () => {
    const town = makeTown({ gastown: ['Toast'], other: ['Nux'] });
    const log = town.logPath('sim');
    for (const [dir, restartHung] of [[join(town.root, 'gastown', 'settings'), false], [join(town.root, 'other', 'settings'), true]] as const) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ supervision: { hung_after_s: 1, restart_hung: restartHung, backoff_min_s: 0.1 } }));
    }
    mkdirSync(join(town.root, 'settings'), { recursive: true });
    // Busy with its first turn for a minute, drawing nothing meanwhile.
    writeFileSync(
      join(town.root, 'settings', 'agents.json'),
      JSON.stringify({ agents: { hooked: { provider: 'claude', command: process.execPath, args: [simAgentScript(), '--log', log, '--turn-ms', '60000'], prompt_mode: 'none', process_names: ['node'] } } }),
    );
    const cli = (...args: string[]) => runCli([...args, '--town', town.root]);
    expect((await cli('up', 'gastown/Toast', 'other/Nux', '--agent', 'hooked', '--prompt', 'work')).code).toBe(0);
    const toast = JSON.parse((await cli('status', 'gastown/Toast', '--json')).stdout) as Seen;
    const nux = JSON.parse((await cli('status', 'other/Nux', '--json')).stdout) as Seen;
    const supervisor = superviseInBackground(town);
    try {
      await supervisor.saw('gastown/Toast: hung: busy with no pane activity for ');
      expect(supervisor.output()).toMatch(/gastown\/Toast: hung: busy with no pane activity for \d+ s \(supervision.restart_hung is off: left running\)/);
      await supervisor.saw('other/Nux: hung: busy with no pane activity for ');
      expect(supervisor.output()).toMatch(/other\/Nux: hung: busy with no pane activity for \d+ s: stopping it to restart it/);
      await supervisor.saw('other/Nux: restart begun');
      await retryUntil('Nux restarted', async () => {
        const now = JSON.parse((await cli('status', 'other/Nux', '--json')).stdout) as Seen;
        return now.running && now.agentPid !== nux.agentPid ? true : undefined;
      }, 20_000);
      // Reported once, and left as it was.
      expect(supervisor.output().match(/gastown\/Toast: hung/g)).toHaveLength(1);
      const left = JSON.parse((await cli('status', 'gastown/Toast', '--json')).stdout) as Seen & { supervision?: { hungSince?: string } };
      expect(left).toMatchObject({ running: true, agentPid: toast.agentPid });
      expect(left.supervision?.hungSince).toBeDefined();
      expect((await cli('status', 'gastown/Toast')).stdout).toMatch(/supervision up, hung since /);
    } finally {
      process.kill(supervisor.pid(), 'SIGTERM');
      await supervisor.done;
      await cli('down', 'gastown/Toast', 'other/Nux');
    }
    await awaitNothingLeft(log, toast.socket);
  });
});
