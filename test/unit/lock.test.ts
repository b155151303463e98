import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, LockHeldError } from '../../src/runs/lock.js';
import { makeTown } from '../helpers/town.js';

describe('per-polecat lock', () => {
  it('gives one holder at a time and lets go on release', () => {
    const town = makeTown({});
    const first = acquireLock(town.root, 'gastown', 'Toast', 'run-1', 'start');
    expect(() => acquireLock(town.root, 'gastown', 'Toast', 'run-2', 'start')).toThrow(LockHeldError);
    expect(() => acquireLock(town.root, 'gastown', 'Toast', 'run-2', 'start')).toThrow(/gastown\/Toast is busy: run run-1 \(start, pid \d+\) holds it/);
    first.release();
    acquireLock(town.root, 'gastown', 'Toast', 'run-2', 'start').release();
  });

  it('never shares a lock between polecats whose names run together (a--b/c and a/b--c)', () => {
    const town = makeTown({});
    const one = acquireLock(town.root, 'a--b', 'c', 'run-1', 'start');
    const two = acquireLock(town.root, 'a', 'b--c', 'run-2', 'start');
    expect(one.path).not.toBe(two.path);
    // Each is held on its own: a second run of either polecat is refused, naming that polecat's run.
    expect(() => acquireLock(town.root, 'a--b', 'c', 'run-3', 'start')).toThrow(/a--b\/c is busy: run run-1 /);
    expect(() => acquireLock(town.root, 'a', 'b--c', 'run-3', 'start')).toThrow(/a\/b--c is busy: run run-2 /);
    one.release();
    expect(() => acquireLock(town.root, 'a', 'b--c', 'run-3', 'start')).toThrow(LockHeldError);
    acquireLock(town.root, 'a--b', 'c', 'run-3', 'start').release();
    two.release();
  });

  it('takes over a lock whose holder is dead', () => {
    const town = makeTown({});
    const dir = join(town.root, '.runtime', 'polecat', 'locks');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'gastown.Toast.lock'), JSON.stringify({ pid: 999_999_999, startTime: 1, runId: 'dead', kind: 'start' }));
    acquireLock(town.root, 'gastown', 'Toast', 'run-1', 'start').release();
  });

  it('takes over an empty or garbage lock once it is old enough to be a crash leftover, not a writer at work', () => {
    const town = makeTown({});
    const dir = join(town.root, '.runtime', 'polecat', 'locks');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'gastown.Toast.lock');
    writeFileSync(path, '');
    expect(() => acquireLock(town.root, 'gastown', 'Toast', 'run-1', 'start')).toThrow(LockHeldError);
    const past = new Date(Date.now() - 10_000);
    utimesSync(path, past, past);
    acquireLock(town.root, 'gastown', 'Toast', 'run-1', 'start').release();
    writeFileSync(path, 'junk{');
    utimesSync(path, past, past);
    acquireLock(town.root, 'gastown', 'Toast', 'run-2', 'start').release();
  });
});
