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
import { status, type PolecatStatus } from '../api/queries.js';
import { lockForRun, RunRecorder, runRecorded } from '../runs/recording.js';
import type { StepDeps } from '../steps/deps.js';
import { sleep } from '../steps/watch.js';
import { planRestart, settleInterrupted, sleepStep } from './steps.js';

export interface SuperviseOptions {
  readonly policy?: SupervisionPolicy;
  /** When the agent being watched started, and its run. */
  readonly upSince: number;
  readonly run?: string;
  /** What an earlier supervisor left of this supervision (its file). */
  readonly restored?: RestoredSupervision;
  /** The polecat's interrupted starts, when the caller has read them already (else settling reads the town's runs). */
  readonly interrupted?: readonly string[];
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

const cutShort = () => new Error('the planning was cut short (the polecat put down, or the supervisor ending)');

/**
 * The restart's lock and its run record, or that the polecat is running already. The polecat is looked at first,
 * without the lock; then the lock is taken and the run recorded in one go, with nothing awaited in between: while a
 * supervisor holds a polecat's lock, its run record is there, so a `polecat stop` or `down` can ask that run to cancel
 * (it never has to signal the supervisor itself). A lock another run holds (a user's start or stop) is waited for,
 * and the polecat looked at again once it is let go. (A user's start ending in the moment between the look and the
 * lock gets it started twice: the second start is refused by its session, a failed restart.)
 */
async function lockAndRecord(plan: StartupInput, signal: AbortSignal, deps: StepDeps | undefined): Promise<{ lock: PolecatLock; recorder: RunRecorder } | { running: PolecatStatus }> {
  for (;;) {
    const seen = await status({ rig: plan.rig, name: plan.name }, { town: plan.townRoot, socket: plan.socket, replay: false, ...(deps ? { deps } : {}) });
    if (signal.aborted) throw cutShort();
    if (seen.running) return { running: seen };
    let lock: PolecatLock;
    try {
      lock = lockForRun(plan.townRoot, plan.rig, plan.name, plan.runId, 'start');
    } catch (error) {
      if (!(error instanceof LockHeldError)) throw error;
      await sleep(LOCK_RETRY_MS, signal);
      continue;
    }
    try {
      return { lock, recorder: RunRecorder.begin('start', plan, STARTUP_MACHINE_VERSION) };
    } catch (error) {
      lock.release();
      throw error;
    }
  }
}

export function superviseOne(polecat: SupervisedPolecat, options: SuperviseOptions): Actor<typeof supervisionMachine> {
  // The restart planned, its lock taken and its run recorded, waiting for the child that runs it.
  let planned: { plan: StartupInput; lock: PolecatLock; recorder: RunRecorder } | undefined;
  // A restart resuming the agent's conversation did not get it running (its session gone?): the next starts afresh.
  let resumeFailed = false;
  // Each restart in progress journals its own child's events.
  const journals = new Map<string, (event: InspectionEvent) => void>();
  const machine = supervisionMachine.provide({
    actors: {
      sleep: sleepStep(),
      settle: fromPromise<Settled, { polecat: SupervisedPolecat }>(async ({ input }) => {
        const settled = await settleInterrupted(input.polecat, options.deps, options.interrupted);
        if (settled.runs.length > 0) options.onSettled?.(settled);
        return settled;
      }),
      planRestart: fromPromise<PlannedRestart, PlanRestartInput>(async ({ input, signal }) => {
        const next = planRestart(input, options.locate, resumeFailed);
        const taken = await lockAndRecord(next.plan, signal, options.deps);
        // Someone else started it meanwhile (`polecat up`): nothing to restart.
        if ('running' in taken) return { alreadyRunning: { ...(taken.running.run !== undefined ? { run: taken.running.run } : {}) }, at: Date.now() };
        // From here to the child's start nothing is awaited: no DOWN can come in between.
        planned = { plan: next.plan, ...taken };
        return next;
      }),
      restart: createStartupMachine(options.deps),
    },
  });
  const record = (event: InspectionEvent) => {
    if (event.type !== '@xstate.actor' || !planned) return;
    const child = event.actorRef as AnyActorRef;
    if (child.id !== 'restart') return;
    const { plan, lock, recorder } = planned;
    planned = undefined;
    // Made here, started by its parent once this transition is done: recorded from then on.
    queueMicrotask(() => recordRestart(child, plan, lock, recorder));
  };
  const recordRestart = (child: AnyActorRef, plan: StartupInput, lock: PolecatLock, recorder: RunRecorder) => {
    try {
      journals.set(child.sessionId, recorder.inspector(undefined, child.sessionId));
      options.onRestart?.(plan);
      runRecorded<StartupOutput>(child, recorder, {}, 'start', true)
        .then(
          (output) => {
            // Only a resumed start says whether resuming works; once it has failed, restarts go on afresh.
            if (plan.resumes !== undefined) resumeFailed = output.result !== 'running';
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
      recorder.finish('failed');
      lock.release();
      child.send({ type: 'CANCEL' });
      options.onRestarted?.(plan, error instanceof Error ? error : new Error(String(error)));
    }
  };
  // A plan whose restart never began (DOWN, or the supervisor ending, came in the moment between the plan's end and
  // the machine taking it): its lock and record are let go, the run cancelled before it did anything.
  const dropUnused = () => {
    if (!planned) return;
    planned.recorder.finish('cancelled');
    planned.lock.release();
    planned = undefined;
  };
  const actor = createActor(machine, {
    input: { polecat, policy: options.policy ?? DEFAULT_SUPERVISION_POLICY, upSince: options.upSince, ...(options.run !== undefined ? { run: options.run } : {}), ...(options.restored ? { restored: options.restored } : {}) },
    inspect: (event) => {
      record(event);
      for (const journal of journals.values()) journal(event);
      options.inspect?.(event);
    },
  });
  actor.subscribe({
    next: (snapshot) => {
      if (snapshot.value !== 'planning' && snapshot.value !== 'restarting') dropUnused();
    },
    complete: dropUnused,
    error: dropUnused,
  });
  return actor;
}
