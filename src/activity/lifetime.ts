/**
 * A polecat's lifetime as `polecat events` tells it: its runs (each start and stop, when it began and how it ended)
 * and its agent's hook events, each with the activity it led to. Read once, or followed: new hook lines as they are
 * written (across the file being set aside), new and newly ended runs as their records appear and change.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createActor, type AnyActorRef } from 'xstate';
import { activityMachine } from '../../machines/activity.js';
import { RunFileError, RunFiles, runsDir, type RunRecord } from '../runs/store.js';
import type { PolecatAddress } from '../town/names.js';
import { EventFollower } from './event-follow.js';
import type { EventLine } from './event-line.js';
import { hookEvent } from './replay.js';
import { readSupervision } from '../supervise/supervision-file.js';

export type LifetimeEntry =
  | { readonly type: 'run'; readonly at: number; readonly run: string; readonly kind: RunRecord['kind']; readonly phase: 'began' }
  | { readonly type: 'run'; readonly at: number; readonly run: string; readonly kind: RunRecord['kind']; readonly phase: 'ended'; readonly result: string }
  | { readonly type: 'hook'; readonly at: number; readonly run: string; readonly line: EventLine; readonly activity?: string }
  /** What its supervisor did: a restart begun or ended, a backoff, a quarantine, a release, a hang, a settled start. */
  | { readonly type: 'supervision'; readonly at: number; readonly run?: string; readonly what: string };

/** Each run's activity, fed line by line: what each line changed it to. */
class Activities {
  private readonly actors = new Map<string, AnyActorRef>();

  after(line: EventLine): string | undefined {
    let actor = this.actors.get(line.run);
    if (!actor) {
      actor = createActor(activityMachine, { input: { startedAt: line.at } }).start();
      this.actors.set(line.run, actor);
    }
    const before = String(actor.getSnapshot().value);
    actor.send(hookEvent(line));
    const now = String(actor.getSnapshot().value);
    return now === before ? undefined : now;
  }
}

/** The polecat's runs, read once each and again while unfinished. */
class RunWatch {
  /** Runs told so far: whether their end has been told. */
  private readonly told = new Map<string, boolean>();
  /** Run directories that are another polecat's, or damaged: not read again. */
  private readonly others = new Set<string>();

  constructor(
    private readonly townRoot: string,
    private readonly address: PolecatAddress,
  ) {}

  next(): LifetimeEntry[] {
    const dir = runsDir(this.townRoot);
    if (!existsSync(dir)) return [];
    const entries: LifetimeEntry[] = [];
    for (const runId of readdirSync(dir)) {
      if (this.others.has(runId) || this.told.get(runId) === true) continue;
      let record: RunRecord;
      try {
        record = new RunFiles(this.townRoot, runId).record();
      } catch (error) {
        if (!(error instanceof RunFileError)) throw error;
        continue; // being written, or damaged: `polecat runs` names it
      }
      if (record.rig !== this.address.rig || record.name !== this.address.name) {
        this.others.add(runId);
        continue;
      }
      if (!this.told.has(runId)) entries.push({ type: 'run', at: Date.parse(record.startedAt), run: runId, kind: record.kind, phase: 'began' });
      this.told.set(runId, record.result !== undefined);
      if (record.result !== undefined) {
        entries.push({ type: 'run', at: Date.parse(record.finishedAt ?? record.startedAt), run: runId, kind: record.kind, phase: 'ended', result: record.result });
      }
    }
    return entries;
  }
}

/** The notes the supervisor keeps of the polecat, each told once (the file keeps the newest few, in order). */
class SupervisionWatch {
  private lastTold: { readonly key: string; readonly at: string } | undefined;

  constructor(
    private readonly townRoot: string,
    private readonly address: PolecatAddress,
  ) {}

  next(): LifetimeEntry[] {
    const notes = readSupervision(this.townRoot, this.address)?.notes ?? [];
    const key = (note: (typeof notes)[number]) => `${note.at} ${note.what}`;
    const last = this.lastTold;
    const told = last === undefined ? -1 : notes.findIndex((note) => key(note) === last.key);
    // The last one told has left the file (more came meanwhile than it keeps): those after its time are new.
    const fresh = last === undefined ? notes : told >= 0 ? notes.slice(told + 1) : notes.filter((note) => note.at > last.at);
    if (fresh.length > 0) this.lastTold = { key: key(fresh.at(-1)!), at: fresh.at(-1)!.at };
    return fresh.map((note) => ({ type: 'supervision', at: Date.parse(note.at), what: note.what, ...(note.run !== undefined ? { run: note.run } : {}) }));
  }
}

export class Lifetime {
  private readonly hooks: EventFollower;
  private readonly runs: RunWatch;
  private readonly supervision: SupervisionWatch;
  private readonly activities = new Activities();

  constructor(townRoot: string, address: PolecatAddress, eventFile: string) {
    this.hooks = new EventFollower(eventFile);
    this.runs = new RunWatch(townRoot, address);
    this.supervision = new SupervisionWatch(townRoot, address);
  }

  /** What happened since the last call (everything, the first time), in time order. */
  next(): LifetimeEntry[] {
    const hooks = this.hooks.next().map((line): LifetimeEntry => {
      const activity = this.activities.after(line);
      return { type: 'hook', at: line.at, run: line.run, line, ...(activity ? { activity } : {}) };
    });
    // Stable: a run's start written in the same millisecond as its first hook line stays before it.
    return [...this.runs.next(), ...this.supervision.next(), ...hooks].sort((a, b) => a.at - b.at);
  }

  get skipped() {
    return this.hooks.skipped;
  }
}
