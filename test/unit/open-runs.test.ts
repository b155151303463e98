/** The index of open runs: what a start reads to find its polecat's interrupted starts, instead of every record. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listOpenRuns, RunFiles, runsDir, type RunRecord } from '../../src/runs/store.js';

const towns: string[] = [];
afterAll(() => towns.forEach((t) => rmSync(t, { recursive: true, force: true })));
function town(): string {
  const root = mkdtempSync(join(tmpdir(), 'open-runs-'));
  towns.push(root);
  return root;
}

let n = 0;
/** A record whose owner is long gone (pid 1 never has this start time): without a result it is interrupted. */
function record(rig: string, name: string, result?: RunRecord['result']): RunRecord {
  n += 1;
  return { format: 1, runId: `run-${n}`, kind: 'start', rig, name, machineVersion: 2, owner: { pid: 1, startTime: 1 }, startedAt: new Date(Date.UTC(2026, 11, 1, 0, 0, n)).toISOString(), input: {}, ...(result ? { result } : {}) };
}
const ids = (runs: ReturnType<typeof listOpenRuns>) => runs.map((r) => r.record.runId);
const openDir = (root: string) => join(root, '.runtime', 'polecat', 'runs-open');

describe('open runs', () => {
  it('lists a run from its creation until it has a result, for its polecat only (rig a name b-c is not rig a name b)', () => {
    const root = town();
    const b = record('a', 'b');
    const bc = record('a', 'b-c');
    new RunFiles(root, b.runId).create(b);
    new RunFiles(root, bc.runId).create(bc);
    expect(ids(listOpenRuns(root, { rig: 'a', name: 'b' }))).toEqual([b.runId]);
    expect(ids(listOpenRuns(root, { rig: 'a', name: 'b-c' }))).toEqual([bc.runId]);
    expect(ids(listOpenRuns(root))).toEqual([bc.runId, b.runId]);
    expect(listOpenRuns(root)[0]!.state).toBe('interrupted');
    new RunFiles(root, b.runId).update({ result: 'running' });
    expect(listOpenRuns(root, { rig: 'a', name: 'b' })).toEqual([]);
    expect(readdirSync(openDir(root)).filter((f) => !f.startsWith('.'))).toEqual([`a.b-c.${bc.runId}`]);
  });

  it('in a town recorded before the index existed, finds the open runs among every record, once', () => {
    const root = town();
    // Records as an earlier polecat wrote them: run.json only, no index.
    const old = [record('gastown', 'Toast', 'running'), record('gastown', 'Toast'), record('gastown', 'Nux', 'failed')];
    for (const r of old) {
      mkdirSync(join(runsDir(root), r.runId), { recursive: true });
      writeFileSync(join(runsDir(root), r.runId, 'run.json'), JSON.stringify(r));
    }
    expect(ids(listOpenRuns(root, { rig: 'gastown', name: 'Toast' }))).toEqual([old[1]!.runId]);
    expect(existsSync(join(openDir(root), '.ready-1'))).toBe(true);
    // Built once: a record written behind its back later is not looked for among all records again.
    const hidden = record('gastown', 'Nux');
    mkdirSync(join(runsDir(root), hidden.runId), { recursive: true });
    writeFileSync(join(runsDir(root), hidden.runId, 'run.json'), JSON.stringify(hidden));
    expect(listOpenRuns(root, { rig: 'gastown', name: 'Nux' })).toEqual([]);
  });

  it('drops a marker whose record is gone or finished (a crash between the two writes), and keeps a damaged record\'s', () => {
    const root = town();
    const gone = record('r', 'x');
    const finished = record('r', 'x');
    const damaged = record('r', 'x');
    for (const r of [gone, finished, damaged]) new RunFiles(root, r.runId).create(r);
    rmSync(join(runsDir(root), gone.runId), { recursive: true });
    writeFileSync(join(runsDir(root), finished.runId, 'run.json'), JSON.stringify({ ...finished, result: 'running' }));
    writeFileSync(join(runsDir(root), damaged.runId, 'run.json'), '{ not json');
    writeFileSync(join(openDir(root), 'stray file'), '');
    expect(listOpenRuns(root, { rig: 'r', name: 'x' })).toEqual([]);
    expect(readdirSync(openDir(root)).filter((f) => !f.startsWith('.')).sort()).toEqual([`r.x.${damaged.runId}`, 'stray file'].sort());
  });
});
