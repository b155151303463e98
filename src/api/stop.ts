import { createActor } from 'xstate';
import { STOP_MACHINE_VERSION, stopMachine, type StopInput, type StopOutput } from '../../machines/stop.js';
import { lockHolder, type PolecatLock } from '../runs/lock.js';
import { journalHasCancel, lockForRun, RunRecorder, runRecorded, type RunOptions } from '../runs/recording.js';
import { RunRefusedError } from '../runs/refusal.js';
import { RunFiles } from '../runs/store.js';
import { createStepDeps, type StepDeps } from '../steps/deps.js';
import { stopActors } from '../steps/stop/index.js';

/** Stopping a polecat, a start of it in progress cancelled first. */

export function createStopMachine(deps: StepDeps = createStepDeps()) {
  return stopMachine.provide({ actors: stopActors(deps) });
}

/** How long a start asked to cancel has to show it heard (a CANCEL in its journal) before its process is signalled. */
const CANCEL_HEARD_WITHIN_MS = 3_000;
/** How long a stop waits for a cancelled start to finish rolling back. */
const START_ROLLBACK_WAIT_MS = 60_000;
const HOLDER_POLL_MS = 50;

/**
 * A start in progress holds the lock: a stop cancels it (it rolls back) and waits for it to let go. The request goes
 * to that run alone, since its process may be starting other polecats too; only a process that does not take the
 * request (a wedged one, or an older polecat) gets SIGTERM.
 *
 * The stop's own signal does not end this wait: the rollback it waits for is what takes the start's session and
 * processes away, and it runs in the start's process whatever this one does. Leaving now would leave the stop
 * unfinished should the rollback leave anything; so the wait goes on (bounded), and the stop that follows runs
 * interrupted, that is by force.
 */
async function cancelStartInProgress(plan: StopInput, onCancelling?: (runId: string) => void): Promise<string | undefined> {
  const holder = lockHolder(plan.townRoot, plan.rig, plan.name);
  if (!holder) return undefined;
  if (holder.kind !== 'start') throw new RunRefusedError(`${plan.rig}/${plan.name} is busy: run ${holder.runId} (${holder.kind}, pid ${holder.pid}) holds it`);
  onCancelling?.(holder.runId);
  const files = new RunFiles(plan.townRoot, holder.runId);
  let signalled = false;
  try {
    files.requestCancel();
  } catch {
    signalled = true;
    process.kill(holder.pid, 'SIGTERM');
  }
  const asked = Date.now();
  const deadline = asked + START_ROLLBACK_WAIT_MS;
  while (lockHolder(plan.townRoot, plan.rig, plan.name)?.runId === holder.runId) {
    if (Date.now() > deadline) {
      throw new RunRefusedError(`the start in progress (run ${holder.runId}) did not finish rolling back within ${START_ROLLBACK_WAIT_MS / 1000} s`);
    }
    if (!signalled && Date.now() - asked > CANCEL_HEARD_WITHIN_MS && !journalHasCancel(files)) {
      signalled = true;
      process.kill(holder.pid, 'SIGTERM');
    }
    await new Promise((r) => setTimeout(r, HOLDER_POLL_MS));
  }
  return holder.runId;
}

/** How many starts a stop cancels before it gives up: each one took the polecat between the stop's look and its lock. */
const STOP_LOCK_ATTEMPTS = 5;

/**
 * The polecat's lock for a stop, a start in progress cancelled first. A start can take the lock between the look for
 * one and the stop's own try: then that start is cancelled too, and the stop tries again.
 */
async function takeForStop(plan: StopInput, onCancelling?: (runId: string) => void): Promise<{ lock: PolecatLock; cancelledStart?: string }> {
  let cancelledStart: string | undefined;
  for (let attempt = 1; ; attempt += 1) {
    cancelledStart = (await cancelStartInProgress(plan, onCancelling)) ?? cancelledStart;
    try {
      return { lock: lockForRun(plan.townRoot, plan.rig, plan.name, plan.runId, 'stop'), ...(cancelledStart ? { cancelledStart } : {}) };
    } catch (error) {
      if (!(error instanceof RunRefusedError) || attempt >= STOP_LOCK_ATTEMPTS) throw error;
    }
  }
}

export interface StopRunOptions extends RunOptions {
  /** A start of this polecat is in progress: the stop has asked it to cancel and waits for it to roll back. */
  readonly onCancellingStart?: (runId: string) => void;
}

/**
 * Stops a polecat: cancels a start of it in progress first (see cancelStartInProgress), then runs the stop machine
 * under the polecat's lock, recorded. Aborting the signal never leaves the polecat half stopped: the machine skips or
 * ends its wait for the agent and finishes the kill steps (`interrupted` in the output and CANCEL in the journal).
 */
export async function stop(plan: StopInput, options: StopRunOptions = {}): Promise<StopOutput & { cancelledStart?: string }> {
  const { lock, cancelledStart } = await takeForStop(plan, options.onCancellingStart);
  try {
    const recorder = RunRecorder.begin('stop', plan, STOP_MACHINE_VERSION);
    const actor = createActor(createStopMachine(options.deps), { input: plan, inspect: recorder.inspector(options.inspect) });
    const output = await runRecorded<StopOutput>(actor, recorder, options, 'stop');
    return { ...output, ...(cancelledStart ? { cancelledStart } : {}) };
  } finally {
    lock.release();
  }
}
