import { createActor, toPromise } from 'xstate';
import {
  rollbackInputFor,
  STARTUP_MACHINE_VERSION,
  startupMachine,
  type RollbackOutput,
  type StartupContext,
  type StartupInput,
  type StartupOutput,
} from '../../machines/startup.js';
import { Beads } from '../beads/client.js';
import { lockForRun, RunRecordError, RunRecorder, runRecorded, type RunOptions } from '../runs/recording.js';
import { RunRefusedError } from '../runs/refusal.js';
import { listOpenRuns, RunFileError, RunFiles, runState, type ListedRun, type RunRecord } from '../runs/store.js';
import { createStepDeps, type StepDeps } from '../steps/deps.js';
import { polecatAssignee } from '../steps/hook.js';
import { startupActors } from '../steps/index.js';
import { killProcesses } from '../proc/kill.js';
import { processesWithArgs } from '../proc/process-tree.js';

/** Starting a polecat, and settling a start whose process died: resuming it or rolling it back. */

export function createStartupMachine(deps: StepDeps = createStepDeps()) {
  return startupMachine.provide({ actors: startupActors(deps) });
}

/** A start whose process died part way: to be resumed or rolled back before its polecat starts again. */
export function isInterruptedStart(run: ListedRun): boolean {
  return run.state === 'interrupted' && run.record.kind === 'start';
}

/** The polecat's interrupted starts. */
export function interruptedStarts(townRoot: string, rig: string, name: string): ListedRun[] {
  return listOpenRuns(townRoot, { rig, name }).filter(isInterruptedStart);
}

/**
 * Starts a polecat: holds the polecat's lock for the whole run, refuses while an interrupted start of it waits to
 * be resumed or rolled back, records the run (its snapshot after every change, its journal) and runs the startup
 * machine.
 */
export async function start(plan: StartupInput, options: RunOptions = {}): Promise<StartupOutput> {
  const lock = lockForRun(plan.townRoot, plan.rig, plan.name, plan.runId, 'start');
  try {
    const [pending] = interruptedStarts(plan.townRoot, plan.rig, plan.name);
    if (pending) {
      const id = pending.record.runId;
      throw new RunRefusedError(
        `${plan.rig}/${plan.name} has an interrupted start, run ${id}: continue it with \`polecat resume ${id}\` or undo it with \`polecat rollback ${id}\``,
      );
    }
    const recorder = RunRecorder.begin('start', plan, STARTUP_MACHINE_VERSION);
    const actor = createActor(createStartupMachine(options.deps), { input: plan, inspect: recorder.inspector(options.inspect) });
    return await runRecorded<StartupOutput>(actor, recorder, options, 'start');
  } finally {
    lock.release();
  }
}

function interruptedRun(townRoot: string, runId: string, purpose: 'resume' | 'rollback'): { files: RunFiles; record: RunRecord } {
  const files = new RunFiles(townRoot, runId);
  if (!files.exists()) throw new RunRefusedError(`no run ${runId} in town ${townRoot}`);
  const record = files.record();
  const state = runState(record);
  if (state !== 'interrupted') throw new RunRefusedError(`run ${runId} is ${state === 'finished' ? `finished (${record.result})` : 'still in progress'}, not interrupted`);
  if (record.kind !== 'start') throw new RunRefusedError(`run ${runId} is a ${record.kind}; only an interrupted start can be resumed or rolled back`);
  // Another version's snapshot cannot be restored into this machine; what a rollback needs from it has kept its shape.
  if (purpose === 'resume' && record.machineVersion !== STARTUP_MACHINE_VERSION) {
    throw new RunRefusedError(
      `run ${runId} was recorded by version ${record.machineVersion} of the startup machine and this polecat runs version ${STARTUP_MACHINE_VERSION}: it cannot be resumed; undo it with \`polecat rollback ${runId}\``,
    );
  }
  return { files, record };
}

/** Continues an interrupted start from its snapshot: the step it was in runs again, waits keep their deadlines. */
export async function resume(townRoot: string, runId: string, options: RunOptions & { onResuming?: () => void } = {}): Promise<StartupOutput> {
  const { files, record } = interruptedRun(townRoot, runId, 'resume');
  const lock = lockForRun(townRoot, record.rig, record.name, runId, 'start');
  try {
    options.onResuming?.();
    const recorder = RunRecorder.takeOver(files, 'resume');
    const actor = createActor(createStartupMachine({ ...(options.deps ?? createStepDeps()), repeating: true }), {
      snapshot: files.snapshot() as never,
      input: record.input as StartupInput,
      inspect: recorder.inspector(options.inspect),
    });
    return await runRecorded<StartupOutput>(actor, recorder, options, 'start');
  } finally {
    lock.release();
  }
}

/** What a rollback needs of an interrupted run's context, from its snapshot or, without one, from its plan. */
type RollbackContext = Parameters<typeof rollbackInputFor>[0];

function rollbackContextOf(files: RunFiles, record: RunRecord): { context: RollbackContext; warnings: string[] } {
  try {
    const snapshot = files.snapshot() as { context?: Partial<StartupContext> } | null;
    const context = snapshot?.context;
    if (!context?.plan) throw new RunFileError(`run ${record.runId}'s snapshot has no machine context`);
    return { context: { ...context, plan: context.plan, sessionStarted: context.sessionStarted === true, hookStarted: context.hookStarted === true }, warnings: [] };
  } catch (error) {
    if (!(error instanceof RunFileError)) throw error;
    // Without the snapshot, the plan in run.json still says which session is this run's; the issue's earlier state
    // is only in the snapshot, so it cannot be put back.
    const plan = record.input as StartupInput;
    return {
      context: { plan, sessionStarted: true, hookStarted: false },
      warnings: [`${error.message}: the session was looked for from the plan${plan.issue ? `; issue ${plan.issue} was not restored` : ''}`],
    };
  }
}

/** How long a `bd update` the dead process left running gets to obey SIGTERM. */
const STRAY_BD_GRACE_MS = 500;

/** A bd the dead process had started may still be running: hooking after the issue is restored would undo the restore. */
async function reapStrayHook(plan: StartupInput): Promise<void> {
  if (plan.issue === undefined) return;
  const strays = processesWithArgs(Beads.updateArgs(plan.issue, { status: 'hooked', assignee: polecatAssignee(plan) }));
  await killProcesses(strays, { graceMs: STRAY_BD_GRACE_MS });
}

/** Undoes what an interrupted start did (its session and processes, the issue's hook), from its snapshot. */
export async function rollbackRun(townRoot: string, runId: string, options: RunOptions = {}): Promise<RollbackOutput> {
  const { files, record } = interruptedRun(townRoot, runId, 'rollback');
  const lock = lockForRun(townRoot, record.rig, record.name, runId, 'start');
  try {
    const { context, warnings } = rollbackContextOf(files, record);
    const recorder = RunRecorder.takeOver(files, 'rollBack');
    const began = Date.now();
    await reapStrayHook(context.plan);
    const logic = startupActors(options.deps ?? createStepDeps()).rollback;
    const rolled = await toPromise(createActor(logic, { input: rollbackInputFor(context) }).start());
    const output = { ...rolled, warnings: [...warnings, ...(rolled.warnings ?? [])] };
    recorder.stepFinished('rollingBack', Date.now() - began, 'ok');
    for (const warning of output.warnings) recorder.warning(warning);
    recorder.finish('rolledBack');
    const unrecorded = recorder.writeError();
    if (unrecorded) throw new RunRecordError(`run ${runId} was rolled back but its record could not be written (${unrecorded.message})`, { cause: unrecorded });
    return output;
  } finally {
    lock.release();
  }
}
