/** Which runs a town keeps: each polecat's newest, the young ones, and never one unfinished. */
import { describe, expect, it } from 'vitest';
import { prunable, type RetentionPolicy } from '../../src/runs/retention.js';
import type { ListedRun, RunState } from '../../src/runs/store.js';

const DAY = 86_400_000;
const now = Date.parse('2026-12-01T12:00:00Z');
let n = 0;
function run(name: string, daysAgo: number, state: RunState = 'finished'): ListedRun {
  n += 1;
  return {
    state,
    record: { format: 1, runId: `run-${n}`, kind: 'start', rig: 'gastown', name, machineVersion: 2, owner: { pid: 1, startTime: 1 }, startedAt: new Date(now - daysAgo * DAY).toISOString(), input: {}, ...(state === 'finished' ? { result: 'running' } : {}) },
  } as ListedRun;
}

describe('run retention', () => {
  const policy: RetentionPolicy = { keep: 2, keepDays: 7 };

  it("prunes each polecat's finished runs beyond its newest two that are older than a week", () => {
    const toast = [run('Toast', 30), run('Toast', 20), run('Toast', 10), run('Toast', 9)];
    const nux = [run('Nux', 40), run('Nux', 35)];
    expect(prunable([...toast, ...nux], policy, now).map((r) => r.record.runId)).toEqual([toast[1]!.record.runId, toast[0]!.record.runId]);
  });

  it('keeps every run younger than the age, however many', () => {
    const young = Array.from({ length: 10 }, (_, i) => run('Toast', i * 0.5));
    expect(prunable(young, policy, now)).toEqual([]);
  });

  it('never prunes a run in progress or interrupted', () => {
    const runs = [run('Toast', 30, 'interrupted'), run('Toast', 29, 'in progress'), run('Toast', 20), run('Toast', 10), run('Toast', 9)];
    expect(prunable(runs, policy, now).map((r) => r.record.runId)).toEqual([runs[2]!.record.runId]);
    expect(prunable(runs, { keep: 0, keepDays: 0 }, now)).toHaveLength(3);
  });
});
