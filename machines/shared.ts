/** What both machines share: the polecat a run is about, the typed step slots, and the failure record. */
import { fromPromise } from 'xstate';

/** The polecat a run acts on, and where it lives. */
export interface RunTarget {
  readonly runId: string;
  readonly rig: string;
  readonly name: string;
  readonly townRoot: string;
  readonly socket: string;
  readonly sessionName: string;
}

/**
 * A named step slot, typed by what the step takes and what it gives: src/ supplies the implementation with
 * machine.provide(), and one that takes or gives anything else fails the type check.
 */
export function stepSlot<TOutput, TInput>() {
  return fromPromise<TOutput, TInput>(async ({ self }) => {
    throw new Error(`step ${self.id} was not provided`);
  });
}

/** An external command that failed (tmux, bd), as a failure record keeps it. */
export interface FailedCommand {
  /** The command line as a user could paste it into a shell (control characters escaped, long words cut). */
  readonly line: string;
  readonly exitCode?: number;
  readonly stderr?: string;
}

/** Why a step failed, kept as plain JSON in the run's snapshot and journal, and shown by `polecat inspect`. */
export interface StepFailure {
  readonly step: string;
  readonly message: string;
  /** The agent's last screen, when the step was watching it. */
  readonly screen?: string;
  /** The agent's exit status, when it died. */
  readonly exitStatus?: number;
  /** The external command that failed, when one did (found on the error or on one of its causes). */
  readonly command?: FailedCommand;
}

/** Errors that come from a failed external command carry it under this name (TmuxError, BeadsError). */
interface CarriesCommand {
  readonly failedCommand?: FailedCommand;
}

const MAX_CAUSES = 5;

function failedCommandOf(error: unknown): FailedCommand | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSES && typeof current === 'object' && current !== null; depth += 1) {
    const command = (current as CarriesCommand).failedCommand;
    if (typeof command?.line === 'string') return command;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Turns whatever a step threw into a failure record: the message, and the screen, exit status and command it carries. */
export function failureOf(step: string, error: unknown): StepFailure {
  const e = (error ?? {}) as { message?: unknown; screen?: unknown; exitStatus?: unknown };
  const command = failedCommandOf(error);
  return {
    step,
    message: typeof e.message === 'string' ? e.message : String(error ?? 'unknown error'),
    ...(typeof e.screen === 'string' ? { screen: e.screen } : {}),
    ...(typeof e.exitStatus === 'number' ? { exitStatus: e.exitStatus } : {}),
    ...(command ? { command: { ...command } } : {}),
  };
}
