/**
 * The startup statechart: one state per step, each step an invoked actor supplied by src/ with machine.provide().
 * Pure data: no I/O, no imports beyond xstate. The step order is the design card's.
 */
import { assign, setup } from 'xstate';
import { notProvided, type RunTarget } from './shared.js';

export const STARTUP_MACHINE_VERSION = 1;

export interface StartupTimeouts {
  /** Agent process up after the session is created. */
  readonly commandMs: number;
  /** Dialogs answered and the prompt reached. */
  readonly dialogsMs: number;
  /** The ready prompt seen steadily. */
  readonly readyMs: number;
  /** Startup text delivered and submitted. */
  readonly nudgeMs: number;
}

/** Everything a start needs, resolved and validated before the machine runs. Plain JSON. */
export interface StartupInput extends RunTarget {
  readonly polecatDir: string;
  readonly workDir: string;
  /** Where `bd` runs for this polecat's issue (bd finds its database from there). */
  readonly beadsDir: string;
  readonly issue?: string;
  readonly agent: {
    readonly name: string;
    readonly argv: readonly string[];
    readonly processNames: readonly string[];
    /** `arg`: the startup text is on the command line; `none`: the nudges step types it once the agent is ready. */
    readonly promptMode: 'arg' | 'none';
    /** The input prompt that shows readiness; empty for agents with none to see (then readyDelayMs is waited). */
    readonly readyPromptPrefix: string;
    readonly readyDelayMs: number;
    readonly settings?: { readonly path: string; readonly provider: 'claude' | 'gemini' | 'cursor' | 'opencode' | 'copilot' };
  };
  readonly env: Readonly<Record<string, string>>;
  /** Where createSession puts the caller's credentials for the agent's shell to read (and delete). */
  readonly credentialsFile: string;
  /** Warnings found while planning (configuration fallbacks, skipped routes), reported with the run's own. */
  readonly planWarnings?: readonly string[];
  readonly startupText: string;
  readonly timeouts: StartupTimeouts;
}

export interface IssueSnapshot {
  readonly status: string;
  readonly assignee?: string;
}

export interface SessionInfo {
  readonly paneId: string;
  readonly panePid: number;
  /** When the agent process started (clock ticks since boot, from /proc): tells it from a later process of its pid. */
  readonly paneStartTime?: number;
}

export interface StepFailure {
  readonly step: string;
  readonly message: string;
  readonly screen?: string;
  readonly exitStatus?: number;
}

export interface StepResult {
  readonly warnings?: readonly string[];
}

export interface RollbackInput {
  readonly runId: string;
  /** False when the run never reached createSession: there is no session to look for. */
  readonly sessionMayExist: boolean;
  readonly socket: string;
  readonly sessionName: string;
  readonly issue?: string;
  /** The issue as it was before this run touched it; set once the hook step began. */
  readonly restoreIssue?: IssueSnapshot;
  readonly beadsDir: string;
  readonly credentialsFile: string;
  /** The agent process this run started: reaped even when its session is gone (a killed tmux server leaves it). */
  readonly agent?: { readonly pid: number; readonly startTime: number };
}

export interface RollbackOutput {
  readonly undone: readonly string[];
  readonly warnings?: readonly string[];
}

export type WaitStep = 'waitForCommand' | 'acceptBypass' | 'waitForReady' | 'nudges';

export interface WaitInput {
  readonly plan: StartupInput;
  readonly session: SessionInfo;
  /** Absolute time (ms since epoch) the wait gives up at; kept in context so a restored run keeps its deadline. */
  readonly deadline: number;
  /** When acceptBypass last saw the ready prompt (waitForReady counts that sighting). */
  readonly promptSeenAt?: number;
}

export interface StartupContext {
  readonly plan: StartupInput;
  readonly issueBefore?: IssueSnapshot;
  readonly hookStarted: boolean;
  /** Set on entering createSession: from then on a session of this run may exist, even if the step never finished. */
  readonly sessionStarted: boolean;
  readonly session?: SessionInfo;
  readonly deadlines: Partial<Record<WaitStep, number>>;
  readonly dialogsAnswered: readonly string[];
  /** When acceptBypass saw the ready prompt. */
  readonly promptSeenAt?: number;
  readonly warnings: readonly string[];
  readonly failure?: StepFailure;
  readonly cancelled: boolean;
  /** The step the run was in when it was cancelled. */
  readonly cancelledIn?: string;
  readonly undone: readonly string[];
  readonly result?: StartupOutput['result'];
}

export interface StartupOutput {
  readonly result: 'running' | 'failed' | 'cancelled';
  readonly sessionName: string;
  readonly socket: string;
  readonly session?: SessionInfo;
  /** Startup dialogs answered, as `dialog: option`. */
  readonly dialogsAnswered: readonly string[];
  readonly warnings: readonly string[];
  readonly failure?: StepFailure;
  /** The step the run was in when it was cancelled. */
  readonly cancelledIn?: string;
  readonly undone: readonly string[];
}

/** Turns whatever a step threw into a plain, serialisable failure record. */
function toFailure(step: string, error: unknown): StepFailure {
  const e = (error ?? {}) as { message?: unknown; screen?: unknown; exitStatus?: unknown };
  return {
    step,
    message: typeof e.message === 'string' ? e.message : String(error ?? 'unknown error'),
    ...(typeof e.screen === 'string' ? { screen: e.screen } : {}),
    ...(typeof e.exitStatus === 'number' ? { exitStatus: e.exitStatus } : {}),
  };
}

function warningsOf(output: unknown): readonly string[] {
  const warnings = (output as StepResult | undefined)?.warnings;
  return Array.isArray(warnings) ? warnings : [];
}

const startupSetup = setup({
  types: {
    input: {} as StartupInput,
    context: {} as StartupContext,
    events: {} as { type: 'CANCEL' },
    output: {} as StartupOutput,
  },
  actors: {
    preflight: notProvided<StepResult, StartupInput>('preflight'),
    validateIssue: notProvided<IssueSnapshot, StartupInput>('validateIssue'),
    ensureSettings: notProvided<StepResult, StartupInput>('ensureSettings'),
    createSession: notProvided<SessionInfo, StartupInput>('createSession'),
    setEnv: notProvided<StepResult, { plan: StartupInput; session: SessionInfo }>('setEnv'),
    hook: notProvided<StepResult, StartupInput>('hook'),
    theme: notProvided<StepResult, StartupInput>('theme'),
    waitForCommand: notProvided<StepResult, WaitInput>('waitForCommand'),
    acceptBypass: notProvided<StepResult & { answered?: readonly string[]; promptSeenAt?: number }, WaitInput>('acceptBypass'),
    waitForReady: notProvided<StepResult, WaitInput>('waitForReady'),
    nudges: notProvided<StepResult, WaitInput>('nudges'),
    verifyAlive: notProvided<StepResult, { plan: StartupInput; session: SessionInfo }>('verifyAlive'),
    rollback: notProvided<RollbackOutput, RollbackInput>('rollback'),
  },
  guards: {
    wasCancelled: ({ context }) => context.cancelled,
    noIssue: ({ context }) => context.plan.issue === undefined,
  },
});

type StepName =
  | 'preflight'
  | 'validateIssue'
  | 'ensureSettings'
  | 'createSession'
  | 'setEnv'
  | 'hook'
  | 'theme'
  | 'waitForCommand'
  | 'acceptBypass'
  | 'waitForReady'
  | 'nudges'
  | 'verifyAlive';

/** Steps whose failure is recorded as a warning and the start goes on; every other step's failure rolls back. */
export const NON_FATAL_STEPS: readonly StepName[] = ['theme'];

/** The steps in the order a successful start takes them. */
export const STEP_ORDER: readonly StepName[] = [
  'preflight',
  'validateIssue',
  'ensureSettings',
  'createSession',
  'setEnv',
  'hook',
  'theme',
  'waitForCommand',
  'acceptBypass',
  'waitForReady',
  'nudges',
  'verifyAlive',
];

const DESCRIPTIONS: Record<StepName, string> = {
  preflight: 'The polecat exists and its session is not already running.',
  validateIssue: 'The issue exists in beads and is not closed or tombstoned (only with an issue).',
  ensureSettings: "The agent's settings file exists (written atomically when missing, kept when present).",
  createSession: 'The tmux session exists on the town socket with the agent started in its pane.',
  setEnv: "The session's environment table and polecat options record who runs there.",
  hook: 'The issue is hooked to the polecat (only with an issue); its previous state is kept for rollback.',
  theme: 'Status bar colours and label (a failure here is only a warning).',
  waitForCommand: 'The agent process, not a shell, runs in the pane.',
  acceptBypass: 'Startup dialogs (trust, bypass permissions) answered by label until the prompt shows.',
  waitForReady: "The agent's ready prompt is on screen.",
  nudges: 'The startup text is delivered to the agent and seen to arrive.',
  verifyAlive: 'The session is present and the agent process alive.',
};

const WAIT_TIMEOUT: Record<WaitStep, keyof StartupTimeouts> = {
  waitForCommand: 'commandMs',
  acceptBypass: 'dialogsMs',
  waitForReady: 'readyMs',
  nudges: 'nudgeMs',
};

function isWait(step: StepName): step is WaitStep {
  return step in WAIT_TIMEOUT;
}

function stepInput(step: StepName, context: StartupContext): unknown {
  if (isWait(step)) {
    return {
      plan: context.plan,
      session: context.session,
      deadline: context.deadlines[step] ?? Date.now(),
      ...(step === 'waitForReady' && context.promptSeenAt !== undefined ? { promptSeenAt: context.promptSeenAt } : {}),
    };
  }
  if (step === 'setEnv' || step === 'verifyAlive') return { plan: context.plan, session: context.session };
  return context.plan;
}

// Built from one template for every step; the config is checked by xstate at run time and by the model-based tests,
// while the step implementations stay type-checked through provide().
type AnyEvent = { type: string; output?: unknown; error?: unknown };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function stepState(step: StepName, next: string): any {
  const fatal = !NON_FATAL_STEPS.includes(step);
  const entry = [
    ...(isWait(step)
      ? [
          assign({
            deadlines: ({ context }: { context: StartupContext }) => ({
              ...context.deadlines,
              [step]: context.deadlines[step] ?? Date.now() + context.plan.timeouts[WAIT_TIMEOUT[step]],
            }),
          }),
        ]
      : []),
    ...(step === 'hook' ? [assign({ hookStarted: true })] : []),
    ...(step === 'createSession' ? [assign({ sessionStarted: true })] : []),
  ];
  return {
    description: DESCRIPTIONS[step],
    ...(entry.length > 0 ? { entry } : {}),
    on: { CANCEL: { target: 'rollingBack', actions: assign({ cancelled: true, cancelledIn: step }) } },
    invoke: {
      id: step,
      src: step,
      input: ({ context }: { context: StartupContext }) => stepInput(step, context),
      onDone: {
        target: next,
        actions: assign(({ context, event }: { context: StartupContext; event: AnyEvent }) => ({
          warnings: [...context.warnings, ...warningsOf(event.output)],
          ...(step === 'validateIssue' ? { issueBefore: event.output as IssueSnapshot } : {}),
          ...(step === 'createSession' ? { session: event.output as SessionInfo } : {}),
          ...(step === 'acceptBypass'
            ? acceptBypassOutcome(event.output as { answered?: string[]; promptSeenAt?: number } | undefined)
            : {}),
        })),
      },
      onError: fatal
        ? {
            target: 'rollingBack',
            actions: assign({ failure: ({ event }: { event: AnyEvent }) => toFailure(step, event.error) }),
          }
        : {
            target: next,
            actions: assign({
              warnings: ({ context, event }: { context: StartupContext; event: AnyEvent }) => [
                ...context.warnings,
                `${step}: ${toFailure(step, event.error).message}`,
              ],
            }),
          },
    },
  };
}

function acceptBypassOutcome(output: { answered?: string[]; promptSeenAt?: number } | undefined): Partial<StartupContext> {
  return {
    dialogsAnswered: [...(output?.answered ?? [])],
    ...(typeof output?.promptSeenAt === 'number' ? { promptSeenAt: output.promptSeenAt } : {}),
  };
}

/** What undoing a run needs, from the run's context: used by rollingBack, and to roll back an interrupted run. */
export function rollbackInputFor(context: StartupContext): RollbackInput {
  return {
    runId: context.plan.runId,
    sessionMayExist: context.sessionStarted,
    socket: context.plan.socket,
    sessionName: context.plan.sessionName,
    beadsDir: context.plan.beadsDir,
    credentialsFile: context.plan.credentialsFile,
    ...(context.plan.issue !== undefined ? { issue: context.plan.issue } : {}),
    ...(context.hookStarted && context.issueBefore ? { restoreIssue: context.issueBefore } : {}),
    ...(context.session?.paneStartTime !== undefined ? { agent: { pid: context.session.panePid, startTime: context.session.paneStartTime } } : {}),
  };
}

export const startupMachine = startupSetup.createMachine({
  id: 'startup',
  description: 'Start one polecat: its agent running in a tmux session, ready, with its startup text delivered.',
  initial: 'preflight',
  context: ({ input }) => ({
    plan: input,
    hookStarted: false,
    sessionStarted: false,
    deadlines: {},
    dialogsAnswered: [],
    warnings: [...(input.planWarnings ?? [])],
    cancelled: false,
    undone: [],
  }),
  states: {
    preflight: stepState('preflight', 'validateIssue'),
    validateIssue: { ...stepState('validateIssue', 'ensureSettings'), always: { guard: 'noIssue', target: 'ensureSettings' } },
    ensureSettings: stepState('ensureSettings', 'createSession'),
    createSession: stepState('createSession', 'setEnv'),
    setEnv: stepState('setEnv', 'hook'),
    hook: { ...stepState('hook', 'theme'), always: { guard: 'noIssue', target: 'theme' } },
    theme: stepState('theme', 'waitForCommand'),
    waitForCommand: stepState('waitForCommand', 'acceptBypass'),
    acceptBypass: stepState('acceptBypass', 'waitForReady'),
    waitForReady: stepState('waitForReady', 'nudges'),
    nudges: stepState('nudges', 'verifyAlive'),
    verifyAlive: stepState('verifyAlive', 'running'),
    running: {
      type: 'final',
      entry: assign({ result: 'running' as const }),
      description: 'The agent runs in its session, ready, with its startup text delivered.',
    },
    rollingBack: {
      description: 'Undo what this run did: kill the session it created (and every process in it), restore the issue.',
      invoke: {
        id: 'rollback',
        src: 'rollback',
        input: ({ context }) => rollbackInputFor(context),
        onDone: [
          {
            guard: 'wasCancelled',
            target: 'cancelled',
            actions: assign(({ context, event }) => ({
              undone: [...(event.output?.undone ?? [])],
              warnings: [...context.warnings, ...warningsOf(event.output)],
            })),
          },
          {
            target: 'failed',
            actions: assign(({ context, event }) => ({
              undone: [...(event.output?.undone ?? [])],
              warnings: [...context.warnings, ...warningsOf(event.output)],
            })),
          },
        ],
        onError: [
          {
            guard: 'wasCancelled',
            target: 'cancelled',
            actions: assign({
              warnings: ({ context, event }) => [...context.warnings, `rollback: ${toFailure('rollback', event.error).message}`],
            }),
          },
          {
            target: 'failed',
            actions: assign({
              warnings: ({ context, event }) => [...context.warnings, `rollback: ${toFailure('rollback', event.error).message}`],
            }),
          },
        ],
      },
    },
    failed: {
      type: 'final',
      entry: assign({ result: 'failed' as const }),
      description: 'A fatal step failed; what the run did was rolled back.',
    },
    cancelled: {
      type: 'final',
      entry: assign({ result: 'cancelled' as const }),
      description: 'Cancelled on request; what the run did was rolled back.',
    },
  },
  output: ({ context }) => {
    return {
      result: context.result ?? 'failed',
      sessionName: context.plan.sessionName,
      socket: context.plan.socket,
      ...(context.session ? { session: context.session } : {}),
      dialogsAnswered: context.dialogsAnswered,
      warnings: context.warnings,
      ...(context.failure ? { failure: context.failure } : {}),
      ...(context.cancelledIn ? { cancelledIn: context.cancelledIn } : {}),
      undone: context.undone,
    };
  },
});

export type StartupMachine = typeof startupMachine;
