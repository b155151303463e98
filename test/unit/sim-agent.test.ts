/**
 * Drives the built sim agent (dist/src/sim/agent.js) in real tmux on a private server.
 * Needs `npx tsc -p tsconfig.build.json` first; builds nothing itself.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const AGENT = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/src/sim/agent.js');
const SOCKET = 'sim-test';
const TIMEOUT_MS = 10_000;
const POLL_MS = 50;

const root = mkdtempSync(join(tmpdir(), 'sim-agent-'));
// A private TMUX_TMPDIR plus -L keeps every call away from the user's default tmux server.
const tmuxDir = mkdtempSync(join(root, 'tmux-'));
const tmuxEnv: NodeJS.ProcessEnv = { ...process.env, TMUX_TMPDIR: tmuxDir };
delete tmuxEnv.TMUX;
const pidsToKill = new Set<number>();
let sessions = 0;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { env: tmuxEnv, encoding: 'utf8' });
}

interface LogEvent {
  ts: number;
  event: string;
  [key: string]: unknown;
}

interface Sim {
  target: string;
  logFile: string;
  cwd: string;
  screen(): string;
  log(): LogEvent[];
}

/**
 * Starts the sim in a pane that stays around after the sim exits, so its exit status can be read:
 * the session starts with a placeholder command, gets remain-on-exit, then the sim replaces the placeholder.
 */
function startSim(...flags: string[]): Sim {
  const target = `s${++sessions}`;
  const dir = mkdtempSync(join(root, `${target}-`));
  const logFile = join(dir, 'log.jsonl');
  tmux('new-session', '-d', '-x', '120', '-y', '40', '-s', target, '-c', dir, 'sleep', '60');
  tmux('set-option', '-t', target, 'remain-on-exit', 'on');
  // Several arguments: tmux runs them directly, no shell quoting involved.
  // --log first: flags may end with `-- ARGS...`, after which nothing is a flag.
  tmux('respawn-pane', '-k', '-t', target, '-c', dir, process.execPath, AGENT, '--log', logFile, ...flags);
  return {
    target,
    logFile,
    cwd: dir,
    screen: () => tmux('capture-pane', '-p', '-t', target),
    log: () => readLog(logFile),
  };
}

function readLog(file: string): LogEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LogEvent);
}

/** Polls probe until it returns something truthy; on timeout the error shows what was last seen. */
async function until<T>(what: string, probe: () => T | undefined | false, describeLast: () => string): Promise<T> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n--- last seen ---\n${describeLast()}`);
    await sleep(POLL_MS);
  }
}

function screenShows(sim: Sim, ...texts: string[]): Promise<string> {
  let last = '';
  return until(
    `screen to show ${JSON.stringify(texts)}`,
    () => {
      last = sim.screen();
      return texts.every((text) => last.includes(text)) && last;
    },
    () => last,
  );
}

function logHas(sim: Sim, predicate: (event: LogEvent) => boolean, what: string): Promise<LogEvent> {
  return until(what, () => sim.log().find(predicate), () => readFileSafe(sim.logFile));
}

/**
 * Waits for the pane to die and returns "1 <exit status>".
 * tmux built with libutempter can lose the SIGCHLD of a pane that exits while utempter runs its helper
 * (tmux/tmux#311, #4559): the pane shows dead but its status stays empty until the server gets another SIGCHLD.
 * Sending the private server one makes it reap the pane and record the status.
 */
function paneExit(sim: Sim): Promise<string> {
  let last = '';
  return until(
    'pane to die with an exit status',
    () => {
      last = tmux('display-message', '-p', '-t', sim.target, '#{pane_dead} #{pane_dead_status}').trim();
      if (last === '1') process.kill(serverPid(), 'SIGCHLD');
      return /^1 \d+$/.test(last) && last;
    },
    () => `${last}\n${sim.screen()}`,
  );
}

function serverPid(): number {
  return Number(tmux('display-message', '-p', '#{pid}').trim());
}

function readFileSafe(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '(no log yet)';
}

function events(sim: Sim, name: string): LogEvent[] {
  return sim.log().filter((event) => event.event === name);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function processGroup(pid: number): string {
  return execFileSync('ps', ['-o', 'pgid=', '-p', String(pid)], { encoding: 'utf8' }).trim();
}

afterAll(() => {
  try {
    for (const pid of tmux('list-panes', '-a', '-F', '#{pane_pid}').split('\n')) if (pid !== '') pidsToKill.add(Number(pid));
    tmux('kill-server');
  } catch {
    // no server left
  }
  for (const pid of pidsToKill) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(root, { recursive: true, force: true });
});

describe('sim agent in tmux', () => {
  it('answers trust then bypass, draws the prompt and logs a submitted line once', async () => {
    const sim = startSim('--dialogs', 'trust,bypass');

    await screenShows(sim, 'Accessing workspace:', sim.cwd, '❯ 1. Yes, I trust this folder', '  2. No, exit');
    tmux('send-keys', '-t', sim.target, 'Enter');

    await screenShows(sim, 'WARNING: Claude Code running in Bypass Permissions mode', '❯ 1. No, exit');
    tmux('send-keys', '-t', sim.target, 'Down');
    await screenShows(sim, '❯ 2. Yes, I accept');
    tmux('send-keys', '-t', sim.target, 'Enter');

    await screenShows(sim, '✻ Welcome back!', '⏵⏵ bypass permissions on');
    tmux('send-keys', '-t', sim.target, '-l', 'héllo wörld ✓');
    await screenShows(sim, '❯ héllo wörld ✓');
    tmux('send-keys', '-t', sim.target, 'Enter');
    await screenShows(sim, '> héllo wörld ✓', '⏺ Received 13 chars');

    const answers = events(sim, 'answer').map((event) => [event.dialog, event.option]);
    expect(answers).toEqual([
      ['trust', 'Yes, I trust this folder'],
      ['bypass', 'Yes, I accept'],
    ]);
    expect(events(sim, 'screen').map((event) => event.name)).toEqual(['trust', 'bypass', 'prompt']);
    expect(events(sim, 'submit').map((event) => event.text)).toEqual(['héllo wörld ✓']);
    expect(events(sim, 'key').map((event) => event.key)).toEqual(['Enter', 'Down', 'Enter', 'Enter']);
  }, 30_000);

  it('draws the prompt with a no-break space under --prompt-nbsp (trust answered with the 1 key)', async () => {
    const sim = startSim('--dialogs', 'trust', '--prompt-nbsp');
    await screenShows(sim, '❯ 1. Yes, I trust this folder');
    tmux('send-keys', '-t', sim.target, '1');
    await screenShows(sim, '✻ Welcome back!');
    tmux('send-keys', '-t', sim.target, '-l', 'hi');
    const screen = await screenShows(sim, '❯\u00a0hi');
    expect(screen).not.toContain('❯ hi');
    expect(events(sim, 'answer').map((event) => event.option)).toEqual(['Yes, I trust this folder']);
  }, 30_000);

  it('exits with status 0 when the bypass warning is answered "No, exit"', async () => {
    const sim = startSim('--dialogs', 'bypass');
    await screenShows(sim, '❯ 1. No, exit', '  2. Yes, I accept');
    tmux('send-keys', '-t', sim.target, 'Enter');
    expect(await paneExit(sim)).toBe('1 0');
    expect(events(sim, 'answer').map((event) => event.option)).toEqual(['No, exit']);
    expect(events(sim, 'exit').map((event) => event.code)).toEqual([0]);
  }, 30_000);

  it('--exit-at trust --exit-code 7 shows the trust dialog, then the pane dies with status 7', async () => {
    const sim = startSim('--dialogs', 'trust', '--exit-at', 'trust', '--exit-code', '7');
    expect(await paneExit(sim)).toBe('1 7');
    // remain-on-exit keeps the last screen, so the dialog drawn before the exit is still there.
    expect(sim.screen()).toContain('❯ 1. Yes, I trust this folder');
    expect(events(sim, 'screen').map((event) => event.name)).toEqual(['trust']);
    expect(events(sim, 'exit').map((event) => event.code)).toEqual([7]);
  }, 30_000);

  it('--spawn-child --ignore-term: logs a live child in the same process group and survives SIGTERM', async () => {
    const sim = startSim('--spawn-child', '--ignore-term');
    const start = await logHas(sim, (event) => event.event === 'start', 'start event');
    const child = await logHas(sim, (event) => event.event === 'child', 'child event');
    const simPid = start.pid as number;
    const childPid = child.pid as number;
    pidsToKill.add(simPid).add(childPid);

    expect(isAlive(childPid)).toBe(true);
    expect(processGroup(childPid)).toBe(processGroup(simPid));

    await screenShows(sim, '✻ Welcome back!');
    process.kill(simPid, 'SIGTERM');
    await logHas(sim, (event) => event.event === 'signal' && event.signal === 'SIGTERM', 'SIGTERM logged');
    expect(isAlive(simPid)).toBe(true);
    expect(isAlive(childPid)).toBe(true);
    expect(events(sim, 'exit')).toEqual([]);
  }, 30_000);

  it('exits on a second Ctrl-C at the prompt; under --ignore-ctrl-c it reads them and stays', async () => {
    const plain = startSim();
    const stubborn = startSim('--ignore-ctrl-c');
    for (const sim of [plain, stubborn]) {
      await screenShows(sim, '✻ Welcome back!');
      tmux('send-keys', '-t', sim.target, 'C-c');
      tmux('send-keys', '-t', sim.target, 'C-c');
    }
    expect(await paneExit(plain)).toBe('1 0');
    const ctrlCs = () => events(stubborn, 'key').filter((event) => event.key === 'C-c').length;
    tmux('send-keys', '-t', stubborn.target, 'C-c');
    await until('three Ctrl-Cs read', () => ctrlCs() >= 3, () => readFileSafe(stubborn.logFile));
    await sleep(200);
    expect(events(stubborn, 'exit')).toEqual([]);
    expect(tmux('display-message', '-p', '-t', stubborn.target, '#{pane_dead}').trim()).toBe('0');
  }, 30_000);

  it('takes every argument after -- as it is, logs them as extra, and reads none of them as a flag', async () => {
    const extra = ['--hang', '--log', join(root, 'elsewhere.jsonl'), '--exit-at', 'start', 'a b', '$(touch x)', "it's", '', 'é😀', '--'];
    const sim = startSim('--dialogs', 'trust', '--', ...extra);
    // The flags before -- are read (the trust dialog), the ones after are not (no hang, no exit, no other log).
    await screenShows(sim, '❯ 1. Yes, I trust this folder');
    tmux('send-keys', '-t', sim.target, 'Enter');
    await screenShows(sim, '✻ Welcome back!');
    const start = await logHas(sim, (event) => event.event === 'start', 'start event');
    expect(start.extra).toEqual(extra);
    expect((start.argv as string[]).slice(-extra.length - 1)).toEqual(['--', ...extra]);
    expect(existsSync(join(root, 'elsewhere.jsonl'))).toBe(false);
    expect(existsSync(join(sim.cwd, 'x'))).toBe(false);
  }, 30_000);

  it('still refuses an unknown flag before --, exit 2', async () => {
    const sim = startSim('--no-such-flag', '--', 'fine');
    expect(await paneExit(sim)).toBe('1 2');
    expect(sim.log()).toEqual([]);
  }, 30_000);

  it('receives a bracketed paste from paste-buffer -p as one paste event with the exact text', async () => {
    const sim = startSim();
    await screenShows(sim, '✻ Welcome back!');
    const text = 'line one\nline two ✓ with\ttab\nlast';
    const file = join(sim.cwd, 'paste.txt');
    writeFileSync(file, text);
    tmux('load-buffer', '-b', 'simpaste', file);
    tmux('paste-buffer', '-p', '-d', '-b', 'simpaste', '-t', sim.target);

    await logHas(sim, (event) => event.event === 'paste', 'paste event');
    await screenShows(sim, '❯ line one↵line two ✓');
    expect(events(sim, 'paste').map((event) => event.text)).toEqual([text]);
    expect(events(sim, 'text')).toEqual([]);
    expect(events(sim, 'key')).toEqual([]);

    tmux('send-keys', '-t', sim.target, 'Enter');
    await logHas(sim, (event) => event.event === 'submit', 'submit event');
    expect(events(sim, 'submit').map((event) => event.text)).toEqual([text]);
  }, 30_000);
});
