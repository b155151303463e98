/**
 * Type tests, checked by `npm run typecheck` (never run): every `@ts-expect-error` below must mark a real type error,
 * or the check itself fails (TS2578, an unused directive). They prove that the machines' step slots are typed by
 * input and output, so a step that gives or takes the wrong thing cannot be provided.
 */
import { fromPromise } from 'xstate';
import {
  startupMachine,
  type DialogsResult,
  type IssueSnapshot,
  type SessionInfo,
  type SessionStepInput,
  type StartupActors,
  type StartupInput,
  type StepResult,
  type WaitInput,
} from '../../machines/startup.js';
import { stopMachine, type InspectOutput, type KillOutput, type StopInput, type StopStepInput } from '../../machines/stop.js';
import { createStepDeps } from '../../src/steps/deps.js';
import { startupActors } from '../../src/steps/index.js';
import { stopActors } from '../../src/steps/stop/index.js';

const never = async (): Promise<never> => {
  throw new Error('type test only');
};

export function typeChecks(): void {
  // The real steps fit their slots, and so does a step of exactly a slot's types.
  startupMachine.provide({ actors: startupActors(createStepDeps()) });
  stopMachine.provide({ actors: stopActors(createStepDeps()) });
  startupMachine.provide({ actors: { createSession: fromPromise<SessionInfo, StartupInput>(never) } });
  stopMachine.provide({ actors: { killProcesses: fromPromise<KillOutput, StopStepInput>(never) } });

  // A step returning the wrong output.
  // @ts-expect-error createSession gives a SessionInfo, not { wrong: 1 }
  startupMachine.provide({ actors: { createSession: fromPromise<{ wrong: 1 }, StartupInput>(never) } });
  // @ts-expect-error validateIssue gives the issue's state (a status), not a StepResult
  startupMachine.provide({ actors: { validateIssue: fromPromise<StepResult, StartupInput>(never) } });
  // @ts-expect-error acceptBypass gives the dialogs it answered
  startupMachine.provide({ actors: { acceptBypass: fromPromise<StepResult, WaitInput>(never) } });
  // @ts-expect-error inspectSession gives what it found in the session
  stopMachine.provide({ actors: { inspectSession: fromPromise<{ exited: boolean }, StopInput>(never) } });

  // A step given the wrong input.
  // @ts-expect-error setEnv is given the plan and the session, not the plan alone
  startupMachine.provide({ actors: { setEnv: fromPromise<StepResult, StartupInput>(never) } });
  // @ts-expect-error waitForReady is given a wait's input (with its deadline)
  startupMachine.provide({ actors: { waitForReady: fromPromise<StepResult, SessionStepInput>(never) } });
  // @ts-expect-error acceptBypass is given a wait's input
  startupMachine.provide({ actors: { acceptBypass: fromPromise<DialogsResult, StartupInput>(never) } });
  // @ts-expect-error killProcesses is given the stop's plan with the snapshot of processes
  stopMachine.provide({ actors: { killProcesses: fromPromise<KillOutput, StopInput>(never) } });

  // The steps src/ provides are checked as a whole: none missing, none of another slot's type.
  const steps = startupActors(createStepDeps());
  const { verifyAlive: _left, ...missingOne } = steps;
  // @ts-expect-error every step must be provided
  const incomplete: StartupActors = missingOne;
  // @ts-expect-error validateIssue's slot does not take preflight's logic
  const swapped: StartupActors = { ...steps, validateIssue: steps.preflight };
  void [incomplete, swapped];
  const issue: IssueSnapshot = { status: 'open' };
  const found: InspectOutput = { running: false, processes: [] };
  void [issue, found];
}
