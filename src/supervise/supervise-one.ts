/**
 * One polecat's supervision, live: its supervision machine with the real steps, each restart the startup machine
 * (with its real steps) invoked as the machine's child, and recorded as a run of its own exactly as `polecat start`
 * records one: the polecat's lock held, its record, journal and snapshots written, a `polecat stop` able to cancel it.
 */
import { createActor, fromPromise, type Actor, type AnyActorRef, type InspectionEvent } from 'xstate';
import { STARTUP_MACHINE_VERSION, type StartupInput, type StartupOutput } from '../../machines/startup.js';
import {
  DEFAULT_SUPERVISION_POLICY,
  supervisionMachine,
  type PlannedRestart,
  type PlanRestartInput,
  type RestoredSupervision,
  type Settled,
  type SupervisedPolecat,
  type SupervisionPolicy,
} from '../../machines/supervision.js';
import { createStartupMachine } from '../api/start.js';
import type { LocateOptions } from '../plan.js';
import { LockHeldError, type PolecatLock } from '../runs/lock.js';
import { status } from '../api/queries.js';
import { lockForRun, RunRecorder, runRecorded } from '../runs/recording.js';
import type { StepDeps } from '../steps/deps.js';
import { planRestart, settleInterrupted, sleepStep } from './steps.js';

export interface SuperviseOptions {
  readonly policy?: SupervisionPolicy;
  /** When the agent being watched started, and its run. */
  readonly upSince: number;
  readonly run?: string;
  /** What an earlier supervisor left of this supervision (its file). */
  readonly restored?: RestoredSupervision;
  readonly deps?: StepDeps;
  readonly locate?: Pick<LocateOptions, 'socket' | 'env'>;
  /** The Stately inspector's observer: it sees the supervision and each restart's steps. */
  readonly inspect?: (event: InspectionEvent) => void;
  /** A restart began (its run recorded), and how it ended. */
  readonly onRestart?: (plan: StartupInput) => void;
  readonly onRestarted?: (plan: StartupInput, output: StartupOutput | Error) => void;
  /** Interrupted starts were found and settled (resumed or rolled back). */
  readonly onSettled?: (settled: Settled) => void;
}

/** How often a supervisor looks again at a polecat whose lock another run holds. */
const LOCK_RETRY_MS = 200;

/** The polecat's lock, once the run holding it (a user's start or stop) has let it go. */
async function lockWhenFree(plan: StartupInput, signal: AbortSignal): Promise<PolecatLock> {
  for (;;) {
    try {
      return lockForRun(plan.townRoot, plan.rig, plan.name, plan.runId, 'start');
    } catch (error) {
      if (!(error instanceof LockHeldError) || signal.aborted) throw error;
      await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
    }
  }
}

export function superviseOne(polecat: SupervisedPolecat, options: SuperviseOptions): Actor<typeof supervisionMachine> {
  // The restart planned and its lock taken, waiting for the child that runs it.
  let planned: { plan: StartupInput; lock: PolecatLock } | undefined;
  // A restart resuming the agent's conversation did not get it running (its session gone?): the next starts afresh.
  let resumeFailed = false;
  // Each restart in progress journals its own child's events.
  const journals = new Map<string, (event: InspectionEvent) => void>();
  const machine = supervisionMachine.provide({
    actors: {
      sleep: sleepStep(),
      settle: fromPromise<Settled, { polecat: SupervisedPolecat }>(async ({ input }) => {
        const settled = await settleInterrupted(input.polecat, options.deps);
        if (settled.runs.length > 0) options.onSettled?.(settled);
        return settled;
      }),
      planRestart: fromPromise<PlannedRestart, PlanRestartInput>(async ({ input, signal }) => {
        const next = planRestart(input, options.locate, resumeFailed);
        const lock = await lockWhenFree(next.plan, signal);
        // Someone else started it while the lock was theirs (`polecat up`): nothing to restart.
        const seen = await status({ rig: next.plan.rig, name: next.plan.name }, { town: next.plan.townRoot, socket: next.plan.socket, replay: false, ...(options.deps ? { deps: options.deps } : {}) });
        if (seen.running) {
          lock.release();
          return { alreadyRunning: { ...(seen.run !== undefined ? { run: seen.run } : {}) }, at: Date.now() };
        }
        planned = { plan: next.plan, lock };
        return next;
      }),
      restart: createStartupMachine(options.deps),
    },
  });
  const record = (event: InspectionEvent) => {
    if (event.type !== '@xstate.actor' || !planned) return;
    const child = event.actorRef as AnyActorRef;
    if (child.id !== 'restart') return;
    const { plan, lock } = planned;
    planned = undefined;
    // Made here, started by its parent once this transition is done: recorded from then on.
    queueMicrotask(() => recordRestart(child, plan, lock));
  };
  const recordRestart = (child: AnyActorRef, plan: StartupInput, lock: PolecatLock) => {
    try {
      const recorder = RunRecorder.begin('start', plan, STARTUP_MACHINE_VERSION);
      journals.set(child.sessionId, recorder.inspector(undefined, child.sessionId));
      options.onRestart?.(plan);
      runRecorded<StartupOutput>(child, recorder, {}, 'start', true)
        .then(
          (output) => {
            resumeFailed = plan.resumes !== undefined && output.result !== 'running';
            options.onRestarted?.(plan, output);
          },
          (error: unknown) => options.onRestarted?.(plan, error instanceof Error ? error : new Error(String(error))),
        )
        .finally(() => {
          journals.delete(child.sessionId);
          lock.release();
        });
    } catch (error) {
      // Not recordable: the restart must not run unrecorded.
      lock.release();
      child.send({ type: 'CANCEL' });
      options.onRestarted?.(plan, error instanceof Error ? error : new Error(String(error)));
    }
  };
  return createActor(machine, {
    input: { polecat, policy: options.policy ?? DEFAULT_SUPERVISION_POLICY, upSince: options.upSince, ...(options.run !== undefined ? { run: options.run } : {}), ...(options.restored ? { restored: options.restored } : {}) },
    inspect: (event) => {
      record(event);
      for (const journal of journals.values()) journal(event);
      options.inspect?.(event);
    },
  });
}
