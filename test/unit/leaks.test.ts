/**
 * The leak check every test ends with (test/helpers/leaks.ts, run by tmux-guard.ts) can fail: a tmux server on a
 * private socket and processes of this file's are reported, and nothing else is. Each test kills what it started
 * itself, so that its own check after it passes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  describeLeftovers,
  findLeftovers,
  isEmpty,
  killLeftovers,
  newSince,
  settledLeftovers,
  socketDir,
  type Leftovers,
} from '../helpers/leaks.js';
import { isAlive, retryUntil } from '../helpers/town.js';
import { testTmpDir } from '../helpers/tmux-guard.js';

const realTmux = process.env.POLECAT_TEST_REAL_TMUX!;
const tmux = (...args: string[]) => execFileSync(realTmux, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const started: number[] = [];
const servers: string[] = [];

afterEach(() => {
  for (const socket of servers.splice(0)) {
    try {
      tmux('-L', socket, 'kill-server');
    } catch {
      // already gone
    }
  }
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function startSleep(options: { cwd: string; env: NodeJS.ProcessEnv }): number {
  const child = spawn('sleep', ['60'], { ...options, stdio: 'ignore' });
  if (child.pid === undefined) throw new Error('could not start sleep');
  started.push(child.pid);
  return child.pid;
}

function startServer(socket: string): number {
  servers.push(socket);
  tmux('-L', socket, 'new-session', '-d', '-s', 'leak', 'sleep 60');
  return Number(tmux('-L', socket, 'display-message', '-p', '-t', 'leak', '#{pid}').trim());
}

const pids = (leftovers: Leftovers) => leftovers.processes.map((p) => p.pid);

describe('the leak check', () => {
  it('reports a live tmux server on a private socket and processes working under the test dir or carrying its TMUX_TMPDIR', async () => {
    const before = findLeftovers(testTmpDir);
    const work = join(testTmpDir, 'leak-probe');
    mkdirSync(work, { recursive: true });
    // Stripped of its environment, as polecat starts an agent: only its working directory says whose it is.
    const byCwd = startSleep({ cwd: work, env: { PATH: process.env.PATH } });
    // Working elsewhere, but started by this file (it inherits TMUX_TMPDIR, as a CLI or a tmux server does).
    const byEnv = startSleep({ cwd: '/', env: process.env });
    const serverPid = startServer('leak-probe');

    const leaks = newSince(findLeftovers(testTmpDir), before);
    expect(leaks.servers.map((s) => s.socket)).toEqual(['leak-probe']);
    expect(pids(leaks)).toEqual(expect.arrayContaining([byCwd, byEnv, serverPid]));
    const report = describeLeftovers(leaks, testTmpDir);
    expect(report).toContain('tmux server on socket leak-probe');
    expect(report).toContain(`pid ${byCwd}: sleep 60 (cwd <test dir>/leak-probe)`);
    expect(report).toContain(`pid ${byEnv}: sleep 60 (cwd /)`);

    await killLeftovers(leaks, realTmux);
    expect(isEmpty(newSince(findLeftovers(testTmpDir), before))).toBe(true);
  });

  it('does not report what was there before, a socket whose server has exited, or a process of someone else', async () => {
    const old = startSleep({ cwd: testTmpDir, env: { PATH: process.env.PATH } });
    const server = startServer('leak-gone');
    const before = findLeftovers(testTmpDir);
    expect(pids(before)).toContain(old);
    tmux('-L', 'leak-gone', 'kill-server');
    await retryUntil('the server to exit', () => !isAlive(server) || undefined);
    expect(existsSync(join(socketDir(testTmpDir), 'leak-gone')), 'its socket file is left behind').toBe(true);
    const elsewhere = mkdtempSync(join(tmpdir(), 'not-a-test-'));
    try {
      const stranger = startSleep({ cwd: elsewhere, env: { PATH: process.env.PATH } });
      const now = findLeftovers(testTmpDir);
      expect(pids(now)).not.toContain(stranger);
      expect(now.servers.map((s) => s.socket)).not.toContain('leak-gone');
      expect(pids(newSince(now, before))).not.toContain(old);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('gives what is on its way out a grace before calling it a leak', async () => {
    const before = findLeftovers(testTmpDir);
    const child = spawn('sleep', ['0.3'], { cwd: testTmpDir, stdio: 'ignore' });
    started.push(child.pid!);
    const t0 = Date.now();
    expect(isEmpty(await settledLeftovers(testTmpDir, before, 2_000))).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
  });
});
