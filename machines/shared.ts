/** What both machines share: the polecat a run is about, and the placeholder for steps src/ provides. */
import { fromPromise, type ActorLogic } from 'xstate';

/** The polecat a run acts on, and where it lives. */
export interface RunTarget {
  readonly runId: string;
  readonly rig: string;
  readonly name: string;
  readonly townRoot: string;
  readonly socket: string;
  readonly sessionName: string;
}

/** A named step slot: the machine declares it, src/ supplies the implementation with machine.provide(). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function notProvided<TOutput, TInput>(name: string): ActorLogic<any, any, TInput, any, any> {
  return fromPromise<TOutput, TInput>(async () => {
    throw new Error(`step ${name} was not provided`);
  });
}
