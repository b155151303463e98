import { eventFilePath, readEvents } from '../activity/event-file.js';
import { paneExit, replayActivity, type Activity, type Evidence } from '../activity/replay.js';
import { screenActivity } from '../activity/screen-evidence.js';
import { DesiredStateError, listDesired, readDesired, type DesiredState } from '../supervise/desired.js';
import { viewOf, type SupervisionView } from '../supervise/describe.js';
import { listSupervision, readSupervision } from '../supervise/supervision-file.js';
import { loadAgents } from '../agents/config.js';
import { findAgent } from '../agents/launch.js';
import type { Tmux } from '../tmux/client.js';
import { locate, resolveTown, type LocateOptions } from '../plan.js';
import { sessionName } from '../town/town.js';
import { createStepDeps, type StepDeps } from '../steps/deps.js';
import { awaitExitStatus } from '../steps/watch.js';
import { TmuxError } from '../tmux/errors.js';
import type { SessionRow } from '../tmux/formats.js';
import type { PolecatAddress } from '../town/names.js';
import type { WorktreeView } from './worktrees.js';
import { agentAlive, ForeignSessionError, ownSession, type OwnSession } from '../town/session-owner.js';

/** What polecat reads without changing anything: a polecat's status, the town's list, a pane's text. */

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
  /** What the agent is doing, from its hooks and its pane (absent for a session polecat did not start). */
  readonly activity?: Activity;
  /** The run that started the agent. */
  readonly run?: string;
  /** What its screen showed of its activity, at this look. */
  readonly screen?: Evidence['screen'];
  /** What was said of it with `polecat up` or `polecat down` (absent when nothing was), and since when. */
  readonly want?: { readonly want: DesiredState['want']; readonly since: string };
  /** Its desired-state file cannot be read: why (say up or down again to mend it). */
  readonly wantDamaged?: string;
  /** What the supervisor keeps of it: state, restarts in the window, backoff, quarantine (for a polecat up). */
  readonly supervision?: SupervisionView;
}

/** What was said of a polecat; a damaged file is reported, never the end of a status. */
function desiredOf(townRoot: string, address: PolecatAddress): DesiredState | { damaged: string } | undefined {
  try {
    return readDesired(townRoot, address);
  } catch (error) {
    if (error instanceof DesiredStateError) return { damaged: error.message };
    throw error;
  }
}

function supervisionOf(record: Parameters<typeof viewOf>[0], want: DesiredState | undefined): { supervision?: SupervisionView } {
  if (want?.want !== 'up') return {};
  const view = viewOf(record, want);
  return view ? { supervision: view } : {};
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

/** `replay: false`: no activity replayed from the event file, for a caller that feeds a live machine of its own. */
export interface ActivityOptions {
  readonly replay?: boolean;
}

export async function status(
  address: PolecatAddress,
  options: LocateOptions & ActivityOptions & { deps?: StepDeps; hungAfterMs?: number } = {},
): Promise<PolecatStatus> {
  const location = locate(address, options);
  const tmux = (options.deps ?? createStepDeps()).tmux(location.socket);
  const desired = desiredOf(location.townRoot, address);
  const base = {
    polecat: `${address.rig}/${address.name}`,
    rig: address.rig,
    name: address.name,
    session: location.sessionName,
    socket: location.socket,
    ...(desired && 'want' in desired ? { want: { want: desired.want, since: desired.since } } : {}),
    ...(desired && 'damaged' in desired ? { wantDamaged: desired.damaged } : {}),
    ...supervisionOf(readSupervision(location.townRoot, address), desired && 'want' in desired ? desired : undefined),
  };
  let own: OwnSession | undefined;
  try {
    own = await ownSession(tmux, { ...address, ...location }, 'touch it');
  } catch (error) {
    if (!(error instanceof ForeignSessionError)) throw error;
    return { ...base, running: false, health: 'session-dead', sessionExists: true, conflict: error.problem };
  }
  if (!own) return { ...base, running: false, health: 'session-dead', sessionExists: false };
  const row = own.agent ?? own.rows[0]!;
  let ended: { deadStatus?: number | undefined; deadSignal?: number | undefined } = { deadStatus: row.paneDeadStatus, deadSignal: row.paneDeadSignal };
  if (row.paneDead && ended.deadStatus === undefined && ended.deadSignal === undefined) {
    ended = await awaitExitStatus(tmux, row.paneId, await tmux.paneInfo(row.paneId), undefined).catch(() => ended);
  }
  const running = own.agent !== undefined && agentAlive(row);
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
    ...(own.agent !== undefined && row.run !== undefined
      ? await activityNow(tmux, location.townRoot, address, row, running, { status: ended.deadStatus, signal: ended.deadSignal }, options.replay ?? true)
      : {}),
  };
}

async function activityNow(
  tmux: Tmux,
  townRoot: string,
  address: PolecatAddress,
  row: SessionRow & { run: string },
  running: boolean,
  ended: { status: number | undefined; signal: number | undefined },
  replay: boolean,
): Promise<Pick<PolecatStatus, 'activity' | 'run' | 'screen'>> {
  const screen = running ? await seenOnScreen(tmux, row.paneId, townRoot, address.rig, row.agentName) : undefined;
  return {
    ...(replay ? { activity: activityOf(townRoot, address, row.run, (row.created ?? 0) * 1000, running, ended, screen) } : {}),
    run: row.run,
    ...(screen ? { screen } : {}),
  };
}

/** What the agent's screen says of its activity, read with its preset's screen reader and words. */
async function seenOnScreen(tmux: Tmux, paneId: string, townRoot: string, rig: string, agentName: string): Promise<Evidence['screen']> {
  const preset = findAgent(loadAgents(townRoot, rig), agentName);
  if (!preset) return undefined;
  const at = Date.now();
  const screen = await tmux.capturePane(paneId).catch(() => undefined);
  if (screen === undefined) return undefined;
  const spec = { promptPrefix: preset.readyPromptPrefix, readyMarkers: preset.readyMarkers, busyMarkers: preset.busyMarkers };
  const seen = screenActivity(screen, spec, preset.activityWords);
  return seen === undefined ? undefined : { seen, at };
}

/** The agent's activity: its hooks' lines of this run, and (once it has ended) how it ended. */
function activityOf(
  townRoot: string,
  address: PolecatAddress,
  run: string,
  startedAt: number,
  running: boolean,
  ended: { status: number | undefined; signal: number | undefined },
  screen?: Evidence['screen'],
): Activity {
  const { lines } = readEvents(eventFilePath(townRoot, address.rig, address.name), run);
  return replayActivity({
    startedAt,
    lines,
    ...(screen ? { screen } : {}),
    ...(running ? {} : { exited: paneExit(Date.now(), ended.status, ended.signal) }),
  });
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
  const agent = (await ownSession(tmux, { ...address, ...location }, 'read it'))?.agent;
  if (!agent) return undefined;
  try {
    const text = await tmux.capturePane(agent.paneId, { scrollback });
    return { polecat: `${address.rig}/${address.name}`, session: location.sessionName, pane: agent.paneId, text };
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
  readonly agentPid?: number;
  readonly agentCommand: string;
  readonly agentExitStatus?: number;
  readonly agentExitSignal?: number;
  readonly created?: string;
  /** The pane's last output or input. */
  readonly lastActivity?: string;
  readonly attached: boolean;
  /** What the agent is doing (absent for a session polecat did not start). */
  readonly activity?: Activity;
  /** The run that started the agent. */
  readonly run?: string;
  /** What was said of it (up or down) and since when; with its supervision when up. */
  readonly want?: { readonly want: DesiredState['want']; readonly since: string };
  readonly supervision?: SupervisionView;
  /** Without a session now: up (in a backoff, quarantined, or not yet started by the supervisor), or listed with --all. */
  readonly absent?: boolean;
  /** With --all, for a polecat of a rig made from a repository: its worktree's branch, ahead, behind and dirty. */
  readonly worktree?: WorktreeView;
}

/** A polecat listed without a session: nothing runs, nothing is attached. */
export function absentPolecat(townRoot: string, address: PolecatAddress): ListedPolecat {
  const { rig, name } = address;
  return { polecat: `${rig}/${name}`, rig, name, session: sessionName(townRoot, address), agent: '', running: false, agentCommand: '', attached: false, absent: true };
}

/** The town's polecats, from one tmux call: the agent pane of every session carrying this town's polecat options. */
export async function list(
  rig: string | undefined,
  /** said: false leaves out what was said of the polecats (up, down, supervision): the sessions only, as the supervisor reads them. */
  options: LocateOptions & ActivityOptions & { deps?: StepDeps; said?: boolean } = {},
): Promise<{ socket: string; polecats: ListedPolecat[] }> {
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
      ...(r.panePid !== undefined ? { agentPid: r.panePid } : {}),
      agentCommand: r.currentCommand,
      ...exitOf(r),
      ...(localTime(r.created) ? { created: localTime(r.created)! } : {}),
      ...(localTime(r.activity) ? { lastActivity: localTime(r.activity)! } : {}),
      attached: (r.attached ?? 0) > 0,
      ...(r.run !== undefined ? { run: r.run } : {}),
      ...(r.run !== undefined && (options.replay ?? true)
        ? { activity: activityOf(townRoot, { rig: r.rig, name: r.polecat }, r.run, (r.created ?? 0) * 1000, agentAlive(r), { status: r.paneDeadStatus, signal: r.paneDeadSignal }) }
        : {}),
    }));
  if (options.said === false) return { socket, polecats: polecats.sort((a, b) => a.polecat.localeCompare(b.polecat)) };
  // What was said of them: a polecat up and not running is listed too, with what its supervision is doing about it.
  const desired = new Map(listDesired(townRoot, rig).map((d) => [`${d.rig}/${d.name}`, d]));
  const records = desired.size > 0 ? listSupervision(townRoot, rig) : new Map();
  const said = (p: { polecat: string }) => {
    const want = desired.get(p.polecat);
    return want ? { want: { want: want.want, since: want.since }, ...supervisionOf(records.get(p.polecat), want) } : {};
  };
  const shown = new Set(polecats.map((p) => p.polecat));
  const absent: ListedPolecat[] = [...desired.values()]
    .filter((d) => d.want === 'up' && !shown.has(`${d.rig}/${d.name}`))
    .map((d) => absentPolecat(townRoot, d));
  return { socket, polecats: [...polecats, ...absent].map((p) => ({ ...p, ...said(p) })).sort((a, b) => a.polecat.localeCompare(b.polecat)) };
}
