import { createActor, type AnyActorRef, type SnapshotFrom } from 'xstate';
import { startupMachine, type StartupInput, type StartupOutput } from '../machines/startup.js';
import { stopMachine, type StopInput, type StopOutput } from '../machines/stop.js';
import { createStepDeps, type StepDeps } from './steps/deps.js';
import { startupActors, stopActors } from './steps/index.js';
import { awaitExitStatus } from './steps/watch.js';
import { TmuxError } from './tmux/errors.js';
import type { SessionRow } from './tmux/formats.js';
import { readProcess } from './tmux/process-tree.js';
import type { PolecatAddress } from './town/names.js';
import { agentPane, ownershipProblem } from './town/session-owner.js';
import { locate, resolveTown, type LocateOptions } from './plan.js';

export { planStart, planStop } from './plan.js';

/** A step's progress, as the CLI shows it. */
export type ProgressEvent =
  | { readonly type: 'step.started'; readonly step: string; readonly at: number }
  | { readonly type: 'step.finished'; readonly step: string; readonly ms: number; readonly outcome: 'ok' | 'failed' | 'warning' | 'cancelled' };

export interface RunOptions {
  readonly deps?: StepDeps;
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Aborting cancels the run: the machine rolls back what it did and ends `cancelled`. */
  readonly signal?: AbortSignal;
}

export function createStartupMachine(deps: StepDeps = createStepDeps()) {
  return startupMachine.provide({ actors: startupActors(deps) });
}

export function createStopMachine(deps: StepDeps = createStepDeps()) {
  return stopMachine.provide({ actors: stopActors(deps) });
}

/** Runs a machine to its final state, reporting each state entered and left with its duration. */
function runToEnd<TOutput>(actor: AnyActorRef, options: RunOptions): Promise<TOutput> {
  return new Promise<TOutput>((resolve, reject) => {
    let current: string | undefined;
    let enteredAt = Date.now();
    let warnings = 0;
    const onAbort = () => actor.send({ type: 'CANCEL' });
    const finishStep = (snapshot: SnapshotFrom<typeof startupMachine>, next: string) => {
      if (current === undefined) return;
      const context = snapshot.context as { warnings?: readonly string[]; failure?: { step: string }; cancelled?: boolean };
      const warned = (context.warnings?.length ?? 0) > warnings;
      warnings = context.warnings?.length ?? 0;
      const outcome =
        context.failure?.step === current ? 'failed' : next === 'rollingBack' && context.cancelled ? 'cancelled' : warned ? 'warning' : 'ok';
      options.onProgress?.({ type: 'step.finished', step: current, ms: Date.now() - enteredAt, outcome });
    };
    actor.subscribe({
      next: (snapshot: SnapshotFrom<typeof startupMachine>) => {
        const value = String(snapshot.value);
        if (value !== current) {
          finishStep(snapshot, value);
          current = value;
          enteredAt = Date.now();
          if (snapshot.status === 'active') options.onProgress?.({ type: 'step.started', step: value, at: enteredAt });
        }
        if (snapshot.status === 'done') {
          options.signal?.removeEventListener('abort', onAbort);
          resolve(snapshot.output as TOutput);
        }
      },
      error: (error) => {
        options.signal?.removeEventListener('abort', onAbort);
        reject(error);
      },
    });
    actor.start();
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function start(plan: StartupInput, options: RunOptions = {}): Promise<StartupOutput> {
  return runToEnd(createActor(createStartupMachine(options.deps), { input: plan }), options);
}

export function stop(plan: StopInput, options: RunOptions = {}): Promise<StopOutput> {
  return runToEnd(createActor(createStopMachine(options.deps), { input: plan }), options);
}

export interface PolecatStatus {
  readonly polecat: string;
  readonly rig: string;
  readonly name: string;
  /** The agent process is alive in its pane. */
  readonly running: boolean;
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

export async function status(address: PolecatAddress, options: LocateOptions & { deps?: StepDeps } = {}): Promise<PolecatStatus> {
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
  if (rows.length === 0) return { ...base, running: false, sessionExists: false };
  const conflict = ownershipProblem(rows, { ...address, townRoot: location.townRoot });
  if (conflict) return { ...base, running: false, sessionExists: true, conflict };
  const row = agentPane(rows) ?? rows[0]!;
  let ended: { deadStatus?: number | undefined; deadSignal?: number | undefined } = { deadStatus: row.paneDeadStatus, deadSignal: row.paneDeadSignal };
  if (row.paneDead && ended.deadStatus === undefined && ended.deadSignal === undefined) {
    ended = await awaitExitStatus(tmux, row.paneId, await tmux.paneInfo(row.paneId), undefined).catch(() => ended);
  }
  return {
    ...base,
    running: agentPane(rows) !== undefined && agentAlive(row),
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
