/**
 * The stop statechart: ask the agent to leave, then make sure: kill every process the session owns (snapshotted
 * first, so children reparented to init are not missed), kill the session, verify nothing is left.
 * CANCEL (Ctrl-C or SIGTERM to the CLI) is accepted in every state and never un-stops: it makes the stop finish at
 * once by force, so that an interrupted stop still leaves no session and no process behind.
 * Pure data: no I/O; it imports xstate and machines/shared.ts (the step slot and the failure record), nothing of src/.
 */
import { assign, setup } from 'xstate';
import { failureOf, stepSlot, type RunTarget, type StepFailure } from './shared.js';

/** 2: CANCEL accepted in every state; the context records where the first one arrived and the step it cut short. */
export const STOP_MACHINE_VERSION = 2;

export interface OwnedProcess {
  readonly pid: number;
  readonly startTime: number;
  readonly command: string;
}

export interface StopInput extends RunTarget {
  readonly force: boolean;
  /** How long the agent gets to exit by itself after being asked. */
  readonly gracefulMs: number;
  /** SIGTERM to SIGKILL. */
  readonly killGraceMs: number;
}

export interface InspectOutput {
  readonly running: boolean;
  readonly paneId?: string;
  /** The agent: the process tmux started in the pane. */
  readonly panePid?: number;
  readonly processes: readonly OwnedProcess[];
}

export interface StopStepInput {
  readonly plan: StopInput;
  readonly paneId?: string;
  readonly panePid?: number;
  readonly processes: readonly OwnedProcess[];
}

export interface KillOutput {
  readonly terminated: readonly number[];
  readonly killed: readonly number[];
}

export interface StopContext {
  readonly plan: StopInput;
  readonly paneId?: string;
  readonly panePid?: number;
  readonly processes: readonly OwnedProcess[];
  readonly exitedGracefully: boolean;
  readonly killed: readonly number[];
  readonly terminated: readonly number[];
  readonly failure?: StepFailure;
  /** The state the first CANCEL arrived in: set, the stop skips or ends its wait for the agent and finishes by force. */
  readonly interruptedIn?: string;
  /** The step a CANCEL ended before it finished (only gracefulStop is ever cut short). */
  readonly cutShort?: string;
  readonly result?: StopOutput['result'];
}

export interface StopOutput {
  readonly result: 'stopped' | 'notRunning' | 'failed';
  readonly processes: number;
  readonly exitedGracefully: boolean;
  readonly terminated: readonly number[];
  readonly killed: readonly number[];
  /** A CANCEL arrived during the stop, which then finished by force. */
  readonly interrupted: boolean;
  /** The state the first CANCEL arrived in: inspectSession (the agent was not asked to exit), gracefulStop (the wait for it was cut short), or a kill step. */
  readonly interruptedIn?: string;
  readonly failure?: StepFailure;
}

function stepInput(context: StopContext): StopStepInput {
  return {
    plan: context.plan,
    processes: context.processes,
    ...(context.paneId !== undefined ? { paneId: context.paneId } : {}),
    ...(context.panePid !== undefined ? { panePid: context.panePid } : {}),
  };
}

export const stopMachine = setup({
  types: {
    input: {} as StopInput,
    context: {} as StopContext,
    events: {} as { type: 'CANCEL' },
    output: {} as StopOutput,
  },
  actors: {
    inspectSession: stepSlot<InspectOutput, StopInput>(),
    gracefulStop: stepSlot<{ exited: boolean }, StopStepInput>(),
    killProcesses: stepSlot<KillOutput, StopStepInput>(),
    killSession: stepSlot<void, StopStepInput>(),
    verifyGone: stepSlot<void, StopStepInput>(),
  },
  guards: {
    notRunning: (_, params: { found: InspectOutput }) => !params.found.running,
    forced: ({ context }) => context.plan.force,
    interrupted: ({ context }) => context.interruptedIn !== undefined,
  },
  actions: {
    // The first CANCEL says where it arrived; later ones change nothing.
    markInterrupted: assign(({ context }, params: { state: string }) => ({ interruptedIn: context.interruptedIn ?? params.state })),
  },
}).createMachine({
  id: 'stop',
  description:
    'Stop one polecat: its session and every process under it gone, the agent asked to exit first unless forced. CANCEL never un-stops: the stop finishes at once by force.',
  initial: 'inspectSession',
  context: ({ input }) => ({ plan: input, processes: [], exitedGracefully: false, killed: [], terminated: [] }),
  states: {
    inspectSession: {
      description: 'Find the session and snapshot every process its pane owns. CANCEL: the snapshot is finished (the kill steps need it), the graceful step skipped.',
      on: { CANCEL: { actions: { type: 'markInterrupted', params: { state: 'inspectSession' } } } },
      invoke: {
        id: 'inspectSession',
        src: 'inspectSession',
        input: ({ context }) => context.plan,
        onDone: [
          { guard: { type: 'notRunning', params: ({ event }) => ({ found: event.output }) }, target: 'notRunning' },
          {
            target: 'choosingHowToStop',
            actions: assign(({ event }) => ({
              processes: [...event.output.processes],
              ...(event.output.paneId !== undefined ? { paneId: event.output.paneId } : {}),
              ...(event.output.panePid !== undefined ? { panePid: event.output.panePid } : {}),
            })),
          },
        ],
        onError: { target: 'failed', actions: assign({ failure: ({ event }) => failureOf('inspectSession', event.error) }) },
      },
    },
    choosingHowToStop: {
      description: 'Forced and interrupted stops skip asking the agent.',
      always: [{ guard: 'forced', target: 'killProcesses' }, { guard: 'interrupted', target: 'killProcesses' }, { target: 'gracefulStop' }],
    },
    gracefulStop: {
      description: 'Ask the agent to exit (Ctrl-C twice) and watch for it to go, up to the graceful timeout. CANCEL: no more waiting.',
      on: {
        CANCEL: { target: 'killProcesses', actions: [{ type: 'markInterrupted', params: { state: 'gracefulStop' } }, assign({ cutShort: 'gracefulStop' })] },
      },
      invoke: {
        id: 'gracefulStop',
        src: 'gracefulStop',
        input: ({ context }) => stepInput(context),
        onDone: { target: 'killProcesses', actions: assign({ exitedGracefully: ({ event }) => event.output.exited }) },
        // Asking nicely is best effort: whatever happened, the kill steps make sure.
        onError: { target: 'killProcesses' },
      },
    },
    killProcesses: {
      description: 'SIGTERM every snapshotted process still alive, SIGKILL what is left after the grace period. CANCEL is recorded; the stop finishes what it began.',
      on: { CANCEL: { actions: { type: 'markInterrupted', params: { state: 'killProcesses' } } } },
      invoke: {
        id: 'killProcesses',
        src: 'killProcesses',
        input: ({ context }) => stepInput(context),
        onDone: {
          target: 'killSession',
          actions: assign(({ event }) => ({
            terminated: [...event.output.terminated],
            killed: [...event.output.killed],
          })),
        },
        onError: { target: 'failed', actions: assign({ failure: ({ event }) => failureOf('killProcesses', event.error) }) },
      },
    },
    killSession: {
      description: 'Kill the tmux session (already gone counts as done). CANCEL is recorded; the stop finishes what it began.',
      on: { CANCEL: { actions: { type: 'markInterrupted', params: { state: 'killSession' } } } },
      invoke: {
        id: 'killSession',
        src: 'killSession',
        input: ({ context }) => stepInput(context),
        onDone: 'verifyGone',
        onError: { target: 'failed', actions: assign({ failure: ({ event }) => failureOf('killSession', event.error) }) },
      },
    },
    verifyGone: {
      description: 'No session and no snapshotted process alive. CANCEL is recorded; the stop finishes what it began.',
      on: { CANCEL: { actions: { type: 'markInterrupted', params: { state: 'verifyGone' } } } },
      invoke: {
        id: 'verifyGone',
        src: 'verifyGone',
        input: ({ context }) => stepInput(context),
        onDone: 'stopped',
        onError: { target: 'failed', actions: assign({ failure: ({ event }) => failureOf('verifyGone', event.error) }) },
      },
    },
    stopped: { type: 'final', description: 'The session and every process it owned are gone.', entry: assign({ result: 'stopped' as const }) },
    notRunning: { type: 'final', description: 'There was no session to stop.', entry: assign({ result: 'notRunning' as const }) },
    failed: { type: 'final', description: 'Something could not be stopped.', entry: assign({ result: 'failed' as const }) },
  },
  output: ({ context }) => ({
    result: context.result ?? 'failed',
    processes: context.processes.length,
    exitedGracefully: context.exitedGracefully,
    terminated: context.terminated,
    killed: context.killed,
    interrupted: context.interruptedIn !== undefined,
    ...(context.interruptedIn !== undefined ? { interruptedIn: context.interruptedIn } : {}),
    ...(context.failure ? { failure: context.failure } : {}),
  }),
});

export type StopMachine = typeof stopMachine;
