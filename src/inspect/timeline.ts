import type { StepFailure } from '../../machines/shared.js';
import type { JournalEntry, RunRecord, RunState } from '../runs/store.js';

export interface TimelineStep {
  readonly state: string;
  readonly ms?: number;
  readonly outcome?: string;
}

export interface RunView {
  readonly runId: string;
  readonly kind: string;
  readonly polecat: string;
  readonly state: RunState;
  readonly result?: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
  /** Wall time: start to finish, or to the last journal entry for a run that has not finished. */
  readonly durationMs: number;
  readonly path: TimelineStep[];
  readonly warnings: string[];
  readonly failure?: StepFailure;
  readonly resumed: number;
  /** A supervisor's restart: the run it follows (the agent that died), and the agent's session it resumed. */
  readonly follows?: string;
  readonly resumes?: string;
  /** The state the run's first CANCEL arrived in (Ctrl-C or SIGTERM to its process, or a stop's request). */
  readonly cancelledIn?: string;
}

/** What a restart's plan says it follows and resumes (the record's input is read as what it shows). */
function restartOf(input: unknown): { follows?: string; resumes?: string } {
  const o = (typeof input === 'object' && input !== null ? input : {}) as { follows?: unknown; resumes?: unknown };
  return { ...(typeof o.follows === 'string' ? { follows: o.follows } : {}), ...(typeof o.resumes === 'string' ? { resumes: o.resumes } : {}) };
}

/** A run as a person reads it: the states it went through with their times, its warnings and its failure. */
export function runView(record: RunRecord, state: RunState, journal: readonly JournalEntry[]): RunView {
  const path: TimelineStep[] = [];
  const warnings: string[] = [];
  let failure: RunView['failure'];
  let resumed = 0;
  let cancelledIn: string | undefined;
  // The journal comes from disk, where only each line's type and time were checked: fields are read as what they show.
  for (const entry of journal) {
    if (entry.type === 'event' && entry.event === 'CANCEL' && cancelledIn === undefined) cancelledIn = path[path.length - 1]?.state;
    if (entry.type === 'state.entered') {
      // A resumed run re-enters the state it was in: one step, not two.
      if (path[path.length - 1]?.state !== entry.state || path[path.length - 1]?.ms !== undefined) path.push({ state: String(entry.state) });
    } else if (entry.type === 'step.finished') {
      const step = [...path].reverse().find((s) => s.state === entry.step && s.ms === undefined);
      if (step) Object.assign(step, { ms: Number(entry.ms), outcome: String(entry.outcome) });
    } else if (entry.type === 'warning') {
      warnings.push(String(entry.message));
    } else if (entry.type === 'failure') {
      const { ts: _ts, type: _type, ...recorded } = entry;
      failure = recorded;
    } else if (entry.type === 'run.resumed') {
      resumed += 1;
    }
  }
  // From the machine's first state: the time before it (taking the lock, writing the record) is not a step.
  const firstState = journal.find((entry) => entry.type === 'state.entered');
  const started = firstState?.ts ?? Date.parse(record.startedAt);
  const end = record.finishedAt ? Date.parse(record.finishedAt) : (journal[journal.length - 1]?.ts ?? started);
  return {
    runId: record.runId,
    kind: record.kind,
    polecat: `${record.rig}/${record.name}`,
    state,
    ...(record.result !== undefined ? { result: record.result } : {}),
    startedAt: record.startedAt,
    ...(record.finishedAt !== undefined ? { finishedAt: record.finishedAt } : {}),
    durationMs: Math.max(0, end - started),
    path,
    warnings,
    ...(failure ? { failure } : {}),
    resumed,
    ...restartOf(record.input),
    ...(cancelledIn !== undefined ? { cancelledIn } : {}),
  };
}
