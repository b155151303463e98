import type { Output } from './output.js';

export interface Cancellation {
  /** Aborted on the first Ctrl-C or SIGTERM: the run cancels and rolls back. */
  readonly signal: AbortSignal;
  interruptedBy(): NodeJS.Signals | undefined;
  dispose(): void;
}

/** The exit code of a command interrupted by a signal, as shells report it. */
export function interruptedExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? 143 : 130;
}

/** What the user is told on the first signal (after `Ctrl-C: `), and on every later one (before `; please wait`). */
export interface SignalWords {
  readonly first: string | (() => string);
  readonly again: string;
}

/** A start's words: the run is cancelled and rolls back. */
export const ROLLING_BACK: SignalWords = { first: 'cancelling, rolling back…', again: 'still rolling back' };

/** How a signal is named to the user. */
export function signalName(signal: NodeJS.Signals): string {
  return signal === 'SIGINT' ? 'Ctrl-C' : signal;
}

/**
 * Ctrl-C (or SIGTERM, as `polecat stop` sends a start in progress that does not take its request to cancel) cancels the run instead of killing the
 * process: a start rolls back what it did, a stop finishes at once by force. Further signals are acknowledged
 * while it does.
 */
export function cancelOnSignals(err: Output['err'], words: SignalWords = ROLLING_BACK): Cancellation {
  const controller = new AbortController();
  let interruptedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interruptedBy) {
      err.write(`\n  (${words.again}; please wait)\n`);
      return;
    }
    interruptedBy = signal;
    err.write(`\n  ${signalName(signal)}: ${typeof words.first === 'function' ? words.first() : words.first}\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    interruptedBy: () => interruptedBy,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** While undoing, a signal must not leave the undo half done: it is acknowledged and the work goes on. */
export function holdSignals(err: Output['err'], doing: string): () => void {
  const onSignal = () => err.write(`\n  (${doing}; please wait)\n`);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
