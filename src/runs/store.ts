import { appendFileSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirectory } from '../files/directory.js';
import { isAlive, type ProcessIdentity } from './owner.js';
import type { JournalEntry } from './recording.js';

export type { JournalEntry } from './recording.js';

/** Written with every run; a file with another version is refused rather than misread. */
export const RUN_FORMAT_VERSION = 1;

export type RunKind = 'start' | 'stop';
export type RunResult = 'running' | 'failed' | 'cancelled' | 'stopped' | 'notRunning' | 'rolledBack';

export interface RunRecord {
  readonly format: typeof RUN_FORMAT_VERSION;
  readonly runId: string;
  readonly kind: RunKind;
  readonly rig: string;
  readonly name: string;
  readonly machineVersion: number;
  readonly owner: ProcessIdentity;
  readonly startedAt: string;
  readonly finishedAt?: string;
  /** How the run ended; absent while it is in progress (or was interrupted). */
  readonly result?: RunResult;
  /** The machine's input: everything needed to resume or roll back. Never holds secrets. */
  readonly input: unknown;
}

export type RunState = 'in progress' | 'interrupted' | 'finished';

export class RunFileError extends Error {
  override readonly name = 'RunFileError';
}

export function runsDir(townRoot: string): string {
  return join(townRoot, '.runtime', 'polecat', 'runs');
}

/**
 * The runs without a result (in progress, or interrupted), each an empty file `<rig>.<name>.<run id>` (`.` is in
 * neither name nor id): a start finds its polecat's interrupted runs without reading every record of the town.
 */
function openRunsDir(townRoot: string): string {
  return join(townRoot, '.runtime', 'polecat', 'runs-open');
}

/** Written once the index holds every open run, those recorded before it existed included. */
const OPEN_INDEX_READY = '.ready-1';

function openMarker(townRoot: string, record: Pick<RunRecord, 'rig' | 'name' | 'runId'>): string {
  return join(openRunsDir(townRoot), `${record.rig}.${record.name}.${record.runId}`);
}

/** Atomic enough for one writer: temp file then rename, synchronously so records keep their order. */
function writeJsonAtomic(path: string, value: unknown): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RunFileError(`${what} ${path} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new RunFileError(`${what} ${path} is damaged (not valid JSON)`);
  }
}

const CANCEL_REQUEST = 'cancel-requested';

/** One run's directory: run.json (the record), snapshot.json (the machine, restorable), journal.jsonl (append-only). */
export class RunFiles {
  readonly dir: string;

  constructor(
    readonly townRoot: string,
    readonly runId: string,
  ) {
    if (!/^[A-Za-z0-9-]+$/.test(runId)) throw new RunFileError(`invalid run id ${JSON.stringify(runId)}`);
    this.dir = join(runsDir(townRoot), runId);
  }

  /** A run that cannot be recorded leaves no part of a record behind. */
  create(record: RunRecord): void {
    makeDirectory(this.dir);
    try {
      // Marked open first: a crash between the two leaves a marker without a record, which a reader drops.
      if (record.result === undefined) markOpen(this.townRoot, record);
      writeJsonAtomic(join(this.dir, 'run.json'), record);
    } catch (error) {
      rmSync(openMarker(this.townRoot, record), { force: true });
      rmSync(this.dir, { recursive: true, force: true });
      throw error;
    }
  }

  exists(): boolean {
    return existsSync(join(this.dir, 'run.json'));
  }

  record(): RunRecord {
    const path = join(this.dir, 'run.json');
    const value = readJson(path, 'run record') as Partial<RunRecord> | null;
    if (typeof value !== 'object' || value === null || value.format !== RUN_FORMAT_VERSION || value.runId !== this.runId) {
      throw new RunFileError(`run record ${path} is not a polecat run of format ${RUN_FORMAT_VERSION}`);
    }
    const owner = value.owner as Partial<ProcessIdentity> | undefined;
    const wellFormed =
      (value.kind === 'start' || value.kind === 'stop') &&
      typeof value.rig === 'string' &&
      typeof value.name === 'string' &&
      typeof value.startedAt === 'string' &&
      !Number.isNaN(Date.parse(value.startedAt)) &&
      typeof owner?.pid === 'number' &&
      typeof owner.startTime === 'number';
    if (!wellFormed) throw new RunFileError(`run record ${path} is damaged (fields missing or of the wrong type)`);
    return value as RunRecord;
  }

  update(change: Partial<RunRecord>): RunRecord {
    const next = { ...this.record(), ...change };
    writeJsonAtomic(join(this.dir, 'run.json'), next);
    // After the record: a crash between the two leaves a marker of a finished run, which a reader drops.
    if (next.result !== undefined) rmSync(openMarker(this.townRoot, next), { force: true });
    return next;
  }

  /**
   * Asks the process running this run to cancel it (and only it: one process may run many). The run watches for the
   * request; a signal to its process would cancel every run the process holds.
   */
  requestCancel(): void {
    writeFileSync(join(this.dir, CANCEL_REQUEST), `${process.pid}\n`, { mode: 0o600 });
  }

  cancelRequested(): boolean {
    return existsSync(join(this.dir, CANCEL_REQUEST));
  }

  writeSnapshot(snapshot: unknown): void {
    writeJsonAtomic(join(this.dir, 'snapshot.json'), snapshot);
  }

  snapshot(): unknown {
    return readJson(join(this.dir, 'snapshot.json'), 'run snapshot');
  }

  /** One line at the end of the journal, stamped with the time (RunRecorder writes them; see JournalEntry). */
  append(entry: { readonly type: string }): void {
    appendFileSync(join(this.dir, 'journal.jsonl'), `${JSON.stringify({ ts: Date.now(), ...entry })}\n`, { mode: 0o600 });
  }

  /** The journal's entries; a torn last line (a crash mid-write) is skipped, any other damage is an error. */
  journal(): JournalEntry[] {
    const path = join(this.dir, 'journal.jsonl');
    if (!existsSync(path)) return [];
    const lines = readFileSync(path, 'utf8').split('\n');
    const entries: JournalEntry[] = [];
    lines.forEach((line, index) => {
      if (line.trim() === '') return;
      let entry: unknown;
      try {
        entry = JSON.parse(line);
      } catch {
        // A line torn by a crash mid-write is skipped; the run may have gone on (resumed) after it.
        return;
      }
      if (typeof entry !== 'object' || entry === null || typeof (entry as JournalEntry).type !== 'string' || typeof (entry as JournalEntry).ts !== 'number') {
        throw new RunFileError(`run journal ${path} is damaged at line ${index + 1}`);
      }
      entries.push(entry as JournalEntry);
    });
    return entries;
  }
}

export function runState(record: RunRecord): RunState {
  if (record.result !== undefined) return 'finished';
  return isAlive(record.owner) ? 'in progress' : 'interrupted';
}

export interface ListedRun {
  readonly record: RunRecord;
  readonly state: RunState;
}

function markOpen(townRoot: string, record: Pick<RunRecord, 'rig' | 'name' | 'runId'>): void {
  makeDirectory(openRunsDir(townRoot));
  writeFileSync(openMarker(townRoot, record), '', { mode: 0o600 });
}

/**
 * The runs without a result, newest first: of one polecat, or of the town. Reads only their records, from the index
 * of open runs; the first call in a town recorded before the index existed builds it from every record, once.
 */
export function listOpenRuns(townRoot: string, polecat?: { readonly rig: string; readonly name: string }): ListedRun[] {
  const dir = openRunsDir(townRoot);
  if (!existsSync(join(dir, OPEN_INDEX_READY))) {
    for (const run of listRuns(townRoot)) if (run.record.result === undefined) markOpen(townRoot, run.record);
    makeDirectory(dir);
    writeFileSync(join(dir, OPEN_INDEX_READY), '', { mode: 0o600 });
  }
  const prefix = polecat ? `${polecat.rig}.${polecat.name}.` : '';
  const runs: ListedRun[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('.') || !entry.startsWith(prefix)) continue;
    const [rig, name, runId] = entry.split('.');
    if (rig === undefined || name === undefined || runId === undefined || !/^[A-Za-z0-9-]+$/.test(runId)) continue;
    if (polecat && (rig !== polecat.rig || name !== polecat.name)) continue;
    let record: RunRecord;
    try {
      record = new RunFiles(townRoot, runId).record();
    } catch (error) {
      // Its record gone (pruned, removed by hand, never written) or damaged: listRuns reports damage, this index does not.
      if (!(error instanceof RunFileError)) throw error;
      if (!new RunFiles(townRoot, runId).exists()) rmSync(join(dir, entry), { force: true });
      continue;
    }
    if (record.result !== undefined) {
      rmSync(join(dir, entry), { force: true });
      continue;
    }
    runs.push({ record, state: runState(record) });
  }
  return runs.sort((a, b) => b.record.startedAt.localeCompare(a.record.startedAt));
}

/** Every run of the town, newest first; a damaged run is reported through onDamaged and skipped, never fatal. */
export function listRuns(townRoot: string, onDamaged: (runId: string, error: RunFileError) => void = () => undefined): ListedRun[] {
  const dir = runsDir(townRoot);
  if (!existsSync(dir)) return [];
  const runs: ListedRun[] = [];
  for (const runId of readdirSync(dir)) {
    try {
      const record = new RunFiles(townRoot, runId).record();
      runs.push({ record, state: runState(record) });
    } catch (error) {
      if (error instanceof RunFileError) onDamaged(runId, error);
      else throw error;
    }
  }
  return runs.sort((a, b) => b.record.startedAt.localeCompare(a.record.startedAt));
}
