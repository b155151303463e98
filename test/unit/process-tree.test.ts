/**
 * The process tree a pane owns and how it is killed, with real processes (Linux /proc). Every process started here
 * is SIGKILLed after its test, by process group for the detached ones (setsid: their own session and group).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killProcesses, signalProcesses } from '../../src/proc/kill.js';
import { isSameProcessAlive, listProcesses, processAgeMs, processesOwnedBy, readProcess, type ProcessEntry } from '../../src/proc/process-tree.js';

const started: { pid: number; group: boolean }[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'process-tree-'));

afterEach(() => {
  for (const { pid, group } of started.splice(0)) {
    for (const target of group ? [-pid, pid] : [pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Starts a process; `detached` makes it a session and group leader, as tmux makes a pane's process. */
function start(command: string, args: string[], { detached = true } = {}): ChildProcess & { pid: number } {
  const child = spawn(command, args, { detached, stdio: 'ignore' });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  started.push({ pid: child.pid, group: detached });
  child.on('error', () => {});
  return child as ChildProcess & { pid: number };
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const childrenOf = (pid: number) => listProcesses().filter((p) => p.ppid === pid);
const pids = (entries: readonly ProcessEntry[]) => entries.map((p) => p.pid).sort((a, b) => a - b);
const isAlive = (pid: number) => readProcess(pid) !== undefined;

/** For `sh -c 'sh -c "sleep N & wait" & ...'`: the middle shell and its sleep, once both have exec'd. */
function middleAndSleep(leader: number): [ProcessEntry, ProcessEntry] | undefined {
  for (const middle of childrenOf(leader)) {
    const sleeper = childrenOf(middle.pid).find((p) => p.command === 'sleep');
    if (sleeper && middle.command === 'sh') return [middle, sleeper];
  }
  return undefined;
}

describe('readProcess', () => {
  it('reads a live process: parent, session, group and command', async () => {
    const child = start('sleep', ['30']);
    const entry = await waitFor('sleep to exec', () => readProcess(child.pid)?.command === 'sleep' && readProcess(child.pid));
    expect(entry).toMatchObject({ pid: child.pid, ppid: process.pid, pgid: child.pid, sid: child.pid, command: 'sleep' });
    expect(entry.startTime).toBeGreaterThan(0);
  });

  it('reads a command with spaces and parentheses in its name', async () => {
    const program = join(scratch, 'a) b (c');
    copyFileSync('/bin/sleep', program);
    chmodSync(program, 0o755);
    const child = start(program, ['30']);
    const entry = await waitFor('the program to exec', () => readProcess(child.pid)?.command === 'a) b (c' && readProcess(child.pid));
    expect(entry).toMatchObject({ ppid: process.pid, sid: child.pid, pgid: child.pid });
  });

  it('is undefined for a pid that does not exist', () => {
    expect(readProcess(4_194_304 + 12_345)).toBeUndefined();
  });

  it('is undefined for a zombie', async () => {
    // `exec sleep 30` replaces the shell, so nobody reaps the short sleep: it stays a zombie.
    const leader = start('sh', ['-c', 'sleep 0.1 & exec sleep 30']);
    const zombie = await waitFor('a child of the leader', () => childrenOf(leader.pid)[0]);
    await waitFor('the child to become a zombie', () => !isAlive(zombie.pid));
    expect(readProcess(zombie.pid)).toBeUndefined();
    // ...and it is not counted as something the pane owns.
    expect(pids(processesOwnedBy(leader.pid))).toEqual([leader.pid]);
  });
});

describe('processesOwnedBy (real processes)', () => {
  it('finds a session leader and its children', async () => {
    const leader = start('sh', ['-c', 'sleep 30 & sleep 30 & wait']);
    const kids = await waitFor('two sleeps', () => {
      const found = childrenOf(leader.pid).filter((p) => p.command === 'sleep');
      return found.length === 2 && found;
    });
    const owned = processesOwnedBy(leader.pid);
    expect(pids(owned)).toEqual(pids([readProcess(leader.pid)!, ...kids]));
    for (const p of owned) expect(p.sid).toBe(leader.pid);
  });

  it('still finds a process reparented after its parent was killed, through the session id', async () => {
    // leader -> middle sh -> sleep; the leader keeps running a sleep of its own in the foreground.
    const leader = start('sh', ['-c', 'sh -c "sleep 31 & wait" & sleep 30']);
    const [middle, orphan] = await waitFor('the middle shell and its sleep', () => middleAndSleep(leader.pid));
    process.kill(middle.pid, 'SIGKILL');
    const reparented = await waitFor('the sleep to be reparented', () => {
      const now = readProcess(orphan.pid);
      return now !== undefined && now.ppid !== middle.pid && now;
    });

    const owned = processesOwnedBy(leader.pid);
    const ownedPids = new Set(owned.map((p) => p.pid));
    expect(ownedPids.has(orphan.pid)).toBe(true);
    expect(ownedPids.has(middle.pid)).toBe(false); // killed (a zombie until the leader reaps it)
    // Not reachable as a descendant any more: only the session relation finds it.
    expect(ownedPids.has(reparented.ppid)).toBe(false);
    expect(reparented.sid).toBe(leader.pid);
  });

  it('includes nothing unrelated: not another session, not a sibling in the caller\'s session', async () => {
    const leader = start('sh', ['-c', 'sleep 30 & wait']);
    const unrelated = start('sleep', ['30']); // its own session
    const sameSessionAsUs = start('sleep', ['30'], { detached: false }); // the test runner's session
    await waitFor('the leader\'s sleep', () => childrenOf(leader.pid).some((p) => p.command === 'sleep'));
    await waitFor('the other sleeps', () => readProcess(unrelated.pid)?.command === 'sleep' && readProcess(sameSessionAsUs.pid)?.command === 'sleep');

    const owned = new Set(processesOwnedBy(leader.pid).map((p) => p.pid));
    expect(owned.size).toBe(2);
    expect(owned.has(unrelated.pid)).toBe(false);
    expect(owned.has(sameSessionAsUs.pid)).toBe(false);
    expect(owned.has(process.pid)).toBe(false);
    expect(pids(processesOwnedBy(unrelated.pid))).toEqual([unrelated.pid]);
  });

  it('does not take the whole session for a root that is not its session leader', async () => {
    const leader = start('sh', ['-c', 'sh -c "sleep 31 & wait" & sleep 30']);
    const [middle, inner] = await waitFor('the middle shell and its sleep', () => middleAndSleep(leader.pid));
    expect(pids(processesOwnedBy(middle.pid))).toEqual(pids([middle, inner]));
  });

  it('is empty for a pid that does not exist', () => {
    expect(processesOwnedBy(4_194_304 + 12_345)).toEqual([]);
  });
});

describe('processesOwnedBy (given snapshots)', () => {
  const p = (pid: number, ppid: number, sid: number): ProcessEntry => ({ pid, ppid, pgid: sid, sid, tty: 0, tpgid: -1, cpuTicks: 0, running: false, startTime: pid, command: `p${pid}` });
  const WORLD = [
    p(1, 0, 1), // init
    p(100, 1, 100), // the pane process, a session leader
    p(101, 100, 100), // its child
    p(102, 101, 100), // its grandchild
    p(103, 1, 100), // reparented to init, still in the pane's session
    p(104, 101, 104), // a descendant that called setsid
    p(105, 104, 104), // ...and its child
    p(200, 1, 200), // another session
    p(201, 200, 200),
    p(300, 1, 1), // init's session, unrelated
  ];

  it.each<[string, number, number[]]>([
    ['a session leader: descendants and its session', 100, [100, 101, 102, 103, 104, 105]],
    ['a non-leader: descendants only', 101, [101, 102, 104, 105]],
    ['a descendant leader of its own session', 104, [104, 105]],
    ['a leaf', 102, [102]],
    ['another tree', 200, [200, 201]],
    ['a missing root', 999, []],
  ])('%s', (_name, root, expected) => {
    expect(pids(processesOwnedBy(root, WORLD))).toEqual(expected);
  });

  it('terminates on a parent cycle', () => {
    expect(pids(processesOwnedBy(1, [p(1, 2, 9), p(2, 1, 9)]))).toEqual([1, 2]);
  });
});

describe('isSameProcessAlive and processAgeMs', () => {
  it('tells the snapshotted process from a changed start time and from a dead one', async () => {
    const child = start('sleep', ['30']);
    const entry = await waitFor('sleep', () => readProcess(child.pid)?.command === 'sleep' && readProcess(child.pid));
    expect(isSameProcessAlive(entry)).toBe(true);
    expect(isSameProcessAlive({ ...entry, startTime: entry.startTime + 1 })).toBe(false);
    expect(isSameProcessAlive({ ...entry, startTime: entry.startTime - 1 })).toBe(false);
    process.kill(child.pid, 'SIGKILL');
    await waitFor('sleep to die', () => !isAlive(child.pid));
    expect(isSameProcessAlive(entry)).toBe(false);
  });

  it('measures a process\'s age from its start time', async () => {
    const child = start('sleep', ['30']);
    const entry = await waitFor('sleep', () => readProcess(child.pid));
    expect(processAgeMs(entry)).toBeLessThan(3_000);
    await sleep(400);
    const age = processAgeMs(entry);
    expect(age).toBeGreaterThanOrEqual(350);
    expect(age).toBeLessThan(5_000);
  });

  it('does not signal a process whose start time no longer matches (PID reuse guard)', async () => {
    const child = start('sleep', ['30']);
    const entry = await waitFor('sleep', () => readProcess(child.pid)?.command === 'sleep' && readProcess(child.pid));
    signalProcesses([{ ...entry, startTime: entry.startTime + 1 }], 'SIGKILL');
    await sleep(100);
    expect(isSameProcessAlive(entry)).toBe(true);
    signalProcesses([entry], 'SIGKILL');
    await waitFor('sleep to die', () => !isAlive(child.pid));
  });
});

describe('killProcesses', () => {
  const GRACE = 400;

  it('ends processes that obey SIGTERM without waiting the grace period', async () => {
    const leader = start('sh', ['-c', 'sleep 30 & sleep 30 & wait']);
    await waitFor('two sleeps', () => childrenOf(leader.pid).filter((p) => p.command === 'sleep').length === 2);
    const entries = processesOwnedBy(leader.pid);
    expect(entries).toHaveLength(3);
    const begin = Date.now();
    const result = await killProcesses(entries, { graceMs: 5_000, pollMs: 10 });
    expect(Date.now() - begin).toBeLessThan(2_000);
    expect(pids(result.terminated.map((pid) => ({ pid }) as ProcessEntry))).toEqual(pids(entries));
    expect(result.killed).toEqual([]);
    expect(result.survivors).toEqual([]);
    for (const entry of entries) expect(isSameProcessAlive(entry)).toBe(false);
  });

  it('SIGKILLs a process that ignores SIGTERM, once the grace period is over', async () => {
    const leader = start('sh', ['-c', 'trap "" TERM; sleep 30; echo never']);
    await waitFor('the sleep', () => childrenOf(leader.pid).some((p) => p.command === 'sleep'));
    const entries = processesOwnedBy(leader.pid);
    expect(entries.length).toBeGreaterThanOrEqual(2);
    const begin = Date.now();
    const result = await killProcesses(entries, { graceMs: GRACE, pollMs: 10 });
    const elapsed = Date.now() - begin;
    expect(elapsed).toBeGreaterThanOrEqual(GRACE);
    expect(elapsed).toBeLessThan(GRACE + 1_000);
    expect(result.terminated).toEqual([]);
    expect([...result.killed].sort((a, b) => a - b)).toEqual(pids(entries));
    expect(result.survivors).toEqual([]);
    for (const entry of entries) expect(isSameProcessAlive(entry)).toBe(false);
  });

  it('reports which processes went on SIGTERM and which needed SIGKILL', async () => {
    const obedient = start('sleep', ['30']);
    const stubborn = start('sh', ['-c', 'trap "" TERM; while :; do sleep 1; done']);
    const a = await waitFor('sleep', () => readProcess(obedient.pid)?.command === 'sleep' && readProcess(obedient.pid));
    // Its first sleep shows the trap is set: a TERM sent before that would still end the shell.
    await waitFor('the trap to be set', () => childrenOf(stubborn.pid).some((p) => p.command === 'sleep'));
    const b = readProcess(stubborn.pid)!;
    const result = await killProcesses([a, b], { graceMs: GRACE, pollMs: 10 });
    expect(result).toEqual({ terminated: [a.pid], killed: [b.pid], survivors: [] });
  });

  it('leaves out processes that were already gone or are not the snapshotted ones', async () => {
    const child = start('sleep', ['30']);
    const entry = await waitFor('sleep', () => readProcess(child.pid)?.command === 'sleep' && readProcess(child.pid));
    const impostor = { ...entry, startTime: entry.startTime + 1 };
    const gone = { ...entry, pid: 4_194_304 + 12_345 };
    const result = await killProcesses([impostor, gone], { graceMs: GRACE, pollMs: 10 });
    expect(result).toEqual({ terminated: [], killed: [], survivors: [] });
    expect(isSameProcessAlive(entry)).toBe(true); // the real process was not touched
  });

  it('stops waiting when its signal is aborted', async () => {
    const stubborn = start('sh', ['-c', 'trap "" TERM; while :; do sleep 1; done']);
    await waitFor('the trap to be set', () => childrenOf(stubborn.pid).some((p) => p.command === 'sleep'));
    const entry = readProcess(stubborn.pid)!;
    const controller = new AbortController();
    const begin = Date.now();
    const killing = killProcesses([entry], { graceMs: 10_000, pollMs: 10, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(killing).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - begin).toBeLessThan(2_000);
    expect(isSameProcessAlive(entry)).toBe(true); // it ignored TERM and was never sent KILL
  });
});
