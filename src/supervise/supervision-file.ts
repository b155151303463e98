/**
 * What the supervisor knows of each polecat, kept in a file of its own (`<town>/.runtime/polecat/supervision/<rig>/
 * <name>.json`) on every change: its state, the restarts within the window, the backoff and until when, a
 * quarantine and why, and the last things that happened. `status`, `list` and `events` read it; the next supervisor
 * (or the next `supervise --once`) carries on from it instead of counting from zero.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RestoredSupervision, SupervisionContext } from '../../machines/supervision.js';
import { writeFileAtomic } from '../files/atomic.js';
import { isAlive, type ProcessIdentity } from '../runs/owner.js';
import type { PolecatAddress } from '../town/names.js';

export const SUPERVISION_FORMAT_VERSION = 1;

/** What the file keeps of what happened: restarts, quarantines, releases, settled runs, hangs (newest last). */
export interface SupervisionNote {
  readonly at: string;
  readonly what: string;
  readonly run?: string;
}

export const NOTES_KEPT = 50;

export interface SupervisionRecord {
  readonly format: typeof SUPERVISION_FORMAT_VERSION;
  readonly rig: string;
  readonly name: string;
  /** The supervisor that wrote it (a dead one: nobody supervises the polecat now). */
  readonly supervisor: ProcessIdentity;
  readonly state: string;
  readonly updatedAt: string;
  readonly run?: string;
  /** When each restart within the window began. */
  readonly restarts: readonly string[];
  readonly windowMs: number;
  readonly maxRestarts: number;
  readonly backoffMs: number;
  readonly backoffUntil?: string;
  readonly lastFailure?: string;
  readonly quarantined?: { readonly at: string; readonly why: string };
  /** Busy with no pane activity since then (reported; restarted only when the settings say so). */
  readonly hungSince?: string;
  readonly notes: readonly SupervisionNote[];
}

export function supervisionDir(townRoot: string): string {
  return join(townRoot, '.runtime', 'polecat', 'supervision');
}

function supervisionPath(townRoot: string, address: PolecatAddress): string {
  return join(supervisionDir(townRoot), address.rig, `${address.name}.json`);
}

/** Its supervision's record gone with it: for a polecat that is removed. */
export function forgetSupervision(townRoot: string, address: PolecatAddress): void {
  rmSync(supervisionPath(townRoot, address), { force: true });
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The record of a supervision machine's snapshot, with the notes kept so far. */
export function recordOf(
  supervisor: ProcessIdentity,
  state: string,
  context: SupervisionContext,
  extra: { backoffUntil?: number; hungSince?: number; notes: readonly SupervisionNote[] },
  now = Date.now(),
): SupervisionRecord {
  const { polecat, policy } = context;
  return {
    format: SUPERVISION_FORMAT_VERSION,
    rig: polecat.rig,
    name: polecat.name,
    supervisor,
    state,
    updatedAt: iso(now),
    ...(context.run !== undefined ? { run: context.run } : {}),
    restarts: context.restarts.filter((at) => at > now - policy.windowMs).map(iso),
    windowMs: policy.windowMs,
    maxRestarts: policy.maxRestarts,
    backoffMs: context.backoffMs,
    ...(state === 'backoff' && extra.backoffUntil !== undefined ? { backoffUntil: iso(extra.backoffUntil) } : {}),
    ...(context.lastFailure !== undefined ? { lastFailure: context.lastFailure } : {}),
    ...(context.quarantined !== undefined ? { quarantined: { at: iso(context.quarantined.at), why: context.quarantined.why } } : {}),
    ...(extra.hungSince !== undefined ? { hungSince: iso(extra.hungSince) } : {}),
    notes: extra.notes.slice(-NOTES_KEPT),
  };
}

/** Written atomically; each polecat's writes in order (a later one never overtaken by an earlier one). */
export class SupervisionWriter {
  private writing = new Map<string, Promise<void>>();

  constructor(
    private readonly townRoot: string,
    private readonly onError: (error: Error) => void,
  ) {}

  write(record: SupervisionRecord): void {
    const key = `${record.rig}/${record.name}`;
    const path = supervisionPath(this.townRoot, record);
    const next = (this.writing.get(key) ?? Promise.resolve())
      .then(() => writeFileAtomic(path, `${JSON.stringify(record, null, 2)}\n`, 0o600))
      .catch((error: unknown) => this.onError(error instanceof Error ? error : new Error(String(error))));
    this.writing.set(key, next);
  }

  /** Every write begun has reached its file. */
  async flushed(): Promise<void> {
    await Promise.all(this.writing.values());
  }
}

function parse(text: string): SupervisionRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<SupervisionRecord> | null;
    if (value?.format !== SUPERVISION_FORMAT_VERSION || typeof value.state !== 'string' || !Array.isArray(value.restarts) || !Array.isArray(value.notes)) return undefined;
    if (typeof value.supervisor?.pid !== 'number' || typeof value.backoffMs !== 'number') return undefined;
    return value as SupervisionRecord;
  } catch {
    return undefined;
  }
}

/** The polecat's supervision record; undefined when none was written or it cannot be read (then begun afresh). */
export function readSupervision(townRoot: string, address: PolecatAddress): SupervisionRecord | undefined {
  const path = supervisionPath(townRoot, address);
  if (!existsSync(path)) return undefined;
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every record of the town (of one rig, with `rig`), keyed by `rig/name`. */
export function listSupervision(townRoot: string, rig?: string): Map<string, SupervisionRecord> {
  const dir = supervisionDir(townRoot);
  const records = new Map<string, SupervisionRecord>();
  if (!existsSync(dir)) return records;
  for (const rigName of readdirSync(dir)) {
    if (rig !== undefined && rigName !== rig) continue;
    let files: string[];
    try {
      files = readdirSync(join(dir, rigName));
    } catch {
      continue;
    }
    for (const file of files) {
      if (!file.endsWith('.json')) continue;
      const record = (() => {
        try {
          return parse(readFileSync(join(dir, rigName, file), 'utf8'));
        } catch {
          return undefined;
        }
      })();
      if (record) records.set(`${record.rig}/${record.name}`, record);
    }
  }
  return records;
}

/** Whether the supervisor that wrote the record still runs. */
export function supervisedNow(record: SupervisionRecord): boolean {
  return isAlive(record.supervisor);
}

/** What a supervisor carries on with: the restarts within the window, the backoff and what is left of it, a quarantine. */
export function restoredFrom(record: SupervisionRecord, now = Date.now()): RestoredSupervision {
  const restarts = record.restarts.map((at) => Date.parse(at)).filter((at) => Number.isFinite(at) && at > now - record.windowMs);
  const backoffUntil = record.backoffUntil !== undefined ? Date.parse(record.backoffUntil) : NaN;
  // Died in a planning or restart: the restart is owed, after what was left of the backoff (none).
  const owed = record.state === 'planning' || record.state === 'restarting';
  return {
    restarts,
    backoffMs: record.backoffMs,
    ...(record.state === 'backoff' && Number.isFinite(backoffUntil) ? { backoffLeftMs: Math.max(0, backoffUntil - now) } : owed ? { backoffLeftMs: 0 } : {}),
    ...(record.lastFailure !== undefined ? { lastFailure: record.lastFailure } : {}),
    ...(record.state === 'quarantined' && record.quarantined ? { quarantined: { at: Date.parse(record.quarantined.at), why: record.quarantined.why } } : {}),
  };
}
