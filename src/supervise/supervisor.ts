/**
 * The town's supervisor: one per town (a lock), keeping every polecat that is `up` running. Each pass reads what was
 * said of the polecats and, in one tmux call, which run; each polecat up has a live supervision machine
 * (superviseOne), sent DIED when its agent is gone, DOWN when it is put down, UP when it is put up again after a
 * quarantine. Passes run when an event file or a desired-state file changes (SUPERVISOR_PASS_MS). Each supervision's
 * state is kept in its file (supervision-file.ts) as it changes, and the next supervisor carries on from it. Ending,
 * it lets any restart in progress finish and leaves every polecat as it is.
 */
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Actor, InspectionEvent } from 'xstate';
import type { DeathReason, supervisionMachine, SupervisionPolicy } from '../../machines/supervision.js';
import { eventFilePath, eventsDir } from '../activity/event-file.js';
import { LiveActivity } from '../activity/live.js';
import { lookOf } from '../api/wait.js';
import { list, status, type ListedPolecat } from '../api/queries.js';
import { isInterruptedStart } from '../api/start.js';
import { stop } from '../api/stop.js';
import { planStop } from '../plan.js';
import { makeDirectory } from '../files/directory.js';
import { readProcess } from '../proc/process-tree.js';
import { acquireLockAt, type PolecatLock } from '../runs/lock.js';
import { currentProcess } from '../runs/owner.js';
import { pruneRuns, retentionPolicy } from '../runs/retention.js';
import { listOpenRuns } from '../runs/store.js';
import type { StepDeps } from '../steps/deps.js';
import { desiredDir, listDesired, type DesiredState } from './desired.js';
import { hungPolicy, supervisionPolicy, type HungPolicy } from './policy.js';
import { ActivityNotices } from './activity-notices.js';
import { notifyPolicy, Notifier, type NoticeKind } from './notify.js';
import { superviseOne } from './supervise-one.js';
import { NOTES_KEPT, readSupervision, recordOf, restoredFrom, SupervisionWriter, type SupervisionNote } from './supervision-file.js';

/**
 * Passes come when something changes: an agent process the last pass saw is gone or a zombie (looked for every
 * AGENT_LOOK_MS: tmux 3.3 can take most of a second to see a killed agent, and then does not always fire its
 * pane-died hook), an event file changes (the agents' own hooks: SessionEnd), or a desired-state file does (`up`,
 * `down`). This timer is only the fallback, for what none of those tells (hangs coming on, a session made with tmux
 * itself, a watch that failed).
 */
export const SUPERVISOR_PASS_MS = 5_000;
/**
 * How often the agents seen running at the last pass are looked for in /proc (one small read each, no tmux): a
 * death, however it came, wakes a pass within this.
 */
export const AGENT_LOOK_MS = 200;
/** How often `--once` looks again while what it began finishes. */
const ONCE_LOOK_MS = 250;
/** `--once` waits out a backoff that ends within this; a longer one is left, its time kept, for the next pass. */
export const ONCE_WAIT_MS = 10_000;
/** The supervisor prunes the town's runs (settings' runs.keep / keep_days) after a restart, at most this often. */
const PRUNE_EVERY_MS = 60_000;

export interface SupervisorOptions {
  readonly townRoot: string;
  readonly rig?: string;
  readonly socket?: string;
  readonly policy?: SupervisionPolicy;
  readonly deps?: StepDeps;
  /** One line per action. */
  readonly log: (line: string) => void;
  /** The Stately inspector's observer: every supervision, its restarts and their steps. */
  readonly inspect?: (event: InspectionEvent) => void;
}

interface Supervised {
  readonly actor: Actor<typeof supervisionMachine>;
  /** When `up` was last said: said again, a quarantined polecat is released. */
  since: string;
  /** When the backoff being waited ends. */
  backoffUntil?: number;
  hungSince?: number;
  /** The pane's last activity at which the agent was last judged not hung, and whether a judging runs now. */
  quietJudged?: string;
  judging?: boolean;
  readonly hung: HungPolicy;
  readonly notes: SupervisionNote[];
  /** Followed only when the settings name a notification command for activity (waiting, errored, exited). */
  readonly activity?: { readonly live: LiveActivity; readonly notices: ActivityNotices };
}

const DEATH_WORDS: Record<DeathReason, string> = { 'agent-exited': 'agent exited', 'agent-dead': 'agent gone', 'session-dead': 'session gone', 'agent-hung': 'hung' };

const ACTIVITY_NOTICES: readonly NoticeKind[] = ['waiting', 'errored', 'exited'];

export function supervisorLockPath(townRoot: string): string {
  return join(townRoot, '.runtime', 'polecat', 'supervisor.lock');
}

const RESTING = new Set(['watching', 'quarantined', 'down']);
/** What a supervisor ending waits for: work begun on the polecat that must not be left half done. */
const BUSY = new Set(['restarting', 'settling']);

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Each polecat's interrupted starts, from one read of the town's open runs. */
function interruptedByPolecat(townRoot: string): Map<string, string[]> {
  const byPolecat = new Map<string, string[]>();
  for (const run of listOpenRuns(townRoot).filter(isInterruptedStart)) {
    const key = `${run.record.rig}/${run.record.name}`;
    byPolecat.set(key, [...(byPolecat.get(key) ?? []), run.record.runId]);
  }
  return byPolecat;
}

export class Supervisor {
  private readonly polecats = new Map<string, Supervised>();
  private passing: Promise<void> = Promise.resolve();
  private readonly writer: SupervisionWriter;
  private readonly me = currentProcess();
  private prunedAt = 0;
  private readonly notifier: Notifier;
  /** Put down, still finishing a restart's rollback or a settling. */
  private readonly draining = new Map<string, Supervised>();
  /** Hang checks running beside the passes. */
  private readonly background = new Set<Promise<void>>();
  /** Lines said once. */
  private readonly said = new Set<string>();
  /** The agents the last pass saw running, looked for between passes (with their start time, once looked at). */
  private agentPids = new Map<number, number | undefined>();
  /** Asks for a pass (while run() runs). */
  private wakeUp: () => void = () => undefined;

  private constructor(
    private readonly options: SupervisorOptions,
    private readonly lock: PolecatLock,
  ) {
    this.writer = new SupervisionWriter(options.townRoot, (error) => options.log(`supervision file not written: ${error.message}`));
    this.notifier = new Notifier({ log: options.log });
  }

  /** Refused (LockHeldError, naming the pid) while another supervisor of the town runs. */
  static take(options: SupervisorOptions): Supervisor {
    return new Supervisor(options, acquireLockAt(supervisorLockPath(options.townRoot), `supervisor-${process.pid}`, 'supervise', `the supervisor of town ${options.townRoot}`));
  }

  /** Passes until the signal; then waits for restarts in progress and lets go of the lock. */
  async run(signal: AbortSignal): Promise<void> {
    // One pass at a time; wakes during one make one more after it, never a queue of them.
    let again = false;
    const wake = () => {
      if (again) return;
      again = true;
      this.passing = this.passing
        .then(() => {
          again = false;
          return this.pass();
        })
        .catch((error: unknown) => this.options.log(`pass failed: ${messageOf(error)}`));
    };
    this.wakeUp = wake;
    const watchers: FSWatcher[] = [];
    for (const dir of [eventsDir(this.options.townRoot), desiredDir(this.options.townRoot)]) {
      try {
        // Made if missing: a watch begun now sees the first agent's events and its pane's death, and the first up.
        makeDirectory(dir);
        const watcher = watch(dir, { recursive: true, persistent: false }, wake);
        watcher.on('error', (error) => {
          this.options.log(`watching ${dir} failed (${error.message}): passes go on every ${SUPERVISOR_PASS_MS / 1000} s`);
          watcher.close();
        });
        watchers.push(watcher);
      } catch (error) {
        this.options.log(`cannot watch ${dir} (${messageOf(error)}): passes go on every ${SUPERVISOR_PASS_MS / 1000} s`);
      }
    }
    const timer = setInterval(wake, SUPERVISOR_PASS_MS);
    const looks = setInterval(() => {
      for (const [pid, startTime] of this.agentPids) {
        // A zombie counts as gone (tmux can take a while to reap it), and so does a new process given its pid.
        const now = readProcess(pid);
        if (now && (startTime === undefined || now.startTime === startTime)) {
          if (startTime === undefined) this.agentPids.set(pid, now.startTime);
          continue;
        }
        this.agentPids.clear();
        wake();
        return;
      }
    }, AGENT_LOOK_MS);
    wake();
    try {
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      clearInterval(timer);
      clearInterval(looks);
      for (const watcher of watchers) watcher.close();
      await this.passing;
      await this.end();
    }
  }

  /**
   * One pass, for cron: what is due is done (interrupted starts settled, dead agents restarted after a backoff that
   * ends within ONCE_WAIT_MS) and waited for; then it ends, a longer backoff kept in the file for the next pass.
   */
  async once(signal: AbortSignal): Promise<void> {
    try {
      for (;;) {
        await this.pass();
        if (signal.aborted || this.settled()) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ONCE_LOOK_MS);
          signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
      }
    } finally {
      await this.end();
    }
  }

  /** Nothing more for this pass to do: every supervision watching, quarantined, down, or in a long backoff. */
  private settled(): boolean {
    const now = Date.now();
    return [...this.polecats.values()].every((s) => {
      const value = String(s.actor.getSnapshot().value);
      return RESTING.has(value) || (value === 'backoff' && (s.backoffUntil ?? now) - now > ONCE_WAIT_MS);
    });
  }

  /** One look at every polecat, and what each supervision is told. */
  async pass(): Promise<void> {
    const { townRoot, rig } = this.options;
    const desired = listDesired(townRoot, rig, (error) => this.sayOnce(`skipped: ${error.message}`));
    // Each supervision's state when tmux was asked: one that changed meanwhile (a restart ending) is told nothing
    // from that look, which may be older than what it knows.
    const before = new Map([...this.polecats].map(([key, entry]) => [key, String(entry.actor.getSnapshot().value)]));
    const rows = new Map((await list(rig, { town: townRoot, ...this.socket(), replay: false, said: false })).polecats.map((p) => [p.polecat, p]));
    this.agentPids = new Map([...rows.values()].flatMap((row) => (row.running && row.agentPid !== undefined ? [[row.agentPid, undefined] as const] : [])));
    const now = Date.now();
    const said = new Set(desired.map((d) => `${d.rig}/${d.name}`));
    let interrupted: Map<string, string[]> | undefined;
    for (const state of desired) {
      const key = `${state.rig}/${state.name}`;
      try {
        const supervised = this.polecats.get(key);
        if (state.want === 'down') {
          if (supervised) this.putDown(key, supervised, now);
          continue;
        }
        // Put down and up again while its last supervision still rolls back: the next begins once that one is over.
        if (!supervised && this.draining.has(key)) continue;
        const row = rows.get(key);
        if (!supervised) {
          interrupted ??= interruptedByPolecat(townRoot);
          this.supervise(state, row, now, interrupted.get(key) ?? []);
          continue;
        }
        this.tell(key, supervised, state, row, before.get(key), now);
      } catch (error) {
        // One polecat's settings or files cannot stop the others' supervision.
        this.sayOnce(`${key}: not supervised: ${messageOf(error)}`);
      }
    }
    // Said of no more (its desired-state file removed): no longer supervised.
    for (const [key, supervised] of this.polecats) if (!said.has(key)) this.putDown(key, supervised, now);
  }

  /** What one supervision is told of this look at its polecat. */
  private tell(key: string, entry: Supervised, state: DesiredState, row: ListedPolecat | undefined, before: string | undefined, now: number): void {
    const value = String(entry.actor.getSnapshot().value);
    if (value !== before) return;
    if (value === 'quarantined' && state.since !== entry.since) {
      this.note(key, entry, 'up again: released from quarantine');
      entry.actor.send({ type: 'UP', at: now });
    } else if (value === 'watching' && !row?.running) {
      if (row) this.lookAtActivity(key, entry, row, now);
      // Ended with a status: it exited by itself; killed by a signal, or gone without one known: it died.
      const reason: DeathReason = !row ? 'session-dead' : row.agentExitStatus !== undefined ? 'agent-exited' : 'agent-dead';
      this.note(
        key,
        entry,
        `${row ? `agent gone${row.agentExitStatus !== undefined ? ` (exit ${row.agentExitStatus})` : row.agentExitSignal !== undefined ? ` (signal ${row.agentExitSignal})` : ''}` : 'not running'}: restarting`,
      );
      entry.hungSince = undefined;
      entry.actor.send({
        type: 'DIED',
        at: now,
        reason,
        ...(row?.agentExitStatus !== undefined ? { exitStatus: row.agentExitStatus } : {}),
        ...(row?.agentExitSignal !== undefined ? { signal: `signal ${row.agentExitSignal}` } : {}),
      });
    } else if (value === 'watching' && row) {
      this.lookAtActivity(key, entry, row, now);
      this.lookForHang(key, entry, row, state, now);
    }
    entry.since = state.since;
  }

  /** A line said once, not at every pass (a damaged file, a setting that cannot be read). */
  private sayOnce(line: string): void {
    if (this.said.has(line)) return;
    this.said.add(line);
    this.options.log(line);
  }

  private socket(): { socket?: string } {
    return this.options.socket ? { socket: this.options.socket } : {};
  }

  /**
   * An agent busy with no pane activity past the hung threshold is reported once; stopped to be restarted only when
   * the settings ask for it (`supervision.restart_hung`).
   */
  private lookForHang(key: string, entry: Supervised, row: ListedPolecat, state: DesiredState, now: number): void {
    const policy = entry.hung;
    const quietSince = row.lastActivity !== undefined ? Date.parse(row.lastActivity) : NaN;
    if (!Number.isFinite(quietSince) || now - quietSince < policy.hungAfterMs) {
      if (entry.hungSince !== undefined) this.note(key, entry, 'no longer hung');
      entry.hungSince = undefined;
      return;
    }
    // Already judged at this quiet (hung, or idle: an idle agent waiting for work is quiet too), or being judged.
    if (entry.hungSince !== undefined || entry.quietJudged === row.lastActivity || entry.judging) return;
    entry.judging = true;
    const judged = this.judgeHang(key, entry, row, state, quietSince).finally(() => {
      entry.judging = false;
      entry.quietJudged = row.lastActivity;
      this.background.delete(judged);
    });
    this.background.add(judged);
  }

  /** Off the pass (a status and maybe a stop take seconds): only a busy agent counts as hung. */
  private async judgeHang(key: string, entry: Supervised, row: ListedPolecat, state: DesiredState, quietSince: number): Promise<void> {
    const policy = entry.hung;
    const now = Date.now();
    let seen;
    try {
      seen = await status({ rig: state.rig, name: state.name }, { town: this.options.townRoot, ...this.socket(), ...(this.options.deps ? { deps: this.options.deps } : {}) });
    } catch (error) {
      this.options.log(`${key}: cannot tell whether it hung: ${messageOf(error)}`);
      return;
    }
    if (seen.activity?.state !== 'busy' || seen.run !== row.run) return;
    entry.hungSince = quietSince;
    const quiet = now - quietSince < 120_000 ? `${Math.round((now - quietSince) / 1000)} s` : `${Math.round((now - quietSince) / 60_000)} min`;
    if (!policy.restartHung) {
      this.note(key, entry, `hung: busy with no pane activity for ${quiet} (supervision.restart_hung is off: left running)`);
      return;
    }
    this.note(key, entry, `hung: busy with no pane activity for ${quiet}: stopping it to restart it`);
    try {
      await stop(planStop({ rig: state.rig, name: state.name }, { town: this.options.townRoot, ...this.socket() }), this.options.deps ? { deps: this.options.deps } : {});
      if (String(entry.actor.getSnapshot().value) === 'watching') entry.actor.send({ type: 'DIED', at: Date.now(), reason: 'agent-hung' });
    } catch (error) {
      this.note(key, entry, `hung agent could not be stopped: ${messageOf(error)}`);
    }
  }

  /** What the agent is doing, for the notifications the settings ask for: each state entered told once. */
  private lookAtActivity(key: string, entry: Supervised, row: ListedPolecat, now: number): void {
    const look = entry.activity ? lookOf(row, now) : undefined;
    if (!entry.activity || !look) return;
    const notice = entry.activity.notices.see(entry.activity.live.look(look), look.run);
    if (notice) this.notify(key, notice.kind, notice.reason, look.run, notice.at);
  }

  private notify(key: string, kind: NoticeKind, reason: string, run: string | undefined, at = Date.now()): void {
    const [rig, name] = key.split('/') as [string, string];
    this.notifier.fire({ kind, rig, name, townRoot: this.options.townRoot, reason, at, ...(run !== undefined ? { run } : {}) });
  }

  private note(key: string, entry: Supervised, what: string, run?: string): void {
    this.options.log(`${key}: ${what}`);
    entry.notes.push({ at: new Date().toISOString(), what, ...(run !== undefined ? { run } : {}) });
    if (entry.notes.length > NOTES_KEPT) entry.notes.splice(0, entry.notes.length - NOTES_KEPT);
    this.keep(entry);
  }

  private keep(entry: Supervised): void {
    const snapshot = entry.actor.getSnapshot();
    this.writer.write(
      recordOf(this.me, String(snapshot.value), snapshot.context, {
        ...(entry.backoffUntil !== undefined ? { backoffUntil: entry.backoffUntil } : {}),
        ...(entry.hungSince !== undefined ? { hungSince: entry.hungSince } : {}),
        notes: entry.notes,
      }),
    );
  }

  private supervise(state: DesiredState, row: ListedPolecat | undefined, now: number, interrupted: readonly string[]): Supervised {
    const key = `${state.rig}/${state.name}`;
    // Read first: a setting that cannot be read leaves the polecat unsupervised, said, before anything is made.
    const policy = this.options.policy ?? supervisionPolicy(this.options.townRoot, state.rig);
    const hung = hungPolicy(this.options.townRoot, state.rig);
    const notifying = notifyPolicy(this.options.townRoot, state.rig);
    const previous = readSupervision(this.options.townRoot, state);
    // Put up again since the record was written: what it counted is over.
    const carried = previous && Date.parse(previous.updatedAt) >= Date.parse(state.since) ? previous : undefined;
    // Made once the actor is: its callbacks run only after it starts.
    let entry!: Supervised;
    const noteRestart = (what: string, run: string) => this.note(key, entry, what, run);
    const actor = superviseOne(
      { rig: state.rig, name: state.name, townRoot: this.options.townRoot },
      {
        upSince: row?.created !== undefined ? Date.parse(row.created) : now,
        ...(row?.run !== undefined ? { run: row.run } : previous?.run !== undefined ? { run: previous.run } : {}),
        ...(carried ? { restored: restoredFrom(carried, now) } : {}),
        policy,
        interrupted,
        ...(this.options.deps ? { deps: this.options.deps } : {}),
        ...(this.options.socket ? { locate: this.socket() } : {}),
        ...(this.options.inspect ? { inspect: this.options.inspect } : {}),
        onSettled: (settled) => {
          for (const { run, how } of settled.runs) noteRestart(`interrupted start ${how}: run ${run}`, run);
        },
        onRestart: (plan) => noteRestart(`restart begun: run ${plan.runId}${plan.follows ? ` after ${plan.follows}` : ''}${plan.resumes ? `, resuming session ${plan.resumes}` : ''}`, plan.runId),
        onRestarted: (plan, output) => {
          noteRestart(
            `run ${plan.runId} ${output instanceof Error ? `could not run: ${output.message}` : output.result === 'running' ? 'running' : `${output.result}${output.failure ? ` at ${output.failure.step}: ${output.failure.message}` : ''}`}`,
            plan.runId,
          );
          if (!(output instanceof Error) && output.result === 'running') {
            const death = actor.getSnapshot().context.lastDeath;
            const why = death ? (death.exitStatus !== undefined ? `exit ${death.exitStatus}` : (death.signal ?? DEATH_WORDS[death.reason])) : 'not running';
            this.notify(key, 'restarted', why, plan.runId);
          }
          this.pruneNow();
        },
      },
    );
    entry = {
      actor,
      since: state.since,
      hung,
      notes: [...(previous?.notes ?? [])],
      ...(notifying && ACTIVITY_NOTICES.some((kind) => notifying.events.has(kind))
        ? { activity: { live: new LiveActivity(eventFilePath(this.options.townRoot, state.rig, state.name)), notices: new ActivityNotices() } }
        : {}),
    };
    let was = '';
    actor.subscribe((snapshot) => {
      const value = String(snapshot.value);
      if (value === was) return;
      // A restarted agent is looked for in /proc only once a pass has seen it: else its death waits for the fallback.
      if (was === 'restarting' && value === 'watching') this.wakeUp();
      was = value;
      if (value === 'backoff') {
        const wait = snapshot.context.backoffLeftMs ?? snapshot.context.backoffMs;
        entry.backoffUntil = Date.now() + wait;
        this.note(key, entry, `backoff ${Math.round(wait / 100) / 10} s`);
        return;
      }
      entry.backoffUntil = undefined;
      if (value === 'quarantined' && carried?.quarantined && snapshot.context.quarantined?.why === carried.quarantined.why) {
        // Quarantined by an earlier supervisor: already said and told.
        this.keep(entry);
        return;
      }
      if (value === 'quarantined') {
        this.note(key, entry, `quarantined: ${snapshot.context.quarantined?.why ?? ''} (polecat up ${key} to try again)`);
        this.notify(key, 'quarantined', snapshot.context.quarantined?.why ?? '', snapshot.context.run);
        return;
      }
      this.keep(entry);
    });
    actor.start();
    this.polecats.set(key, entry);
    // Its activity as it is now: what it does from here on is what is told.
    if (row) this.lookAtActivity(key, entry, row, now);
    this.options.log(`${key}: supervised${carried ? ` (carrying on: ${carried.restarts.length} restarts in the window${carried.state === 'quarantined' ? ', quarantined' : ''})` : ''}`);
    return entry;
  }

  private putDown(key: string, supervised: Supervised, now: number): void {
    supervised.actor.send({ type: 'DOWN', at: now });
    supervised.activity?.live.stop();
    this.polecats.delete(key);
    this.note(key, supervised, 'down: no longer supervised');
    // A restart being cancelled, or a settling, ends in its own time: until then it is still this supervisor's.
    if (supervised.actor.getSnapshot().status !== 'active') return;
    this.draining.set(key, supervised);
    const sub = supervised.actor.subscribe({
      next: (snapshot) => {
        if (snapshot.status === 'active') return;
        sub.unsubscribe();
        this.draining.delete(key);
      },
    });
  }

  /** The town's runs past what its settings keep, pruned as restarts add to them; a failure only logged. */
  private pruneNow(): void {
    const now = Date.now();
    if (now - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = now;
    try {
      const { pruned } = pruneRuns(this.options.townRoot, retentionPolicy(this.options.townRoot), { now });
      if (pruned.length > 0) this.options.log(`pruned ${pruned.length} old run${pruned.length === 1 ? '' : 's'} (settings runs.keep / runs.keep_days)`);
    } catch (error) {
      this.options.log(`runs not pruned: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * Restarts and settlings in progress finish (never left half done), and so do supervisions put down that are still
   * cancelling theirs; every other supervision stops at once (a backoff or a planning cut short: nothing was begun).
   * Then the polecats are left as they are.
   */
  private async end(): Promise<void> {
    const finishing = (entry: Supervised) => entry.actor.getSnapshot().status === 'active' && BUSY.has(String(entry.actor.getSnapshot().value));
    const stopNow = (entry: Supervised) => {
      entry.actor.stop();
      entry.activity?.live.stop();
    };
    for (const [key, entry] of this.polecats) {
      if (finishing(entry)) this.options.log(`${key}: letting its ${String(entry.actor.getSnapshot().value)} finish`);
      else stopNow(entry);
    }
    const waits = [...this.polecats.values(), ...this.draining.values()].filter(finishing).map(
      (entry) =>
        new Promise<void>((resolve) => {
          const sub = entry.actor.subscribe({
            next: (snapshot) => {
              if (snapshot.status === 'active' && BUSY.has(String(snapshot.value))) return;
              sub.unsubscribe();
              stopNow(entry);
              resolve();
            },
            error: () => resolve(),
            complete: () => resolve(),
          });
        }),
    );
    await Promise.all([...waits, ...this.background]);
    this.polecats.clear();
    this.draining.clear();
    await Promise.all([this.writer.flushed(), this.notifier.settled()]);
    this.lock.release();
  }
}
