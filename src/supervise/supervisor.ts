/**
 * The town's supervisor: one per town (a lock), keeping every polecat that is `up` running. Each pass reads what was
 * said of the polecats and, in one tmux call, which run; each polecat up has a live supervision machine
 * (superviseOne), sent DIED when its agent is gone, DOWN when it is put down, UP when it is put up again after a
 * quarantine. Passes run every second and whenever an event file changes (an agent's SessionEnd). Ending, it lets
 * any restart in progress finish and leaves every polecat as it is.
 */
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Actor } from 'xstate';
import type { supervisionMachine, SupervisionPolicy } from '../../machines/supervision.js';
import { eventsDir } from '../activity/event-file.js';
import { list } from '../api/queries.js';
import { acquireLockAt, type PolecatLock } from '../runs/lock.js';
import type { StepDeps } from '../steps/deps.js';
import { listDesired, type DesiredState } from './desired.js';
import { supervisionPolicy } from './policy.js';
import { superviseOne } from './supervise-one.js';

export const SUPERVISOR_PASS_MS = 1_000;

export interface SupervisorOptions {
  readonly townRoot: string;
  readonly rig?: string;
  readonly socket?: string;
  readonly policy?: SupervisionPolicy;
  readonly deps?: StepDeps;
  /** One line per action. */
  readonly log: (line: string) => void;
}

interface Supervised {
  readonly actor: Actor<typeof supervisionMachine>;
  /** When `up` was last said: said again, a quarantined polecat is released. */
  since: string;
}

export function supervisorLockPath(townRoot: string): string {
  return join(townRoot, '.runtime', 'polecat', 'supervisor.lock');
}

export class Supervisor {
  private readonly polecats = new Map<string, Supervised>();
  private passing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly options: SupervisorOptions,
    private readonly lock: PolecatLock,
  ) {}

  /** Refused (LockHeldError, naming the pid) while another supervisor of the town runs. */
  static take(options: SupervisorOptions): Supervisor {
    return new Supervisor(options, acquireLockAt(supervisorLockPath(options.townRoot), `supervisor-${process.pid}`, 'supervise', `the supervisor of town ${options.townRoot}`));
  }

  /** Passes until the signal; then waits for restarts in progress and lets go of the lock. */
  async run(signal: AbortSignal): Promise<void> {
    const wake = () => {
      this.passing = this.passing.then(() => this.pass()).catch((error: unknown) => this.options.log(`pass failed: ${error instanceof Error ? error.message : String(error)}`));
    };
    let watcher: FSWatcher | undefined;
    try {
      watcher = watch(eventsDir(this.options.townRoot), { recursive: true, persistent: false }, wake);
    } catch {
      // no event file yet: the timer passes
    }
    const timer = setInterval(wake, SUPERVISOR_PASS_MS);
    wake();
    try {
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      clearInterval(timer);
      watcher?.close();
      await this.passing;
      await this.end();
    }
  }

  /** One look at every polecat, and what each supervision is told. */
  async pass(): Promise<void> {
    const { townRoot, rig } = this.options;
    const desired = listDesired(townRoot, rig, (error) => this.options.log(`skipped: ${error.message}`));
    const rows = new Map((await list(rig, { town: townRoot, ...(this.options.socket ? { socket: this.options.socket } : {}), replay: false })).polecats.map((p) => [p.polecat, p]));
    const now = Date.now();
    const up = new Set<string>();
    for (const state of desired) {
      const key = `${state.rig}/${state.name}`;
      const supervised = this.polecats.get(key);
      if (state.want === 'down') {
        if (supervised) this.putDown(key, supervised, now);
        continue;
      }
      up.add(key);
      const row = rows.get(key);
      const entry = supervised ?? this.supervise(state, row?.run, row?.created !== undefined ? Date.parse(row.created) : now);
      const value = String(entry.actor.getSnapshot().value);
      if (value === 'quarantined' && state.since !== entry.since) {
        this.options.log(`${key}: up again: released from quarantine`);
        entry.actor.send({ type: 'UP', at: now });
      } else if (value === 'watching' && !row?.running) {
        const reason = row ? 'agent-dead' : 'session-dead';
        this.options.log(`${key}: ${row ? `agent gone${row.agentExitStatus !== undefined ? ` (exit ${row.agentExitStatus})` : row.agentExitSignal !== undefined ? ` (signal ${row.agentExitSignal})` : ''}` : 'not running'}: restarting`);
        entry.actor.send({
          type: 'DIED',
          at: now,
          reason,
          ...(row?.agentExitStatus !== undefined ? { exitStatus: row.agentExitStatus } : {}),
          ...(row?.agentExitSignal !== undefined ? { signal: `signal ${row.agentExitSignal}` } : {}),
        });
      }
      entry.since = state.since;
    }
    // Said of no more (its desired-state file removed): no longer supervised.
    for (const [key, supervised] of this.polecats) if (!up.has(key) && !desired.some((d) => `${d.rig}/${d.name}` === key)) this.putDown(key, supervised, now);
  }

  private supervise(state: DesiredState, run: string | undefined, upSince: number): Supervised {
    const key = `${state.rig}/${state.name}`;
    const { log } = this.options;
    const actor = superviseOne(
      { rig: state.rig, name: state.name, townRoot: this.options.townRoot },
      {
        upSince,
        ...(run !== undefined ? { run } : {}),
        policy: this.options.policy ?? supervisionPolicy(this.options.townRoot, state.rig),
        ...(this.options.deps ? { deps: this.options.deps } : {}),
        ...(this.options.socket ? { locate: { socket: this.options.socket } } : {}),
        onRestart: (plan) => log(`${key}: restart begun: run ${plan.runId}${plan.follows ? ` after ${plan.follows}` : ''}`),
        onRestarted: (plan, output) =>
          log(
            `${key}: run ${plan.runId} ${output instanceof Error ? `could not run: ${output.message}` : output.result === 'running' ? 'running' : `${output.result}${output.failure ? ` at ${output.failure.step}: ${output.failure.message}` : ''}`}`,
          ),
      },
    );
    let was = 'watching';
    actor.subscribe((snapshot) => {
      const value = String(snapshot.value);
      if (value === was) return;
      if (value === 'backoff') log(`${key}: backoff ${Math.round(snapshot.context.backoffMs / 100) / 10} s`);
      if (value === 'quarantined') log(`${key}: quarantined: ${snapshot.context.quarantined?.why ?? ''} (polecat up ${key} to try again)`);
      was = value;
    });
    actor.start();
    const supervised = { actor, since: state.since };
    this.polecats.set(key, supervised);
    this.options.log(`${key}: supervised`);
    return supervised;
  }

  private putDown(key: string, supervised: Supervised, now: number): void {
    supervised.actor.send({ type: 'DOWN', at: now });
    this.polecats.delete(key);
    this.options.log(`${key}: down: no longer supervised`);
  }

  /** Restarts in progress finish (never left half done); then every supervision stops, the polecats as they are. */
  private async end(): Promise<void> {
    const restarting = [...this.polecats].filter(([, s]) => String(s.actor.getSnapshot().value) === 'restarting');
    for (const [key] of restarting) this.options.log(`${key}: letting its restart finish`);
    await Promise.all(
      restarting.map(
        ([, s]) =>
          new Promise<void>((resolve) => {
            const sub = s.actor.subscribe((snapshot) => {
              if (String(snapshot.value) !== 'restarting') {
                sub.unsubscribe();
                resolve();
              }
            });
          }),
      ),
    );
    for (const supervised of this.polecats.values()) supervised.actor.stop();
    this.polecats.clear();
    this.lock.release();
  }
}
