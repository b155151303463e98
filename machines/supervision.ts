/**
 * Supervision of one polecat that should be running (`polecat up`): watching it, and on its agent's death a restart
 * after a backoff, the restart being the startup machine itself, invoked as a child (so one inspector view shows the
 * supervision, its restarts and each restart's steps). Too many restarts in a window quarantine the polecat until it
 * is put up again. DOWN (the polecat should no longer run) ends supervision from every state; during a restart it
 * cancels that start first, which rolls back.
 * Pure data: no I/O and no timers. The backoff is a step (`sleep`), the next start's plan another (`planRestart`:
 * reading the town's settings is I/O), and every event carries the time it happened.
 */
import { assign, sendTo, setup } from 'xstate';
import { stepSlot } from './shared.js';
import { startupMachine, type StartupInput, type StartupOutput } from './startup.js';

export const SUPERVISION_MACHINE_VERSION = 1;

/** How hard supervision tries (the town's or rig's settings; the defaults below). */
export interface SupervisionPolicy {
  /** The first backoff; each restart of an agent that did not stay up doubles it, up to backoffMaxMs. */
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  /** An agent up this long before it died starts again from backoffMinMs. */
  readonly stableAfterMs: number;
  /** More restarts than this within windowMs quarantine the polecat. */
  readonly maxRestarts: number;
  readonly windowMs: number;
}

export const DEFAULT_SUPERVISION_POLICY: SupervisionPolicy = {
  backoffMinMs: 1_000,
  backoffMaxMs: 5 * 60_000,
  stableAfterMs: 5 * 60_000,
  maxRestarts: 5,
  windowMs: 10 * 60_000,
};

export interface SupervisedPolecat {
  readonly rig: string;
  readonly name: string;
  readonly townRoot: string;
}

export interface SupervisionInput {
  readonly polecat: SupervisedPolecat;
  readonly policy: SupervisionPolicy;
  /** When the agent being watched started (or when watching began). */
  readonly upSince: number;
  /** Its current run, the one a restart follows. */
  readonly run?: string;
  /** What an earlier supervisor left of this polecat's supervision (its file): carried on, not begun again. */
  readonly restored?: RestoredSupervision;
}

export interface RestoredSupervision {
  readonly restarts: readonly number[];
  readonly backoffMs: number;
  /** It was waiting out a backoff: what is left of it (0: over, restart now). */
  readonly backoffLeftMs?: number;
  readonly lastFailure?: string;
  readonly quarantined?: { readonly at: number; readonly why: string };
}

/**
 * Why the agent is gone: its process ended (with its status or signal), or its pane or session did; or it hung and
 * was stopped to be restarted (only when the settings ask for that).
 */
export type DeathReason = 'agent-exited' | 'agent-dead' | 'session-dead' | 'agent-hung';

export type SupervisionEvent =
  | { readonly type: 'DIED'; readonly at: number; readonly reason: DeathReason; readonly exitStatus?: number; readonly signal?: string }
  | { readonly type: 'DOWN'; readonly at: number }
  | { readonly type: 'UP'; readonly at: number };

/** What planRestart gives: the next start's plan, made when the restart began. */
export interface RestartPlan {
  readonly plan: StartupInput;
  readonly at: number;
}

/** Or that no restart is needed: the polecat was found running (started meanwhile by someone else: `polecat up`). */
export interface FoundRunning {
  readonly alreadyRunning: { readonly run?: string };
  readonly at: number;
}

export type PlannedRestart = RestartPlan | FoundRunning;

/**
 * What settling found: the polecat's interrupted starts (a supervisor or a start killed part way), each resumed or,
 * when it could not be, rolled back; `running` when one of them got the agent running.
 */
export interface Settled {
  readonly runs: ReadonlyArray<{ readonly run: string; readonly how: 'resumed' | 'rolled back' | 'failed' }>;
  readonly running?: { readonly run: string };
  readonly at: number;
}

export interface PlanRestartInput {
  readonly polecat: SupervisedPolecat;
  /** The run the new one follows. */
  readonly previousRun?: string;
}

export interface SupervisionContext {
  readonly polecat: SupervisedPolecat;
  readonly policy: SupervisionPolicy;
  readonly upSince: number;
  readonly run?: string;
  /** When each restart began, within the window. */
  readonly restarts: readonly number[];
  /** The backoff before the next restart; 0 before the first. */
  readonly backoffMs: number;
  /** Restored in a backoff: the time left of it, waited instead of backoffMs once. */
  readonly backoffLeftMs?: number;
  readonly lastDeath?: Extract<SupervisionEvent, { type: 'DIED' }>;
  /** The restart in progress. */
  readonly next?: RestartPlan;
  /** How the last restart ended, when it did not run. */
  readonly lastFailure?: string;
  readonly quarantined?: { readonly at: number; readonly why: string };
  /** DOWN came during a restart: it was cancelled, and supervision ends once it has rolled back. */
  readonly downDuringRestart?: boolean;
  /** DOWN came while settling: supervision ends once the settling has. */
  readonly downAfterSettling?: boolean;
}

export interface SupervisionOutput {
  readonly restarts: number;
  readonly run?: string;
  /** A restart was in progress when the polecat was put down: it was cancelled (rolled back). */
  readonly cancelledRestart: boolean;
}

/** The restarts begun within the window that ends at `now`. */
function inWindow(context: SupervisionContext, now: number): number[] {
  return context.restarts.filter((at) => at > now - context.policy.windowMs);
}

/** The next backoff: the minimum again after an agent that stayed up, else double the last (at most the maximum). */
function nextBackoff(context: SupervisionContext, stayedUp: boolean): number {
  const { backoffMinMs, backoffMaxMs } = context.policy;
  if (stayedUp || context.backoffMs === 0) return backoffMinMs;
  return Math.min(backoffMaxMs, context.backoffMs * 2);
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export const supervisionMachine = setup({
  types: {
    input: {} as SupervisionInput,
    context: {} as SupervisionContext,
    events: {} as SupervisionEvent,
    output: {} as SupervisionOutput,
  },
  actors: {
    /** Waits the backoff out (resolves after `ms`). */
    sleep: stepSlot<void, { ms: number }>(),
    settle: stepSlot<Settled, { polecat: SupervisedPolecat }>(),
    planRestart: stepSlot<PlannedRestart, PlanRestartInput>(),
    restart: startupMachine,
  },
  guards: {
    /** Another restart would be more than the policy allows within its window. */
    crashLoop: ({ context }, params: { at: number }) => inWindow(context, params.at).length >= context.policy.maxRestarts,
    started: (_, params: { output: StartupOutput }) => params.output.result === 'running',
    downRequested: ({ context }) => context.downDuringRestart === true,
    downWhileSettling: ({ context }) => context.downAfterSettling === true,
    foundRunning: (_, params: { planned: PlannedRestart }) => 'alreadyRunning' in params.planned,
    settledRunning: (_, params: { settled: Settled }) => params.settled.running !== undefined,
    restoredQuarantine: ({ context }) => context.quarantined !== undefined,
    restoredBackoff: ({ context }) => context.backoffLeftMs !== undefined,
  },
  actions: {
    /** A death while watching, and the backoff for the restart to come. */
    keepDeath: assign(({ context }, params: { death: Extract<SupervisionEvent, { type: 'DIED' }> }) => ({
      lastDeath: params.death,
      backoffMs: nextBackoff(context, params.death.at - context.upSince >= context.policy.stableAfterMs),
    })),
    /** A restart that did not get the agent running counts as a crash: the backoff doubles. */
    keepFailedRestart: assign(({ context }, params: { output: StartupOutput }) => ({
      backoffMs: nextBackoff(context, false),
      lastFailure: `${params.output.result}${params.output.failure ? ` at ${params.output.failure.step}: ${params.output.failure.message}` : ''}`,
      next: undefined,
    })),
    keepBrokenRestart: assign(({ context }, params: { error: unknown }) => ({
      backoffMs: nextBackoff(context, false),
      lastFailure: `broke: ${messageOf(params.error)}`,
      next: undefined,
    })),
    beginRestart: assign(({ context }, params: { next: RestartPlan }) => ({
      next: params.next,
      restarts: [...inWindow(context, params.next.at), params.next.at],
    })),
    keepFound: assign(({ context }, params: { planned: PlannedRestart }) => ({
      upSince: params.planned.at,
      run: 'alreadyRunning' in params.planned ? (params.planned.alreadyRunning.run ?? context.run) : context.run,
    })),
    keepSettled: assign(({ context }, params: { settled: Settled }) => ({
      upSince: params.settled.at,
      run: params.settled.running?.run ?? context.run,
      quarantined: undefined,
      backoffLeftMs: undefined,
    })),
    quarantineUnsettled: assign(({ context }, params: { error: unknown }) => ({
      quarantined: { at: context.upSince, why: `an interrupted start could not be settled: ${messageOf(params.error)}` },
    })),
    backoffWaited: assign({ backoffLeftMs: undefined }),
    keepRunning: assign(({ context }) => ({ upSince: context.next?.at ?? context.upSince, run: context.next?.plan.runId ?? context.run, next: undefined, lastFailure: undefined })),
    quarantine: assign(({ context }, params: { at: number }) => ({
      quarantined: {
        at: params.at,
        why: `${inWindow(context, params.at).length} restarts within ${Math.round(context.policy.windowMs / 60_000)} min${context.lastFailure ? `, the last ${context.lastFailure}` : ''}`,
      },
    })),
    quarantineUnplanned: assign(({ context }, params: { error: unknown }) => ({
      quarantined: { at: context.lastDeath?.at ?? context.upSince, why: `no restart could be planned: ${messageOf(params.error)}` },
    })),
    markDown: assign({ downDuringRestart: true }),
    markDownAfterSettling: assign({ downAfterSettling: true }),
    cancelRestart: sendTo('restart', { type: 'CANCEL' }),
    /** Put up again: a fresh start, with its count and backoff reset. */
    release: assign({ quarantined: undefined, restarts: [], backoffMs: 0, lastFailure: undefined }),
  },
}).createMachine({
  id: 'supervision',
  description: 'Keep one polecat running: restart its agent when it dies, with backoff; quarantine a crash loop; end at DOWN.',
  initial: 'settling',
  context: ({ input }) => ({
    polecat: input.polecat,
    policy: input.policy,
    upSince: input.upSince,
    ...(input.run !== undefined ? { run: input.run } : {}),
    restarts: [...(input.restored?.restarts ?? [])],
    backoffMs: input.restored?.backoffMs ?? 0,
    ...(input.restored?.backoffLeftMs !== undefined ? { backoffLeftMs: input.restored.backoffLeftMs } : {}),
    ...(input.restored?.lastFailure !== undefined ? { lastFailure: input.restored.lastFailure } : {}),
    ...(input.restored?.quarantined !== undefined ? { quarantined: input.restored.quarantined } : {}),
  }),
  states: {
    settling: {
      description:
        'First, what an earlier run left half done: an interrupted start of the polecat is resumed, or rolled back if it cannot be. Then supervision goes on where an earlier supervisor left it (quarantined, or in a backoff).',
      invoke: {
        id: 'settle',
        src: 'settle',
        input: ({ context }) => ({ polecat: context.polecat }),
        onDone: [
          { guard: 'downWhileSettling', target: 'down' },
          { guard: { type: 'settledRunning', params: ({ event }) => ({ settled: event.output }) }, target: 'watching', actions: { type: 'keepSettled', params: ({ event }) => ({ settled: event.output }) } },
          { guard: 'restoredQuarantine', target: 'quarantined' },
          { guard: 'restoredBackoff', target: 'backoff' },
          { target: 'watching' },
        ],
        // Neither resumed nor rolled back: a restart would be refused by the same run; the user must settle it.
        onError: [
          { guard: 'downWhileSettling', target: 'down' },
          { target: 'quarantined', actions: { type: 'quarantineUnsettled', params: ({ event }) => ({ error: event.error }) } },
        ],
      },
      // A resume or a rollback in progress is let finish: it is the polecat's own run, and must not be left half done.
      on: { DOWN: { actions: 'markDownAfterSettling' } },
    },
    watching: {
      description: "The agent runs; its activity machine's exited, or its pane or session gone, is a death.",
      on: {
        DIED: [
          {
            guard: { type: 'crashLoop', params: ({ event }) => ({ at: event.at }) },
            target: 'quarantined',
            actions: [
              { type: 'keepDeath', params: ({ event }) => ({ death: event }) },
              { type: 'quarantine', params: ({ event }) => ({ at: event.at }) },
            ],
          },
          { target: 'backoff', actions: { type: 'keepDeath', params: ({ event }) => ({ death: event }) } },
        ],
        DOWN: { target: 'down' },
      },
    },
    backoff: {
      description: 'Waiting before the restart: from backoffMinMs, doubling while the agent does not stay up, at most backoffMaxMs.',
      invoke: {
        id: 'sleep',
        src: 'sleep',
        input: ({ context }) => ({ ms: context.backoffLeftMs ?? context.backoffMs }),
        onDone: { target: 'planning', actions: 'backoffWaited' },
      },
      on: { DOWN: { target: 'down' } },
    },
    planning: {
      description: "The restart's plan: a new run of the polecat, following its last one, made from the settings as they are now.",
      invoke: {
        id: 'planRestart',
        src: 'planRestart',
        input: ({ context }) => ({ polecat: context.polecat, ...(context.run !== undefined ? { previousRun: context.run } : {}) }),
        onDone: [
          // Started meanwhile by someone else (a `polecat up` as the agent was found gone): watched as it is.
          { guard: { type: 'foundRunning', params: ({ event }) => ({ planned: event.output }) }, target: 'watching', actions: { type: 'keepFound', params: ({ event }) => ({ planned: event.output }) } },
          { target: 'restarting', actions: { type: 'beginRestart', params: ({ event }) => ({ next: event.output as RestartPlan }) } },
        ],
        // Its settings cannot make a start (an agents.json broken since, the polecat's directory gone): restarting
        // again will not mend that; the user must, then put it up again.
        onError: { target: 'quarantined', actions: { type: 'quarantineUnplanned', params: ({ event }) => ({ error: event.error }) } },
      },
      on: { DOWN: { target: 'down' } },
    },
    restarting: {
      description:
        'The startup machine, as a child: a run of its own, recorded like any start. Failed or cancelled, it is a crash. DOWN cancels it: it rolls back, and supervision ends when it has.',
      invoke: {
        id: 'restart',
        src: 'restart',
        input: ({ context }) => context.next!.plan,
        onDone: [
          { guard: 'downRequested', target: 'down' },
          { guard: { type: 'started', params: ({ event }) => ({ output: event.output }) }, target: 'watching', actions: 'keepRunning' },
          {
            guard: { type: 'crashLoop', params: ({ context }) => ({ at: context.next?.at ?? context.upSince }) },
            target: 'quarantined',
            actions: [
              { type: 'keepFailedRestart', params: ({ event }) => ({ output: event.output }) },
              { type: 'quarantine', params: ({ context }) => ({ at: context.restarts.at(-1) ?? context.upSince }) },
            ],
          },
          { target: 'backoff', actions: { type: 'keepFailedRestart', params: ({ event }) => ({ output: event.output }) } },
        ],
        // The startup machine itself broke (its steps fail into its own output, so this is a defect): a crash, like
        // a failed start, and the backoff doubles.
        onError: [
          { guard: 'downRequested', target: 'down' },
          {
            guard: { type: 'crashLoop', params: ({ context }) => ({ at: context.next?.at ?? context.upSince }) },
            target: 'quarantined',
            actions: [
              { type: 'keepBrokenRestart', params: ({ event }) => ({ error: event.error }) },
              { type: 'quarantine', params: ({ context }) => ({ at: context.restarts.at(-1) ?? context.upSince }) },
            ],
          },
          { target: 'backoff', actions: { type: 'keepBrokenRestart', params: ({ event }) => ({ error: event.error }) } },
        ],
      },
      // The child stays: what it did must be rolled back, so the state waits for its end.
      on: { DOWN: { actions: ['markDown', 'cancelRestart'] } },
    },
    quarantined: {
      description: 'Too many restarts in the window, or none could be planned: not restarted until the polecat is put up again.',
      on: {
        UP: { target: 'planning', actions: 'release' },
        DOWN: { target: 'down' },
      },
    },
    down: {
      description: 'The polecat should no longer run: supervision ends, leaving it as it is.',
      type: 'final',
    },
  },
  output: ({ context }) => ({
    restarts: context.restarts.length,
    ...(context.run !== undefined ? { run: context.run } : {}),
    cancelledRestart: context.downDuringRestart === true,
  }),
});
