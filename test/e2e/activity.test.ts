/**
 * Activity from an agent's own hooks, end to end: the sim agent runs the hooks of the Claude settings file polecat
 * writes, as Claude runs them; the built CLI's status, list, wait, events and inject read what they wrote.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simAgentScript } from '../../src/agents/presets.js';
import { eventFilePath } from '../../src/activity/event-file.js';
import { shellQuote } from '../../src/agents/shell.js';
import { CLI, runCli } from '../helpers/cli.js';
import { awaitNothingLeft, makeTown, retryUntil, type TestTown } from '../helpers/town.js';

/** An agent built on Claude's preset (so polecat writes Claude's settings and passes --settings) that is the sim. */
function hookedSim(town: TestTown, simArgs: string[]) {
  const log = town.logPath('sim');
  mkdirSync(join(town.root, 'settings'), { recursive: true });
  writeFileSync(
    join(town.root, 'settings', 'agents.json'),
    JSON.stringify({
      agents: { hooked: { provider: 'claude', command: process.execPath, args: [simAgentScript(), '--log', log, ...simArgs], prompt_mode: 'none', process_names: ['node'] } },
    }),
  );
  return log;
}

const events = (town: TestTown) =>
  readFileSync(eventFilePath(town.root, 'gastown', 'Toast'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { event: string; tool?: string });

describe('activity from the agent’s hooks', () => {
  it('start, wait for idle, a turn sent with inject --then-wait idle, events, stop: each known from the hooks', { timeout: 60_000 }, async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const log = hookedSim(town, ['--busy-ms', '700', '--tool', 'Bash']);
    const cli = (...args: string[]) => runCli([...args, '--town', town.root]);

    const started = await cli('start', 'gastown/Toast', '--agent', 'hooked', '--prompt', 'first task', '--json');
    expect(started.code, started.stderr).toBe(0);
    const outcome = JSON.parse(started.stdout) as { result: string; socket: string };
    expect(outcome.result).toBe('running');

    const idle = await cli('wait', 'gastown/Toast', '--for', 'idle', '--timeout', '20', '--json');
    expect(idle.code, idle.stderr).toBe(0);
    expect(JSON.parse(idle.stdout)).toMatchObject([{ polecat: 'gastown/Toast', reached: true, activity: { state: 'idle', source: 'hook' } }]);
    expect(events(town).map((e) => e.event)).toEqual(['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Stop']);
    expect(events(town).find((e) => e.event === 'PreToolUse')?.tool).toBe('Bash');

    const status = await cli('status', 'gastown/Toast');
    expect(status.stdout).toMatch(/^ {2}doing {4}idle \d+s \(hook\)$/m);
    const list = await cli('list');
    expect(list.stdout).toMatch(/gastown\/Toast .* idle \d+s \(hook\)/);

    const sent = await cli('inject', 'gastown/Toast', 'second task', '--wait-idle', '--then-wait', 'idle', '--wait-timeout', '20');
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/^gastown\/Toast: idle \d+s \(hook\)$/m);
    expect(events(town).map((e) => e.event).slice(5)).toEqual(['UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Stop']);

    const history = (await cli('events', 'gastown/Toast')).stdout.trim().split('\n').map((line) => line.split(/\s+/).slice(2).join(' '));
    // The start's run, begun before anything its agent did and ended once it was running.
    expect(history[0]).toBe('start began');
    expect(history.filter((line) => line.startsWith('start '))).toEqual(['start began', 'start ended running']);
    expect(history.filter((line) => !line.startsWith('start '))).toEqual([
      'SessionStart → idle',
      'UserPromptSubmit → busy',
      'PreToolUse Bash',
      'PostToolUse Bash',
      'Stop → idle',
      'UserPromptSubmit → busy',
      'PreToolUse Bash',
      'PostToolUse Bash',
      'Stop → idle',
    ]);

    expect((await cli('stop', 'gastown/Toast')).code).toBe(0);
    expect(events(town).at(-1)?.event).toBe('SessionEnd');
    const ended = (await cli('events', 'gastown/Toast', '--since', '1m', '--json')).stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; kind?: string; phase?: string; result?: string; event?: string; activity?: string });
    expect(ended.filter((e) => e.type === 'run').map((e) => `${e.kind} ${e.phase}${e.result ? ` ${e.result}` : ''}`)).toEqual(['start began', 'start ended running', 'stop began', 'stop ended stopped']);
    expect(ended.filter((e) => e.type === 'hook').at(-1)).toMatchObject({ event: 'SessionEnd', activity: 'exited' });
    await awaitNothingLeft(log, outcome.socket);
  });

  it('wait ends 1 when time runs out, and 2 for a state it does not know, before anything', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const log = hookedSim(town, []);
    const cli = (...args: string[]) => runCli([...args, '--town', town.root]);
    const started = await cli('start', 'gastown/Toast', '--agent', 'hooked', '--json');
    expect(started.code, started.stderr).toBe(0);
    const busy = await cli('wait', 'gastown/Toast', '--for', 'busy', '--timeout', '1');
    expect(busy.code).toBe(1);
    expect(busy.stdout).toMatch(/^gastown\/Toast: not busy \(time ran out\); idle \d+s \(hook\)$/m);
    const bad = await cli('wait', 'gastown/Toast', '--for', 'asleep');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid --for "asleep": expected one of idle, busy, waiting, errored, exited, change');
    expect((await cli('stop', 'gastown/Toast')).code).toBe(0);
    await awaitNothingLeft(log, JSON.parse(started.stdout).socket);
  });

  it('an Esc interrupt fires no hook: the screen says the turn is over, and wait --for idle returns', { timeout: 60_000 }, async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const log = hookedSim(town, ['--busy-ms', '60000']);
    const cli = (...args: string[]) => runCli([...args, '--town', town.root]);
    const started = await cli('start', 'gastown/Toast', '--agent', 'hooked', '--prompt', 'a long task', '--json');
    expect(started.code, started.stderr).toBe(0);
    const { socket, pane } = JSON.parse(started.stdout) as { socket: string; pane: string };
    expect((await cli('status', 'gastown/Toast')).stdout).toMatch(/^ {2}doing {4}busy \d+s \(hook\)$/m);
    execFileSync('tmux', ['-L', socket, 'send-keys', '-t', pane, 'Escape']);
    const idle = await cli('wait', 'gastown/Toast', '--for', 'idle', '--timeout', '10');
    expect(idle.code, idle.stdout + idle.stderr).toBe(0);
    expect(idle.stdout).toMatch(/^gastown\/Toast: idle \d+s \(screen\)$/m);
    expect(events(town).map((e) => e.event)).toEqual(['SessionStart', 'UserPromptSubmit']);
    expect((await cli('stop', 'gastown/Toast')).code).toBe(0);
    await awaitNothingLeft(log, socket);
  });

  it('list --watch redraws the table on a terminal as a turn comes and goes; Ctrl-C leaves it with 130; elsewhere it is refused', { timeout: 60_000 }, async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const log = hookedSim(town, ['--busy-ms', '1500']);
    const cli = (...args: string[]) => runCli([...args, '--town', town.root]);
    const refused = await cli('list', '--watch');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--watch redraws the table on a terminal, and standard output is not one');
    const started = await cli('start', 'gastown/Toast', '--agent', 'hooked', '--json');
    expect(started.code, started.stderr).toBe(0);
    expect((await cli('wait', 'gastown/Toast', '--for', 'idle', '--timeout', '20')).code).toBe(0);
    // A terminal of its own: a tmux session on another server, running the watch and then saying how it ended.
    const term = `pcw-${process.pid}`;
    const tmux = (...args: string[]) => execFileSync('tmux', ['-L', term, ...args], { encoding: 'utf8' });
    const watchCommand = `${[process.execPath, CLI, 'list', '--watch', '--town', town.root].map(shellQuote).join(' ')}; echo "watch ended $?"; sleep 60`;
    tmux('new-session', '-d', '-s', 'term', '-x', '160', '-y', '20', watchCommand);
    const screen = () => tmux('capture-pane', '-p', '-t', 'term');
    const row = () => screen().split('\n').find((line) => line.startsWith('gastown/Toast'));
    try {
      await retryUntil('the table, idle', () => (/\bidle \d+s \(hook\)/.test(row() ?? '') ? true : undefined), 10_000);
      expect(screen()).toContain('Ctrl-C to quit');
      const sent = cli('inject', 'gastown/Toast', 'a turn', '--then-wait', 'idle', '--wait-timeout', '20');
      await retryUntil('the row, busy', () => (/\bbusy \d+s \(hook\)/.test(row() ?? '') ? true : undefined), 10_000);
      expect((await sent).code).toBe(0);
      await retryUntil('the row, idle again', () => (/\bidle \d+s \(hook\)/.test(row() ?? '') ? true : undefined), 10_000);
      tmux('send-keys', '-t', 'term', 'C-c');
      await retryUntil('the watch ended', () => (screen().includes('watch ended 130') ? true : undefined), 10_000);
      // The alternate screen is left: the table is gone from what the terminal shows.
      expect(screen()).not.toContain('Ctrl-C to quit');
    } finally {
      execFileSync('tmux', ['-L', term, 'kill-server'], { stdio: 'ignore' });
      await cli('stop', 'gastown/Toast');
    }
    await awaitNothingLeft(log, JSON.parse(started.stdout).socket);
  });

  it("with the user's own --settings file: the agent gets a copy with polecat's hooks added, the user's hooks run too, and the user's file is unchanged", { timeout: 60_000 }, async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const mark = join(town.root, 'mine-ran');
    const own = join(town.root, 'my-claude-settings.json');
    const text = `${JSON.stringify({ model: 'opus', hooks: { SessionStart: [{ matcher: '', hooks: [{ type: 'command', command: `echo mine >> ${shellQuote(mark)}` }] }] } }, null, 2)}\n`;
    writeFileSync(own, text);
    const log = hookedSim(town, ['--settings', own]);
    const cli = (...args: string[]) => runCli([...args, '--town', town.root]);
    const started = await cli('start', 'gastown/Toast', '--agent', 'hooked', '--json');
    expect(started.code, started.stderr).toBe(0);
    expect(JSON.parse(started.stdout).warnings).toEqual([]);
    expect((await cli('wait', 'gastown/Toast', '--for', 'idle', '--timeout', '20')).stdout).toMatch(/idle \d+s \(hook\)/);
    expect(events(town).map((e) => e.event)).toEqual(['SessionStart', 'UserPromptSubmit', 'Stop']);
    expect(readFileSync(mark, 'utf8')).toBe('mine\n');
    expect(readFileSync(own, 'utf8')).toBe(text);
    const merged = join(town.root, '.runtime', 'polecat', 'settings', 'gastown', 'Toast.json');
    expect(JSON.parse(readFileSync(merged, 'utf8'))).toMatchObject({ model: 'opus' });
    expect(statSync(merged).mode & 0o777).toBe(0o600);
    expect((await cli('stop', 'gastown/Toast')).code).toBe(0);
    await awaitNothingLeft(log, JSON.parse(started.stdout).socket);

    // A file that is not JSON is refused before anything runs.
    writeFileSync(own, '{"model":');
    const refused = await cli('start', 'gastown/Toast', '--agent', 'hooked');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`the agent's --settings ${own} is not JSON: `);
  });

  it('the sim acts out a permission prompt: waiting from its hooks; allowed, the turn goes on to idle; denied with Esc, idle from the screen', { timeout: 60_000 }, async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const log = hookedSim(town, ['--tool', 'Bash', '--ask-permission', '--turn-ms', '300']);
    const cli = (...args: string[]) => runCli([...args, '--town', town.root]);
    const started = await cli('start', 'gastown/Toast', '--agent', 'hooked', '--prompt', 'run it', '--json');
    expect(started.code, started.stderr).toBe(0);
    const { socket, pane } = JSON.parse(started.stdout) as { socket: string; pane: string };
    const key = (name: string) => execFileSync('tmux', ['-L', socket, 'send-keys', '-t', pane, name]);
    const asked = await cli('wait', 'gastown/Toast', '--for', 'waiting', '--timeout', '20');
    expect(asked.stdout).toMatch(/^gastown\/Toast: waiting: permission \(Bash\) \d+s \(hook\)$/m);
    expect((await cli('capture', 'gastown/Toast')).stdout).toContain('Do you want to proceed?');
    key('Enter');
    expect((await cli('wait', 'gastown/Toast', '--for', 'idle', '--timeout', '20')).stdout).toMatch(/idle \d+s \(hook\)/);
    expect(events(town).map((e) => e.event)).toEqual(['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PermissionRequest', 'Notification', 'PostToolUse', 'Stop']);

    expect((await cli('inject', 'gastown/Toast', 'again', '--then-wait', 'change', '--wait-timeout', '20')).stdout).toMatch(/waiting: permission \(Bash\)/);
    key('Escape');
    expect((await cli('wait', 'gastown/Toast', '--for', 'idle', '--timeout', '20')).stdout).toMatch(/idle \d+s \(screen\)/);
    expect(events(town).map((e) => e.event).slice(7)).toEqual(['UserPromptSubmit', 'PreToolUse', 'PermissionRequest', 'Notification']);
    expect((await cli('stop', 'gastown/Toast')).code).toBe(0);
    await awaitNothingLeft(log, socket);
  });

  it('the sim acts out a failing API: every turn errored with its kind from StopFailure, and wait for idle ends 1 saying why', { timeout: 60_000 }, async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const log = hookedSim(town, ['--fail-turn', 'rate_limit']);
    const cli = (...args: string[]) => runCli([...args, '--town', town.root]);
    const started = await cli('start', 'gastown/Toast', '--agent', 'hooked', '--prompt', 'go', '--json');
    expect(started.code, started.stderr).toBe(0);
    const waited = await cli('wait', 'gastown/Toast', '--for', 'idle', '--timeout', '20');
    expect(waited.code).toBe(1);
    expect(waited.stdout).toMatch(/^gastown\/Toast: not idle \(its turn failed\); errored: rate limit \d+s \(hook\)$/m);
    expect((await cli('capture', 'gastown/Toast')).stdout).toContain('API Error: 429');
    expect((await cli('stop', 'gastown/Toast')).code).toBe(0);
    await awaitNothingLeft(log, JSON.parse(started.stdout).socket);
  });

  it("a failed turn whose screen still shows it busy after its StopFailure (the screen lags the hooks under load): wait gives the hook's kind", { timeout: 60_000 }, async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const log = hookedSim(town, ['--fail-turn', 'server_error', '--fail-screen-after', '2500']);
    const cli = (...args: string[]) => runCli([...args, '--town', town.root]);
    const started = await cli('start', 'gastown/Toast', '--agent', 'hooked', '--prompt', 'go', '--json');
    expect(started.code, started.stderr).toBe(0);
    const waited = await cli('wait', 'gastown/Toast', '--for', 'idle', '--timeout', '20');
    expect(waited.code).toBe(1);
    expect(waited.stdout).toMatch(/^gastown\/Toast: not idle \(its turn failed\); errored: server error \d+s \(hook\)$/m);
    // The verdict came while the screen still showed the spinner; the error line follows.
    await retryUntil('the error on screen', async () => ((await cli('capture', 'gastown/Toast')).stdout.includes('API Error: 500') ? true : undefined), 10_000);
    expect((await cli('stop', 'gastown/Toast')).code).toBe(0);
    await awaitNothingLeft(log, JSON.parse(started.stdout).socket);
  });
});
