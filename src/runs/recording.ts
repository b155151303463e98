import { join } from 'node:path';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import type { StepFailure } from '../../machines/shared.js';
import { fileSystemCause } from '../files/directory.js';
import type { StepDeps } from '../steps/deps.js';
import { execute, type ProgressEvent, type StepOutcome } from './execute.js';
import { acquireLock, type PolecatLock } from './lock.js';
import { currentProcess } from './owner.js';
import { RUN_FORMAT_VERSION, RunFiles, type RunKind, type RunRecord, type RunResult } from './store.js';

/**
 * Recording a run: its record (run.json), its snapshot after every change, its journal, and its cancellation. This is
 * the one module that writes the journal, so the format below is all there is to it.
 */

/** One line of a run's journal.jsonl. */
export type JournalEntry = { readonly ts: number } & (
  | { readonly type: 'run.started'; readonly kind: RunKind }
  | { readonly type: 'run.resumed' }
  | { readonly type: 'state.entered'; readonly state: string }
  | { readonly type: 'step.finished'; readonly step: string; readonly ms: number; readonly outcome: StepOutcome }
  | { readonly type: 'warning'; readonly message: string }
  | ({ readonly type: 'failure' } & StepFailure)
  /** An event sent to the machine (a step done, a step's error, CANCEL), with the error's message if it was one. */
  | { readonly type: 'event'; readonly event: string; readonly error?: string }
  | { readonly type: 'run.finished'; readonly result: RunResult }
);

type Unstamped<T> = T extends unknown ? Omit<T, 'ts'> : never;

export interface RunOptions {
  readonly deps?: StepDeps;
  readonly onProgress?: (event: ProgressEvent) => void;
  /**
   * Aborting sends the run CANCEL. A start rolls back what it did and ends `cancelled`; a stop never un-stops: it
   * finishes at once by force and says it was `interrupted`.
   */
  readonly signal?: AbortSignal;
  /** An xstate inspection observer (the live Stately inspector). */
  readonly inspect?: (event: InspectionEvent) => void;
}

export class RunRecordError extends Error {
  override readonly name = 'RunRecordError';
}

/** A run polecat cannot record (its directory read-only, the disk full) is refused before it does anything. */
function recordable<T>(townRoot: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    const cause = fileSystemCause(error);
    if (cause === undefined) throw error;
    throw new RunRecordError(`cannot record the run under ${join(townRoot, '.runtime', 'polecat')}: ${cause}; nothing was done`, { cause: error });
  }
}

/** The polecat's lock for a run; held by another live run, it is refused (LockHeldError, a RunRefusedError). */
export function lockForRun(townRoot: string, rig: string, name: string, runId: string, kind: RunKind): PolecatLock {
  return recordable(townRoot, () => acquireLock(townRoot, rig, name, runId, kind));
}

/**
 * Writes one run's record. A write that fails is not retried and the writes after it are skipped: the first failure
 * is kept (`writeError()`) and passed to `onFailure` (the executor cancels the run, so that what it did is rolled back
 * rather than left behind unrecorded). The writes that open a run (`begin`, `takeOver`) are not of that kind: they
 * throw, so a run that cannot be recorded is refused before it does anything.
 */
export class RunRecorder {
  private failure: Error | undefined;
  onFailure: ((error: Error) => void) | undefined;

  constructor(readonly files: RunFiles) {}

  /** A new run: its record and the journal's first line, or a one-line refusal when the store cannot take them. */
  static begin(kind: RunKind, plan: { runId: string; rig: string; name: string; townRoot: string }, machineVersion: number): RunRecorder {
    const files = new RunFiles(plan.townRoot, plan.runId);
    const record: RunRecord = {
      format: RUN_FORMAT_VERSION,
      runId: plan.runId,
      kind,
      rig: plan.rig,
      name: plan.name,
      machineVersion,
      owner: currentProcess(),
      startedAt: new Date().toISOString(),
      input: plan,
    };
    const started: Unstamped<JournalEntry> = { type: 'run.started', kind };
    recordable(plan.townRoot, () => {
      files.create(record);
      files.append(started);
    });
    return new RunRecorder(files);
  }

  /**
   * An interrupted run this process takes over: it becomes the run's owner, and the journal says what comes next (the
   * run resumed, or its rollback begun), or a one-line refusal when the store cannot take that.
   */
  static takeOver(files: RunFiles, to: 'resume' | 'rollBack'): RunRecorder {
    const next: Unstamped<JournalEntry> = to === 'resume' ? { type: 'run.resumed' } : { type: 'state.entered', state: 'rollingBack' };
    recordable(files.townRoot, () => {
      files.update({ owner: currentProcess() });
      files.append(next);
    });
    return new RunRecorder(files);
  }

  /** The first write that failed, if one did. */
  writeError(): Error | undefined {
    return this.failure;
  }

  get runId(): string {
    return this.files.runId;
  }

  stateEntered(state: string): void {
    this.journal({ type: 'state.entered', state });
  }

  stepFinished(step: string, ms: number, outcome: StepOutcome): void {
    this.journal({ type: 'step.finished', step, ms, outcome });
  }

  warning(message: string): void {
    this.journal({ type: 'warning', message });
  }

  failed(failure: StepFailure): void {
    this.journal({ type: 'failure', ...failure });
  }

  snapshot(persisted: unknown): void {
    this.write(() => this.files.writeSnapshot(persisted));
  }

  /** How the run ended, in its record and its journal. */
  finish(result: RunResult): void {
    this.write(() => this.files.update({ result, finishedAt: new Date().toISOString() }));
    this.journal({ type: 'run.finished', result });
  }

  /**
   * The actor's inspection observer: the run's own events (a step done, a step's error, CANCEL) go to the journal,
   * and every inspection event goes on to `forward` (the live inspector) if there is one. The run is the root actor,
   * or (`sessionId`) a child: a supervisor's restart is the startup machine invoked by its supervision machine.
   */
  inspector(forward?: (event: InspectionEvent) => void, sessionId?: string): (event: InspectionEvent) => void {
    return (inspection) => {
      const ofRun = sessionId === undefined ? inspection.actorRef.sessionId === inspection.rootId : inspection.actorRef.sessionId === sessionId;
      if (inspection.type === '@xstate.event' && ofRun && !inspection.event.type.startsWith('xstate.init')) {
        const error = (inspection.event as { error?: { message?: unknown } }).error;
        this.journal({ type: 'event', event: inspection.event.type, ...(typeof error?.message === 'string' ? { error: error.message } : {}) });
      }
      forward?.(inspection);
    };
  }

  private journal(entry: Unstamped<JournalEntry>): void {
    this.write(() => this.files.append(entry));
  }

  private write(action: () => void): void {
    if (this.failure) return;
    try {
      action();
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
      this.onFailure?.(this.failure);
    }
  }
}

/** Whether a run's journal shows it took a CANCEL (a stop asked it to; it heard). */
export function journalHasCancel(files: RunFiles): boolean {
  try {
    return files.journal().some((entry) => entry.type === 'event' && entry.event === 'CANCEL');
  } catch {
    return false;
  }
}

/** How often a run looks for a stop's request to cancel it. */
const CANCEL_REQUEST_POLL_MS = 100;

/** The run's own cancellation: the caller's signal, or a stop asking for this run alone (RunFiles.requestCancel). */
function cancellationOf(files: RunFiles, signal: AbortSignal | undefined): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const follow = () => controller.abort(signal?.reason);
  if (signal?.aborted) follow();
  else signal?.addEventListener('abort', follow, { once: true });
  const timer = setInterval(() => {
    if (files.cancelRequested()) controller.abort(new Error(`run ${files.runId} was asked to cancel`));
  }, CANCEL_REQUEST_POLL_MS);
  timer.unref();
  return {
    signal: controller.signal,
    dispose: () => {
      clearInterval(timer);
      signal?.removeEventListener('abort', follow);
    },
  };
}

/** What a CANCEL does to a run of each kind, as an error about the record tells it. */
const CANCEL_DOES: Record<RunKind, string> = { start: 'it was cancelled and rolled back', stop: 'it was finished at once by force' };

/**
 * Runs a machine actor recorded, to its end. A record that cannot be written cancels the run (see CANCEL_DOES) and is
 * reported as a RunRecordError once the run has ended.
 */
export async function runRecorded<TOutput extends { result: RunResult }>(
  actor: AnyActorRef,
  recorder: RunRecorder,
  options: RunOptions,
  kind: RunKind,
  startedByParent = false,
): Promise<TOutput> {
  const cancellation = cancellationOf(recorder.files, options.signal);
  let output: TOutput;
  try {
    output = await execute<TOutput>(actor, { ...options, signal: cancellation.signal, recorder, startedByParent });
  } finally {
    cancellation.dispose();
  }
  const duringRun = recorder.writeError();
  if (duringRun) {
    throw new RunRecordError(`could not record run ${recorder.runId} (${duringRun.message}); ${CANCEL_DOES[kind]}, ending ${output.result}`, { cause: duringRun });
  }
  recorder.finish(output.result);
  const atEnd = recorder.writeError();
  if (atEnd) throw new RunRecordError(`could not record how run ${recorder.runId} ended (${atEnd.message}); it ended ${output.result}`, { cause: atEnd });
  return output;
}
