import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { fileSystemCause } from './files/directory.js';
import { createActor, toPromise, type InspectionEvent } from 'xstate';
import {
  rollbackInputFor,
  STARTUP_MACHINE_VERSION,
  startupMachine,
  type RollbackOutput,
  type StartupContext,
  type StartupInput,
  type StartupOutput,
} from '../machines/startup.js';
import { STOP_MACHINE_VERSION, stopMachine, type StopInput, type StopOutput } from '../machines/stop.js';
import { execute, type ProgressEvent } from './runs/execute.js';
import { acquireLock, LockHeldError, lockHolder, type PolecatLock } from './runs/lock.js';
import { currentProcess } from './runs/owner.js';
import { listRuns, RUN_FORMAT_VERSION, RunFileError, RunFiles, runState, type ListedRun, type RunKind, type RunRecord, type RunResult } from './runs/store.js';
import { createStepDeps, type StepDeps } from './steps/deps.js';
import { startupActors, stopActors } from './steps/index.js';
import { awaitArrival, deliveryCheck, isBlank, sanitizeText, submit, typeText } from './steps/deliver.js';
import { loadAgents } from './agents/config.js';
import { findAgent } from './agents/launch.js';
import { InvalidInputError } from './town/names.js';
import { awaitExitStatus, lookAtPane } from './steps/watch.js';
import { TmuxError } from './tmux/errors.js';
import type { SessionRow } from './tmux/formats.js';
import { killProcesses } from './proc/kill.js';
import { processesWithArgs, readProcess } from './proc/process-tree.js';
import type { PolecatAddress } from './town/names.js';
import { agentPane, ownershipProblem } from './town/session-owner.js';
import { locate, planStop, resolveTown, type LocateOptions, type StopOptions } from './plan.js';

export { planStart, planStop } from './plan.js';

export type { ProgressEvent } from './runs/execute.js';

export interface RunOptions {
  readonly deps?: StepDeps;
  readonly onProgress?: (event: ProgressEvent) => void;
  /**
   * Aborting sends the run CANCEL. A start rolls back what it did and ends `cancelled`; a stop never un-stops: it
   * finishes at once by force (no more waiting for the agent) and says it was `interrupted`.
   */
  readonly signal?: AbortSignal;
  /** An xstate inspection observer (the live Stately inspector). */
  readonly inspect?: (event: InspectionEvent) => void;
}

export function createStartupMachine(deps: StepDeps = createStepDeps()) {
  return startupMachine.provide({ actors: startupActors(deps) });
}

export function createStopMachine(deps: StepDeps = createStepDeps()) {
  return stopMachine.provide({ actors: stopActors(deps) });
}

/** A run that cannot go ahead: the polecat is busy with another run, or has an interrupted one to settle first. */
export class RunRefusedError extends Error {
  override readonly name = 'RunRefusedError';
}

function interruptedStarts(townRoot: string, rig: string, name: string): ListedRun[] {
  return listRuns(townRoot).filter((r) => r.state === 'interrupted' && r.record.kind === 'start' && r.record.rig === rig && r.record.name === name);
}

function lockFor(townRoot: string, rig: string, name: string, runId: string, kind: RunKind): PolecatLock {
  try {
    return recordable(townRoot, () => acquireLock(townRoot, rig, name, runId, kind));
  } catch (error) {
    if (error instanceof LockHeldError) throw new RunRefusedError(error.message);
    throw error;
  }
}

/** A run polecat cannot record (its directory read-only, the disk full) is refused before it does anything. */
function recordable<T>(townRoot: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    const cause = fileSystemCause(error);
    if (cause === undefined) throw error;
    throw new RunRecordError(`cannot record the run under ${join(townRoot, '.runtime', 'polecat')}: ${cause}; nothing was done`);
  }
}

function newRecord(kind: RunKind, plan: { runId: string; rig: string; name: string }, machineVersion: number): RunRecord {
  return {
    format: RUN_FORMAT_VERSION,
    runId: plan.runId,
    kind,
    rig: plan.rig,
    name: plan.name,
    machineVersion,
    owner: currentProcess(),
    startedAt: new Date().toISOString(),
    input: plan,
  };
}

/**
 * The actor's inspection observer: the run's own events (a step done, a step's error, CANCEL) go to the journal, and
 * everything goes on to the live inspector if there is one.
 */
function journalEvents(files: RunFiles, forward: ((event: InspectionEvent) => void) | undefined): (event: InspectionEvent) => void {
  return (inspection) => {
    if (inspection.type === '@xstate.event' && inspection.actorRef.sessionId === inspection.rootId && !inspection.event.type.startsWith('xstate.init')) {
      const error = (inspection.event as { error?: { message?: unknown } }).error;
      try {
        files.append({ type: 'event', event: inspection.event.type, ...(typeof error?.message === 'string' ? { error: error.message } : {}) });
      } catch {
        // The snapshot write that follows meets the same failure and cancels the run.
      }
    }
    forward?.(inspection);
  };
}

function finish(files: RunFiles, result: RunResult): void {
  files.update({ result, finishedAt: new Date().toISOString() });
  files.append({ type: 'run.finished', result });
}

/** How often a run looks for a stop's request to cancel it. */
const CANCEL_REQUEST_POLL_MS = 100;

/** The run's own cancellation: the caller's signal, or a stop asking for this run alone (RunFiles.requestCancel). */
function cancellationOf(files: RunFiles, signal: AbortSignal | undefined): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const follow = () => controller.abort(signal?.reason);
  if (signal?.aborted) follow();
  else signal?.addEventListener('abort', follow, { once: true });
  const timer = setInterval(() => {
    if (files.cancelRequested()) controller.abort(new Error(`run ${files.runId} was asked to cancel`));
  }, CANCEL_REQUEST_POLL_MS);
  timer.unref();
  return {
    signal: controller.signal,
    dispose: () => {
      clearInterval(timer);
      signal?.removeEventListener('abort', follow);
    },
  };
}

/** What a CANCEL does to a run of each kind, as an error about the record tells it. */
const CANCEL_DOES: Record<RunKind, string> = { start: 'it was cancelled and rolled back', stop: 'it was finished at once by force' };

/** Runs a recorded machine; a record that cannot be written cancels the run (see CANCEL_DOES) and is reported. */
async function executeRecorded<TOutput extends { result: RunResult }>(
  actor: Parameters<typeof execute>[0],
  files: RunFiles,
  options: RunOptions,
  kind: RunKind = 'start',
): Promise<TOutput> {
  let recordingError: Error | undefined;
  const cancellation = cancellationOf(files, options.signal);
  let output: TOutput;
  try {
    output = await execute<TOutput>(actor, { ...options, signal: cancellation.signal, files, onRecordingError: (error) => (recordingError = error) });
  } finally {
    cancellation.dispose();
  }
  if (recordingError) {
    throw new RunRecordError(`could not record run ${files.runId} (${recordingError.message}); ${CANCEL_DOES[kind]}, ending ${output.result}`);
  }
  finish(files, output.result);
  return output;
}

export class RunRecordError extends Error {
  override readonly name = 'RunRecordError';
}

/**
 * Starts a polecat: holds the polecat's lock for the whole run, refuses while an interrupted start of it waits to
 * be resumed or rolled back, records the run (snapshot after every step, journal) and runs the startup machine.
 */
export async function start(plan: StartupInput, options: RunOptions = {}): Promise<StartupOutput> {
  const lock = lockFor(plan.townRoot, plan.rig, plan.name, plan.runId, 'start');
  try {
    const [pending] = interruptedStarts(plan.townRoot, plan.rig, plan.name);
    if (pending) {
      const id = pending.record.runId;
      throw new RunRefusedError(
        `${plan.rig}/${plan.name} has an interrupted start, run ${id}: continue it with \`polecat resume ${id}\` or undo it with \`polecat rollback ${id}\``,
      );
    }
    const files = new RunFiles(plan.townRoot, plan.runId);
    recordable(plan.townRoot, () => files.create(newRecord('start', plan, STARTUP_MACHINE_VERSION)));
    files.append({ type: 'run.started', kind: 'start' });
    return await executeRecorded<StartupOutput>(createActor(createStartupMachine(options.deps), { input: plan, inspect: journalEvents(files, options.inspect) }), files, options);
  } finally {
    lock.release();
  }
}

/** How long a start asked to cancel has to show it heard (a CANCEL in its journal) before its process is signalled. */
const CANCEL_HEARD_WITHIN_MS = 3_000;

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
async function cancelStartInProgress(plan: StopInput, onCancelling?: (runId: string) => void, waitMs = 60_000): Promise<string | undefined> {
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
  const deadline = asked + waitMs;
  while (lockHolder(plan.townRoot, plan.rig, plan.name)?.runId === holder.runId) {
    if (Date.now() > deadline) throw new RunRefusedError(`the start in progress (run ${holder.runId}) did not finish rolling back within ${waitMs / 1000} s`);
    if (!signalled && Date.now() - asked > CANCEL_HEARD_WITHIN_MS && !heardCancel(files)) {
      signalled = true;
      process.kill(holder.pid, 'SIGTERM');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return holder.runId;
}

function heardCancel(files: RunFiles): boolean {
  try {
    return files.journal().some((entry) => entry.type === 'event' && entry.event === 'CANCEL');
  } catch {
    return false;
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
    const files = new RunFiles(plan.townRoot, plan.runId);
    recordable(plan.townRoot, () => files.create(newRecord('stop', plan, STOP_MACHINE_VERSION)));
    files.append({ type: 'run.started', kind: 'stop' });
    const actor = createActor(createStopMachine(options.deps), { input: plan, inspect: journalEvents(files, undefined) });
    const output = await executeRecorded<StopOutput>(actor, files, options, 'stop');
    return { ...output, ...(cancelledStart ? { cancelledStart } : {}) };
  } finally {
    lock.release();
  }
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
      return { lock: lockFor(plan.townRoot, plan.rig, plan.name, plan.runId, 'stop'), ...(cancelledStart ? { cancelledStart } : {}) };
    } catch (error) {
      if (!(error instanceof RunRefusedError) || attempt >= STOP_LOCK_ATTEMPTS) throw error;
    }
  }
}

function interruptedRun(townRoot: string, runId: string): { files: RunFiles; record: RunRecord } {
  const files = new RunFiles(townRoot, runId);
  if (!files.exists()) throw new RunRefusedError(`no run ${runId} in town ${townRoot}`);
  const record = files.record();
  const state = runState(record);
  if (state !== 'interrupted') throw new RunRefusedError(`run ${runId} is ${state === 'finished' ? `finished (${record.result})` : 'still in progress'}, not interrupted`);
  if (record.kind !== 'start') throw new RunRefusedError(`run ${runId} is a ${record.kind}; only an interrupted start can be resumed or rolled back`);
  if (record.machineVersion !== STARTUP_MACHINE_VERSION) {
    throw new RunRefusedError(`run ${runId} was recorded by another version of the startup machine (${record.machineVersion}, this is ${STARTUP_MACHINE_VERSION})`);
  }
  return { files, record };
}

/** Continues an interrupted start from its snapshot: the step it was in runs again, waits keep their deadlines. */
export async function resume(townRoot: string, runId: string, options: RunOptions = {}): Promise<StartupOutput> {
  const { files, record } = interruptedRun(townRoot, runId);
  const lock = lockFor(townRoot, record.rig, record.name, runId, 'start');
  try {
    files.update({ owner: currentProcess() });
    files.append({ type: 'run.resumed' });
    const actor = createActor(createStartupMachine({ ...(options.deps ?? createStepDeps()), repeating: true }), {
      snapshot: files.snapshot() as never,
      input: record.input as StartupInput,
      inspect: journalEvents(files, options.inspect),
    });
    return await executeRecorded<StartupOutput>(actor, files, options);
  } finally {
    lock.release();
  }
}

/** Undoes what an interrupted start did (its session and processes, the issue's hook), from its snapshot. */
export async function rollbackRun(townRoot: string, runId: string, options: RunOptions = {}): Promise<RollbackOutput> {
  const { files, record } = interruptedRun(townRoot, runId);
  const lock = lockFor(townRoot, record.rig, record.name, runId, 'start');
  try {
    files.update({ owner: currentProcess() });
    let context: StartupContext;
    const extraWarnings: string[] = [];
    try {
      const snapshot = files.snapshot() as { context?: StartupContext } | null;
      if (!snapshot?.context?.plan) throw new RunFileError(`run ${runId}'s snapshot has no machine context`);
      context = snapshot.context;
    } catch (error) {
      if (!(error instanceof RunFileError)) throw error;
      // Without the snapshot, the plan in run.json still says which session is this run's; the issue's earlier
      // state is only in the snapshot, so it cannot be put back.
      const plan = record.input as StartupInput;
      context = { plan, sessionStarted: true, hookStarted: false } as unknown as StartupContext;
      extraWarnings.push(`${error.message}: the session was looked for from the plan${plan.issue ? `; issue ${plan.issue} was not restored` : ''}`);
    }
    files.append({ type: 'state.entered', state: 'rollingBack' });
    const began = Date.now();
    // A bd the dead process had started may still be running: hooking after the issue is restored would undo it.
    const plan = context.plan;
    if (plan.issue !== undefined) {
      const strays = processesWithArgs(['update', plan.issue, '--status=hooked', `--assignee=${plan.rig}/polecats/${plan.name}`]);
      await killProcesses(strays, { graceMs: 500 });
    }
    const logic = startupActors(options.deps ?? createStepDeps()).rollback;
    const rolled = await toPromise(createActor(logic, { input: rollbackInputFor(context) }).start());
    const output = { ...rolled, warnings: [...extraWarnings, ...(rolled.warnings ?? [])] };
    files.append({ type: 'step.finished', step: 'rollingBack', ms: Date.now() - began, outcome: 'ok' });
    for (const warning of output.warnings) files.append({ type: 'warning', message: warning });
    finish(files, 'rolledBack');
    return output;
  } finally {
    lock.release();
  }
}

export interface PolecatStatus {
  readonly polecat: string;
  readonly rig: string;
  readonly name: string;
  /** The agent process is alive in its pane. */
  readonly running: boolean;
  /**
   * healthy; agent-dead (session there, agent gone); agent-hung (alive, but no pane activity for longer than the
   * hung threshold); session-dead (no session).
   */
  readonly health: Health;
  readonly session: string;
  readonly socket: string;
  /** The session exists (it stays, with the agent's last screen, after the agent exits, until `polecat stop`). */
  readonly sessionExists: boolean;
  /** Set when a session of that name exists but is not this polecat's; polecat leaves it alone. */
  readonly conflict?: string;
  readonly pane?: string;
  readonly agent?: string;
  readonly agentPid?: number;
  readonly agentCommand?: string;
  readonly agentExitStatus?: number;
  readonly agentExitSignal?: number;
  readonly created?: string;
  readonly lastActivity?: string;
  readonly attached?: boolean;
}

/** A tmux Unix time as local ISO-8601 with offset (tmux reports seconds since the epoch). */
export function localTime(unixSeconds: number | undefined): string | undefined {
  if (unixSeconds === undefined || unixSeconds <= 0) return undefined;
  const date = new Date(unixSeconds * 1000);
  const offset = -date.getTimezoneOffset();
  const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, 19);
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function agentAlive(row: SessionRow): boolean {
  return !row.paneDead && row.panePid !== undefined && readProcess(row.panePid) !== undefined;
}

function exitOf(row: SessionRow): { agentExitStatus?: number; agentExitSignal?: number } {
  if (!row.paneDead) return {};
  return {
    ...(row.paneDeadStatus !== undefined ? { agentExitStatus: row.paneDeadStatus } : {}),
    ...(row.paneDeadSignal !== undefined ? { agentExitSignal: row.paneDeadSignal } : {}),
  };
}

function sessionTimes(row: SessionRow): { created?: string; lastActivity?: string } {
  const created = localTime(row.created);
  const lastActivity = localTime(row.activity);
  return { ...(created ? { created } : {}), ...(lastActivity ? { lastActivity } : {}) };
}

export type Health = 'healthy' | 'agent-dead' | 'agent-hung' | 'session-dead';

/** No pane output or input for this long and an agent counts as hung (Gas Town's HungSessionThreshold). */
export const DEFAULT_HUNG_AFTER_MS = 30 * 60_000;

function healthOf(alive: boolean, activitySeconds: number | undefined, hungAfterMs: number): Health {
  if (!alive) return 'agent-dead';
  if (activitySeconds !== undefined && Date.now() - activitySeconds * 1000 > hungAfterMs) return 'agent-hung';
  return 'healthy';
}

export async function status(
  address: PolecatAddress,
  options: LocateOptions & { deps?: StepDeps; hungAfterMs?: number } = {},
): Promise<PolecatStatus> {
  const location = locate(address, options);
  const tmux = (options.deps ?? createStepDeps()).tmux(location.socket);
  const base = {
    polecat: `${address.rig}/${address.name}`,
    rig: address.rig,
    name: address.name,
    session: location.sessionName,
    socket: location.socket,
  };
  const rows = await tmux.sessionPanes(location.sessionName);
  if (rows.length === 0) return { ...base, running: false, health: 'session-dead', sessionExists: false };
  const conflict = ownershipProblem(rows, { ...address, townRoot: location.townRoot });
  if (conflict) return { ...base, running: false, health: 'session-dead', sessionExists: true, conflict };
  const row = agentPane(rows) ?? rows[0]!;
  let ended: { deadStatus?: number | undefined; deadSignal?: number | undefined } = { deadStatus: row.paneDeadStatus, deadSignal: row.paneDeadSignal };
  if (row.paneDead && ended.deadStatus === undefined && ended.deadSignal === undefined) {
    ended = await awaitExitStatus(tmux, row.paneId, await tmux.paneInfo(row.paneId), undefined).catch(() => ended);
  }
  const running = agentPane(rows) !== undefined && agentAlive(row);
  return {
    ...base,
    running,
    health: healthOf(running, row.activity, options.hungAfterMs ?? DEFAULT_HUNG_AFTER_MS),
    sessionExists: true,
    pane: row.paneId,
    agent: row.agentName,
    ...(row.panePid !== undefined ? { agentPid: row.panePid } : {}),
    agentCommand: row.currentCommand,
    ...exitOf({ ...row, paneDeadStatus: ended.deadStatus, paneDeadSignal: ended.deadSignal }),
    ...sessionTimes(row),
    attached: (row.attached ?? 0) > 0,
  };
}

export interface PaneCapture {
  readonly polecat: string;
  readonly session: string;
  readonly pane: string;
  readonly text: string;
}

/** The agent pane's text: the last `scrollback` lines above the screen plus the screen; undefined when there is none. */
export async function capture(
  address: PolecatAddress,
  scrollback: number,
  options: LocateOptions & { deps?: StepDeps } = {},
): Promise<PaneCapture | undefined> {
  const location = locate(address, options);
  const tmux = (options.deps ?? createStepDeps()).tmux(location.socket);
  const rows = await tmux.sessionPanes(location.sessionName);
  const conflict = ownershipProblem(rows, { ...address, townRoot: location.townRoot });
  if (conflict) throw new Error(`${conflict}; polecat will not read it`);
  const row = agentPane(rows);
  if (!row) return undefined;
  try {
    const text = await tmux.capturePane(row.paneId, { scrollback });
    return { polecat: `${address.rig}/${address.name}`, session: location.sessionName, pane: row.paneId, text };
  } catch (error) {
    if (error instanceof TmuxError && error.isGone) return undefined;
    throw error;
  }
}

export interface ListedPolecat {
  readonly polecat: string;
  readonly rig: string;
  readonly name: string;
  readonly session: string;
  readonly agent: string;
  readonly running: boolean;
  readonly agentCommand: string;
  readonly agentExitStatus?: number;
  readonly agentExitSignal?: number;
  readonly created?: string;
  readonly attached: boolean;
}

/** The town's polecats, from one tmux call: the agent pane of every session carrying this town's polecat options. */
export async function list(rig: string | undefined, options: LocateOptions & { deps?: StepDeps } = {}): Promise<{ socket: string; polecats: ListedPolecat[] }> {
  const { townRoot, socket } = resolveTown(options);
  const tmux = (options.deps ?? createStepDeps()).tmux(socket);
  const rows = (await tmux.listPolecatPanes()).filter((r) => r.town === townRoot && (rig === undefined || r.rig === rig));
  const polecats = rows
    .map((r) => ({
      polecat: `${r.rig}/${r.polecat}`,
      rig: r.rig,
      name: r.polecat,
      session: r.name,
      agent: r.agentName,
      running: agentAlive(r),
      agentCommand: r.currentCommand,
      ...exitOf(r),
      ...(localTime(r.created) ? { created: localTime(r.created)! } : {}),
      attached: (r.attached ?? 0) > 0,
    }))
    .sort((a, b) => a.polecat.localeCompare(b.polecat));
  return { socket, polecats };
}

export interface StopAllResult {
  readonly stopped: ReadonlyArray<{ readonly polecat: string; readonly result: StopOutput }>;
  readonly failed: ReadonlyArray<{ readonly polecat: string; readonly error: string }>;
}

/**
 * Stops every polecat of one rig of this town, in parallel: only sessions that carry this town's and rig's polecat
 * options (never another role's, another town's or the user's own sessions). Every failure is reported. Aborting the
 * signal interrupts every stop, each finishing at once by force; none is abandoned.
 */
export async function stopAll(
  rig: string,
  options: StopOptions & { deps?: StepDeps; signal?: AbortSignal; onProgress?: (polecat: string, event: ProgressEvent) => void } = {},
): Promise<StopAllResult> {
  const { polecats } = await list(rig, options);
  // Every stop listens to the one signal: a rig's worth of listeners is expected, not a leak.
  if (options.signal) setMaxListeners(0, options.signal);
  const outcomes = await Promise.all(
    polecats.map(async (p) => {
      try {
        const plan = planStop({ rig: p.rig, name: p.name }, { ...options, runId: undefined });
        const result = await stop(plan, {
          ...(options.deps ? { deps: options.deps } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          onProgress: (event) => options.onProgress?.(p.polecat, event),
        });
        if (result.result === 'failed') return { polecat: p.polecat, error: `${result.failure?.step}: ${result.failure?.message}` };
        return { polecat: p.polecat, result };
      } catch (error) {
        return { polecat: p.polecat, error: (error as Error).message };
      }
    }),
  );
  return {
    stopped: outcomes.filter((o): o is { polecat: string; result: StopOutput } => 'result' in o),
    failed: outcomes.filter((o): o is { polecat: string; error: string } => 'error' in o),
  };
}

/** How long an inject waits for another inject to the same polecat, and for its own text to be taken. */
export const INJECT_TIMEOUT_MS = 30_000;

/**
 * Types text into a running polecat's agent and submits it once, checked on screen: one line typed literally, several
 * lines pasted. Injects to one polecat take turns (a lock of their own), so two never interleave.
 */
export async function inject(address: PolecatAddress, text: string, options: LocateOptions & { deps?: StepDeps; timeoutMs?: number } = {}): Promise<{ polecat: string; bytes: number }> {
  const clean = sanitizeText(text);
  if (isBlank(clean)) throw new InvalidInputError('nothing to inject: the text is empty once control and zero-width characters are removed');
  const location = locate(address, options);
  const deps = options.deps ?? createStepDeps();
  const tmux = deps.tmux(location.socket);
  const rows = await tmux.sessionPanes(location.sessionName);
  const problem = ownershipProblem(rows, { ...address, townRoot: location.townRoot });
  if (problem) throw new RunRefusedError(`${problem}; polecat will not type into it`);
  const agent = agentPane(rows);
  if (!agent || !agentAlive(agent)) throw new RunRefusedError(`${address.rig}/${address.name} is not running`);
  const preset = findAgent(loadAgents(location.townRoot, address.rig), agent.agentName);
  const deadline = Date.now() + (options.timeoutMs ?? INJECT_TIMEOUT_MS);
  const lock = await waitForLock(location.townRoot, address.rig, `${address.name}.inject`, deadline);
  try {
    const look = async () => (await lookAtPane(tmux, agent.paneId, undefined, 'while receiving injected text')).screen;
    const check = deliveryCheck(clean, preset?.readyPromptPrefix ?? '');
    await typeText(tmux, agent.paneId, clean, 'polecat-inject');
    const watching = { look, deadline, pollMs: deps.pollMs };
    const screen = await awaitArrival(check, await look(), watching);
    await submit(tmux, agent.paneId, check, screen, watching);
    return { polecat: `${address.rig}/${address.name}`, bytes: Buffer.byteLength(clean) };
  } finally {
    lock.release();
  }
}

async function waitForLock(townRoot: string, rig: string, name: string, deadline: number): Promise<PolecatLock> {
  for (;;) {
    try {
      return acquireLock(townRoot, rig, name, randomUUID(), 'inject');
    } catch (error) {
      if (!(error instanceof LockHeldError) || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
