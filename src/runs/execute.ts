import type { AnyActorRef } from 'xstate';
import type { StepFailure } from '../../machines/shared.js';
import type { RunRecorder } from './recording.js';

export type StepOutcome = 'ok' | 'failed' | 'warning' | 'cancelled';

/** A step's progress, as the CLI shows it and the journal keeps it. */
export type ProgressEvent =
  | { readonly type: 'step.started'; readonly step: string; readonly at: number }
  | { readonly type: 'step.finished'; readonly step: string; readonly ms: number; readonly outcome: StepOutcome };

export interface ExecuteOptions {
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Aborting sends CANCEL: a start rolls back what it did; a stop finishes at once by force. */
  readonly signal?: AbortSignal;
  /**
   * Where the run is recorded: its snapshot after every change, and its journal. A write that fails cancels the run
   * at once (or as it starts, for a write that failed before), so that what it did is rolled back rather than left
   * behind unrecorded.
   */
  readonly recorder: RunRecorder;
  /** The actor is a child its parent has started: it is followed, not started. */
  readonly startedByParent?: boolean;
}

interface ObservedContext {
  readonly warnings?: readonly string[];
  readonly failure?: StepFailure;
  /** The step a start's CANCEL arrived in: the rollback that follows is a cancel's. */
  readonly cancelledIn?: string;
  /** The step a CANCEL ended before it finished (a stop's gracefulStop). */
  readonly cutShort?: string;
}

/**
 * Runs a machine actor to its final state (or follows a child its parent has started). Each state entered and left is reported with its duration, and, when the
 * run is recorded, journaled as it happens with the actor's persisted snapshot written after every change, so a run
 * whose process dies can be resumed or rolled back from where it was.
 */
export function execute<TOutput>(actor: AnyActorRef, options: ExecuteOptions): Promise<TOutput> {
  const recorder = options.recorder;
  const cancel = () => {
    if (actor.getSnapshot().status === 'active') actor.send({ type: 'CANCEL' });
  };
  recorder.onFailure = cancel;
  return new Promise<TOutput>((resolve, reject) => {
    let current: string | undefined;
    let enteredAt = Date.now();
    let warnings: number | undefined;
    let failureJournaled = false;
    const progress = (event: ProgressEvent) => {
      if (event.type === 'step.finished') recorder.stepFinished(event.step, event.ms, event.outcome);
      options.onProgress?.(event);
    };
    const observer = {
      next: (snapshot: { value: unknown; status: string; context: ObservedContext; output?: unknown }) => {
        const value = String(snapshot.value);
        const context = snapshot.context;
        const seen = context.warnings?.length ?? 0;
        // Warnings carried in from a restored snapshot or the plan are journaled once, as they first appear here.
        for (const warning of context.warnings?.slice(warnings ?? 0) ?? []) recorder.warning(warning);
        const warned = warnings !== undefined && seen > warnings;
        warnings = seen;
        if (context.failure && !failureJournaled) {
          failureJournaled = true;
          recorder.failed(context.failure);
        }
        if (value !== current) {
          if (current !== undefined) {
            const outcome =
              context.failure?.step === current
                ? 'failed'
                : (value === 'rollingBack' && context.cancelledIn !== undefined) || context.cutShort === current
                  ? 'cancelled'
                  : warned
                    ? 'warning'
                    : 'ok';
            progress({ type: 'step.finished', step: current, ms: Date.now() - enteredAt, outcome });
          }
          current = value;
          enteredAt = Date.now();
          recorder.stateEntered(value);
          if (snapshot.status === 'active') progress({ type: 'step.started', step: value, at: enteredAt });
        }
        recorder.snapshot(actor.getPersistedSnapshot());
        if (snapshot.status === 'done') {
          options.signal?.removeEventListener('abort', cancel);
          resolve(snapshot.output as TOutput);
        }
      },
      error: (error: unknown) => {
        options.signal?.removeEventListener('abort', cancel);
        reject(error);
      },
    };
    actor.subscribe(observer);
    // A child its parent has started (a supervisor's restart) is recorded from the state it is in.
    if (options.startedByParent) observer.next(actor.getSnapshot());
    else actor.start();
    // A write that failed before onFailure was set (while the actor was made: the inspector journals) cancels now.
    if (recorder.writeError()) cancel();
    if (options.signal?.aborted) cancel();
    else options.signal?.addEventListener('abort', cancel, { once: true });
  });
}
