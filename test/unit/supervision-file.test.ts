/** What the supervisor keeps of each polecat, how the next one carries on from it, and how it is said. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SUPERVISION_POLICY, type SupervisionContext } from '../../machines/supervision.js';
import { currentProcess } from '../../src/runs/owner.js';
import { describeSupervision, viewOf } from '../../src/supervise/describe.js';
import { hungPolicy } from '../../src/supervise/policy.js';
import { listSupervision, readSupervision, recordOf, restoredFrom, supervisionDir, SupervisionWriter } from '../../src/supervise/supervision-file.js';
import { makeTown } from '../helpers/town.js';

const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const context = (over: Partial<SupervisionContext> = {}): SupervisionContext => ({
  polecat: { rig: 'gastown', name: 'Toast', townRoot: '/town' },
  policy: DEFAULT_SUPERVISION_POLICY,
  upSince: NOW - 60_000,
  run: 'run-3',
  restarts: [NOW - 11 * 60_000, NOW - 5 * 60_000, NOW - 60_000],
  backoffMs: 4_000,
  ...over,
});
const dead = { pid: 2 ** 22 + 1, startTime: 1 };

describe('the supervision file', () => {
  it('keeps the restarts within the window, the backoff and until when, a quarantine, and the notes', () => {
    const record = recordOf(currentProcess(), 'backoff', context({ lastFailure: 'failed at createSession: boom' }), { backoffUntil: NOW + 4_000, notes: [{ at: 'a', what: 'b' }] }, NOW);
    expect(record).toMatchObject({
      rig: 'gastown',
      name: 'Toast',
      state: 'backoff',
      run: 'run-3',
      restarts: [new Date(NOW - 5 * 60_000).toISOString(), new Date(NOW - 60_000).toISOString()],
      backoffMs: 4_000,
      backoffUntil: new Date(NOW + 4_000).toISOString(),
      lastFailure: 'failed at createSession: boom',
      notes: [{ at: 'a', what: 'b' }],
    });
    // A backoff's end belongs to the backoff only.
    expect(recordOf(currentProcess(), 'watching', context(), { backoffUntil: NOW + 4_000, notes: [] }, NOW).backoffUntil).toBeUndefined();
    const many = Array.from({ length: 80 }, (_, i) => ({ at: String(i), what: 'x' }));
    expect(recordOf(currentProcess(), 'watching', context(), { notes: many }, NOW).notes.map((n) => n.at)).toEqual(many.slice(-50).map((n) => n.at));
  });

  it('is carried on: what is left of a backoff, a restart owed after a death mid-restart, a quarantine, the restarts still in the window', () => {
    const inBackoff = recordOf(dead, 'backoff', context(), { backoffUntil: NOW + 4_000, notes: [] }, NOW);
    expect(restoredFrom(inBackoff, NOW + 1_000)).toEqual({ restarts: [NOW - 5 * 60_000, NOW - 60_000], backoffMs: 4_000, backoffLeftMs: 3_000 });
    expect(restoredFrom(inBackoff, NOW + 9_000).backoffLeftMs).toBe(0);
    expect(restoredFrom(recordOf(dead, 'restarting', context(), { notes: [] }, NOW), NOW).backoffLeftMs).toBe(0);
    expect(restoredFrom(recordOf(dead, 'watching', context(), { notes: [] }, NOW), NOW).backoffLeftMs).toBeUndefined();
    const quarantined = recordOf(dead, 'quarantined', context({ quarantined: { at: NOW, why: '5 restarts within 10 min' } }), { notes: [] }, NOW);
    expect(restoredFrom(quarantined, NOW)).toMatchObject({ quarantined: { at: NOW, why: '5 restarts within 10 min' } });
    // Ten minutes on, the restarts have left the window.
    expect(restoredFrom(quarantined, NOW + 10 * 60_000).restarts).toEqual([]);
  });

  it('is written in order, read back, listed; damaged files are as good as none', async () => {
    const town = makeTown({});
    const writer = new SupervisionWriter(town.root, (error) => {
      throw error;
    });
    for (const state of ['watching', 'backoff', 'planning', 'restarting', 'watching']) writer.write(recordOf(currentProcess(), state, context(), { notes: [{ at: state, what: state }] }, NOW));
    await writer.flushed();
    expect(readSupervision(town.root, { rig: 'gastown', name: 'Toast' })).toMatchObject({ state: 'watching', notes: [{ at: 'watching' }] });
    expect([...listSupervision(town.root).keys()]).toEqual(['gastown/Toast']);
    expect(listSupervision(town.root, 'other').size).toBe(0);
    const file = join(supervisionDir(town.root), 'gastown', 'Toast.json');
    expect((await import('node:fs')).statSync(file).mode & 0o777).toBe(0o600);
    writeFileSync(file, '{"format":1,');
    expect(readSupervision(town.root, { rig: 'gastown', name: 'Toast' })).toBeUndefined();
    expect(listSupervision(town.root).size).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('{"format":1,');
  });

  it('is said in one line, with the supervisor gone or running', () => {
    const up = { want: 'up' as const, since: new Date(NOW - 3_600_000).toISOString() };
    const said = (state: string, over: Partial<SupervisionContext> = {}, extra: { backoffUntil?: number; hungSince?: number } = {}, who = dead) =>
      describeSupervision('gastown/Toast', up, viewOf(recordOf(who, state, context(over), { ...extra, notes: [] }, NOW), up, NOW), NOW);
    expect(said('watching', {}, {}, currentProcess())).toBe('up, 2 restarts in 10 min');
    expect(said('watching', { restarts: [] })).toBe('up, no supervisor running');
    expect(said('backoff', {}, { backoffUntil: NOW + 4_000 })).toMatch(/^up, restarting in 4 s \(backoff until .+\), 2 restarts in 10 min, no supervisor running$/);
    expect(said('restarting')).toBe('up, restarting, 2 restarts in 10 min, no supervisor running');
    expect(said('settling', { restarts: [] })).toBe('up, settling an interrupted start, no supervisor running');
    expect(said('quarantined', { quarantined: { at: NOW, why: '5 restarts within 10 min' } }, {}, currentProcess())).toBe(
      'up, quarantined: 5 restarts within 10 min (polecat up gastown/Toast to try again)',
    );
    expect(said('watching', { restarts: [] }, { hungSince: NOW - 60_000 }, currentProcess())).toMatch(/^up, hung since /);
    expect(describeSupervision('gastown/Toast', { want: 'down' }, undefined)).toBe('down');
    expect(describeSupervision('gastown/Toast', undefined, undefined)).toBe('-');
    expect(describeSupervision('gastown/Toast', up, undefined)).toBe('up, not supervised yet (polecat supervise)');
    // Put up again after the record was written: the supervisor has not seen that yet, so the record is not shown.
    const later = { want: 'up' as const, since: new Date(NOW + 1_000).toISOString() };
    expect(viewOf(recordOf(dead, 'quarantined', context({ quarantined: { at: NOW, why: 'x' } }), { notes: [] }, NOW), later, NOW)).toBeUndefined();
  });
});

describe('the hung policy', () => {
  it('is off by default and read from the town, the rig winning; bad values one line naming the key', () => {
    const town = makeTown({ gastown: ['Toast'] });
    expect(hungPolicy(town.root, 'gastown')).toEqual({ hungAfterMs: 30 * 60_000, restartHung: false });
    mkdirSync(join(town.root, 'settings'), { recursive: true });
    mkdirSync(join(town.root, 'gastown', 'settings'), { recursive: true });
    writeFileSync(join(town.root, 'settings', 'config.json'), JSON.stringify({ supervision: { hung_after_s: 600, restart_hung: true } }));
    writeFileSync(join(town.root, 'gastown', 'settings', 'config.json'), JSON.stringify({ supervision: { restart_hung: false } }));
    expect(hungPolicy(town.root, 'gastown')).toEqual({ hungAfterMs: 600_000, restartHung: false });
    expect(hungPolicy(town.root, 'other')).toEqual({ hungAfterMs: 600_000, restartHung: true });
    writeFileSync(join(town.root, 'gastown', 'settings', 'config.json'), JSON.stringify({ supervision: { restart_hung: 'yes' } }));
    expect(() => hungPolicy(town.root, 'gastown')).toThrow('supervision.restart_hung must be true or false');
    writeFileSync(join(town.root, 'gastown', 'settings', 'config.json'), JSON.stringify({ supervision: { hung_after_s: 0 } }));
    expect(() => hungPolicy(town.root, 'gastown')).toThrow('supervision.hung_after_s must be a number of seconds, more than 0');
  });
});
