/**
 * The startup statechart: one state per step, in the design card's order, each step an invoked actor that src/
 * supplies with machine.provide(). A fatal failure or a CANCEL goes to rollingBack, which undoes what the run did.
 * Pure data: no I/O; it imports xstate and machines/shared.ts (the step slot and the failure record), nothing of src/.
 */
import { assign, setup } from 'xstate';
import { failureOf, stepSlot, type RunTarget, type StepFailure } from './shared.js';

/**
 * 2: every state written out; a start without an issue never enters validateIssue or hook (so hookStarted stays
 * false); `cancelled` is derived from cancelledIn. Runs left interrupted by version 1 can be rolled back, not resumed.
 */
export const STARTUP_MACHINE_VERSION = 2;

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
  /** The run this start follows: a supervisor's restart names the run of the agent that died. */
  readonly follows?: string;
  /** A restart that continues the agent's previous conversation: the session it resumes (no startup text then). */
  readonly resumes?: string;
  readonly agent: {
    readonly name: string;
    readonly argv: readonly string[];
    readonly processNames: readonly string[];
    /** `arg`: the startup text is on the command line; `none`: the nudges step types it once the agent is ready. */
    readonly promptMode: 'arg' | 'none';
    /** The input prompt that shows readiness; empty for agents with none to see (then readyMarkers, else readyDelayMs). */
    readonly readyPromptPrefix: string;
    readonly readyDelayMs: number;
    /** For an input without a prompt character: texts that show it is up (absent in runs planned before them). */
    readonly readyMarkers?: readonly string[];
    /** Texts the agent shows only while it works; absent in runs planned before they were recorded (then Claude's). */
    readonly busyMarkers?: readonly string[];
    /** false: the agent never shows its startup text, so nudges cannot see it arrive (absent means it does). */
    readonly showsStartupText?: boolean;
    readonly settings?: {
      readonly path: string;
      readonly provider: 'claude' | 'gemini' | 'cursor' | 'opencode' | 'copilot';
      /** The user's own settings file, given with --settings: the file at `path` is it with polecat's hooks added. */
      readonly mergedFrom?: string;
    };
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

/** What most steps give back: warnings to show on the run (the step itself succeeded). */
export interface StepResult {
  readonly warnings?: readonly string[];
}

/** acceptBypass's outcome: the dialogs it answered, and when it saw the ready prompt (waitForReady counts that look). */
export interface DialogsResult extends StepResult {
  readonly answered: readonly string[];
  readonly promptSeenAt?: number;
}

/** Input of the steps that act on the session the run made. */
export interface SessionStepInput {
  readonly plan: StartupInput;
  readonly session: SessionInfo;
}

export type WaitStep = 'waitForCommand' | 'acceptBypass' | 'waitForReady' | 'nudges';

export interface WaitInput extends SessionStepInput {
  /** Absolute time (ms since epoch) the wait gives up at; kept in context so a restored run keeps its deadline. */
  readonly deadline: number;
  /** When acceptBypass last saw the ready prompt (waitForReady counts that sighting). */
  readonly promptSeenAt?: number;
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

export interface StartupContext {
  readonly plan: StartupInput;
  readonly issueBefore?: IssueSnapshot;
  /** Set on entering hook: from then on the issue may be hooked, even if the step never finished. */
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
  /** The step the run was in when it was cancelled; set, the run rolls back and ends cancelled. */
  readonly cancelledIn?: StepName;
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

/** The steps, each a slot typed by its output and input. A state of the same name below invokes each. */
const stepSlots = {
  preflight: stepSlot<StepResult, StartupInput>(),
  validateIssue: stepSlot<IssueSnapshot, StartupInput>(),
  ensureSettings: stepSlot<StepResult, StartupInput>(),
  createSession: stepSlot<SessionInfo, StartupInput>(),
  setEnv: stepSlot<StepResult, SessionStepInput>(),
  hook: stepSlot<StepResult, StartupInput>(),
  theme: stepSlot<StepResult, StartupInput>(),
  waitForCommand: stepSlot<StepResult, WaitInput>(),
  acceptBypass: stepSlot<DialogsResult, WaitInput>(),
  waitForReady: stepSlot<StepResult, WaitInput>(),
  nudges: stepSlot<StepResult, WaitInput>(),
  verifyAlive: stepSlot<StepResult, SessionStepInput>(),
};

export type StepName = keyof typeof stepSlots;

const actorSlots = { ...stepSlots, rollback: stepSlot<RollbackOutput, RollbackInput>() };

/** What src/ provides: an implementation of every step and of rollback, each of its slot's exact type. */
export type StartupActors = typeof actorSlots;

/** The session this run made: the steps after createSession act on it. */
function sessionOf(context: StartupContext): SessionInfo {
  if (!context.session) throw new Error('the run has no session yet: createSession has not finished');
  return context.session;
}

/** A wait's input: its deadline was set on entering its state (startDeadline), before the wait was invoked. */
function waitInput(context: StartupContext, step: WaitStep): WaitInput {
  const deadline = context.deadlines[step];
  if (deadline === undefined) throw new Error(`${step} has no deadline`);
  return { plan: context.plan, session: sessionOf(context), deadline };
}

/** What undoing a run needs, from the run's context: used by rollingBack, and to roll back an interrupted run. */
export function rollbackInputFor(context: Pick<StartupContext, 'plan' | 'sessionStarted' | 'hookStarted' | 'issueBefore' | 'session'>): RollbackInput {
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

export const startupMachine = setup({
  types: {
    input: {} as StartupInput,
    context: {} as StartupContext,
    events: {} as { type: 'CANCEL' },
    output: {} as StartupOutput,
  },
  actors: actorSlots,
  guards: {
    hasIssue: ({ context }) => context.plan.issue !== undefined,
    wasCancelled: ({ context }) => context.cancelledIn !== undefined,
  },
  actions: {
    addWarnings: assign(({ context }, params: { warnings?: readonly string[] | undefined }) => ({
      warnings: [...context.warnings, ...(params.warnings ?? [])],
    })),
    /** A fatal step's failure: the rollback that follows and the run's output say what went wrong. */
    recordFailure: assign((_, params: { step: StepName; error: unknown }) => ({ failure: failureOf(params.step, params.error) })),
    /** A failure that does not stop the run (theme, rollback): kept as a warning. */
    warnOfFailure: assign(({ context }, params: { step: StepName | 'rollback'; error: unknown }) => ({
      warnings: [...context.warnings, `${params.step}: ${failureOf(params.step, params.error).message}`],
    })),
    markCancelled: assign((_, params: { step: StepName }) => ({ cancelledIn: params.step })),
    /** A wait's absolute deadline, set once: a restored run re-entering the wait keeps the one it had. */
    startDeadline: assign(({ context }, params: { step: WaitStep; timeout: keyof StartupTimeouts }) => ({
      deadlines: { ...context.deadlines, [params.step]: context.deadlines[params.step] ?? Date.now() + context.plan.timeouts[params.timeout] },
    })),
    markSessionStarted: assign({ sessionStarted: true }),
    markHookStarted: assign({ hookStarted: true }),
    keepIssueBefore: assign((_, params: { issue: IssueSnapshot }) => ({ issueBefore: params.issue })),
    keepSession: assign((_, params: { session: SessionInfo }) => ({ session: params.session })),
    keepDialogs: assign((_, params: { dialogs: DialogsResult }) => ({
      dialogsAnswered: [...params.dialogs.answered],
      ...(params.dialogs.promptSeenAt !== undefined ? { promptSeenAt: params.dialogs.promptSeenAt } : {}),
    })),
    keepUndone: assign((_, params: { undone: readonly string[] }) => ({ undone: [...params.undone] })),
    end: assign((_, params: { result: StartupOutput['result'] }) => ({ result: params.result })),
  },
}).createMachine({
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
    undone: [],
  }),
  states: {
    preflight: {
      description: 'The polecat exists and its session is not already running.',
      on: { CANCEL: { target: 'rollingBack', actions: { type: 'markCancelled', params: { step: 'preflight' } } } },
      invoke: {
        id: 'preflight',
        src: 'preflight',
        input: ({ context }) => context.plan,
        onDone: [
          { guard: 'hasIssue', target: 'validateIssue', actions: { type: 'addWarnings', params: ({ event }) => ({ warnings: event.output.warnings }) } },
          { target: 'ensureSettings', actions: { type: 'addWarnings', params: ({ event }) => ({ warnings: event.output.warnings }) } },
        ],
        onError: { target: 'rollingBack', actions: { type: 'recordFailure', params: ({ event }) => ({ step: 'preflight', error: event.error }) } },
      },
    },
    validateIssue: {
      description: 'The issue exists in beads and is not closed or tombstoned; its state is kept for rollback (only with an issue).',
      on: { CANCEL: { target: 'rollingBack', actions: { type: 'markCancelled', params: { step: 'validateIssue' } } } },
      invoke: {
        id: 'validateIssue',
        src: 'validateIssue',
        input: ({ context }) => context.plan,
        onDone: { target: 'ensureSettings', actions: { type: 'keepIssueBefore', params: ({ event }) => ({ issue: event.output }) } },
        onError: { target: 'rollingBack', actions: { type: 'recordFailure', params: ({ event }) => ({ step: 'validateIssue', error: event.error }) } },
      },
    },
    ensureSettings: {
      description: "The agent's settings file exists (written atomically when missing, kept when present).",
      on: { CANCEL: { target: 'rollingBack', actions: { type: 'markCancelled', params: { step: 'ensureSettings' } } } },
      invoke: {
        id: 'ensureSettings',
        src: 'ensureSettings',
        input: ({ context }) => context.plan,
        onDone: { target: 'createSession', actions: { type: 'addWarnings', params: ({ event }) => ({ warnings: event.output.warnings }) } },
        onError: { target: 'rollingBack', actions: { type: 'recordFailure', params: ({ event }) => ({ step: 'ensureSettings', error: event.error }) } },
      },
    },
    createSession: {
      description: 'The tmux session exists on the town socket with the agent started in its pane.',
      // From here on a session of this run may exist, even if the step never finishes: rollback looks for it.
      entry: 'markSessionStarted',
      on: { CANCEL: { target: 'rollingBack', actions: { type: 'markCancelled', params: { step: 'createSession' } } } },
      invoke: {
        id: 'createSession',
        src: 'createSession',
        input: ({ context }) => context.plan,
        onDone: { target: 'setEnv', actions: { type: 'keepSession', params: ({ event }) => ({ session: event.output }) } },
        onError: { target: 'rollingBack', actions: { type: 'recordFailure', params: ({ event }) => ({ step: 'createSession', error: event.error }) } },
      },
    },
    setEnv: {
      description: "The session's environment table and polecat options record who runs there.",
      on: { CANCEL: { target: 'rollingBack', actions: { type: 'markCancelled', params: { step: 'setEnv' } } } },
      invoke: {
        id: 'setEnv',
        src: 'setEnv',
        input: ({ context }) => ({ plan: context.plan, session: sessionOf(context) }),
        onDone: [
          { guard: 'hasIssue', target: 'hook', actions: { type: 'addWarnings', params: ({ event }) => ({ warnings: event.output.warnings }) } },
          { target: 'theme', actions: { type: 'addWarnings', params: ({ event }) => ({ warnings: event.output.warnings }) } },
        ],
        onError: { target: 'rollingBack', actions: { type: 'recordFailure', params: ({ event }) => ({ step: 'setEnv', error: event.error }) } },
      },
    },
    hook: {
      description: 'The issue is hooked to the polecat; rollback puts back the state validateIssue kept (only with an issue).',
      // From here on the issue may be hooked, even if the step never finishes: rollback restores it.
      entry: 'markHookStarted',
      on: { CANCEL: { target: 'rollingBack', actions: { type: 'markCancelled', params: { step: 'hook' } } } },
      invoke: {
        id: 'hook',
        src: 'hook',
        input: ({ context }) => context.plan,
        onDone: { target: 'theme', actions: { type: 'addWarnings', params: ({ event }) => ({ warnings: event.output.warnings }) } },
        onError: { target: 'rollingBack', actions: { type: 'recordFailure', params: ({ event }) => ({ step: 'hook', error: event.error }) } },
      },
    },
    theme: {
      description: 'Status bar colours and label (a failure here is only a warning).',
      on: { CANCEL: { target: 'rollingBack', actions: { type: 'markCancelled', params: { step: 'theme' } } } },
      invoke: {
        id: 'theme',
        src: 'theme',
        input: ({ context }) => context.plan,
        onDone: { target: 'waitForCommand', actions: { type: 'addWarnings', params: ({ event }) => ({ warnings: event.output.warnings }) } },
        // Cosmetic: the start goes on, with the failure as a warning.
        onError: { target: 'waitForCommand', actions: { type: 'warnOfFailure', params: ({ event }) => ({ step: 'theme', error: event.error }) } },
      },
    },
    waitForCommand: {
      description: 'The agent process, not a shell, runs in the pane and has settled.',
      entry: { type: 'startDeadline', params: { step: 'waitForCommand', timeout: 'commandMs' } },
      on: { CANCEL: { target: 'rollingBack', actions: { type: 'markCancelled', params: { step: 'waitForCommand' } } } },
      invoke: {
        id: 'waitForCommand',
        src: 'waitForCommand',
        input: ({ context }) => waitInput(context, 'waitForCommand'),
        onDone: { target: 'acceptBypass', actions: { type: 'addWarnings', params: ({ event }) => ({ warnings: event.output.warnings }) } },
        onError: { target: 'rollingBack', actions: { type: 'recordFailure', params: ({ event }) => ({ step: 'waitForCommand', error: event.error }) } },
      },
    },
    acceptBypass: {
      description: 'Startup dialogs (trust, bypass permissions) answered by label until the prompt shows.',
      entry: { type: 'startDeadline', params: { step: 'acceptBypass', timeout: 'dialogsMs' } },
      on: { CANCEL: { target: 'rollingBack', actions: { type: 'markCancelled', params: { step: 'acceptBypass' } } } },
      invoke: {
        id: 'acceptBypass',
        src: 'acceptBypass',
        input: ({ context }) => waitInput(context, 'acceptBypass'),
        onDone: {
          target: 'waitForReady',
          actions: [
            { type: 'keepDialogs', params: ({ event }) => ({ dialogs: event.output }) },
            { type: 'addWarnings', params: ({ event }) => ({ warnings: event.output.warnings }) },
          ],
        },
        onError: { target: 'rollingBack', actions: { type: 'recordFailure', params: ({ event }) => ({ step: 'acceptBypass', error: event.error }) } },
      },
    },
    waitForReady: {
      description: "The agent's ready prompt is on screen, on two looks in a row (acceptBypass's fresh sighting counts as one).",
      entry: { type: 'startDeadline', params: { step: 'waitForReady', timeout: 'readyMs' } },
      on: { CANCEL: { target: 'rollingBack', actions: { type: 'markCancelled', params: { step: 'waitForReady' } } } },
      invoke: {
        id: 'waitForReady',
        src: 'waitForReady',
        input: ({ context }) => ({
          ...waitInput(context, 'waitForReady'),
          ...(context.promptSeenAt !== undefined ? { promptSeenAt: context.promptSeenAt } : {}),
        }),
        onDone: { target: 'nudges', actions: { type: 'addWarnings', params: ({ event }) => ({ warnings: event.output.warnings }) } },
        onError: { target: 'rollingBack', actions: { type: 'recordFailure', params: ({ event }) => ({ step: 'waitForReady', error: event.error }) } },
      },
    },
    nudges: {
      description: 'The startup text is delivered to the agent and seen to arrive.',
      entry: { type: 'startDeadline', params: { step: 'nudges', timeout: 'nudgeMs' } },
      on: { CANCEL: { target: 'rollingBack', actions: { type: 'markCancelled', params: { step: 'nudges' } } } },
      invoke: {
        id: 'nudges',
        src: 'nudges',
        input: ({ context }) => waitInput(context, 'nudges'),
        onDone: { target: 'verifyAlive', actions: { type: 'addWarnings', params: ({ event }) => ({ warnings: event.output.warnings }) } },
        onError: { target: 'rollingBack', actions: { type: 'recordFailure', params: ({ event }) => ({ step: 'nudges', error: event.error }) } },
      },
    },
    verifyAlive: {
      description: 'The session is present and the agent process alive.',
      on: { CANCEL: { target: 'rollingBack', actions: { type: 'markCancelled', params: { step: 'verifyAlive' } } } },
      invoke: {
        id: 'verifyAlive',
        src: 'verifyAlive',
        input: ({ context }) => ({ plan: context.plan, session: sessionOf(context) }),
        onDone: { target: 'running', actions: { type: 'addWarnings', params: ({ event }) => ({ warnings: event.output.warnings }) } },
        onError: { target: 'rollingBack', actions: { type: 'recordFailure', params: ({ event }) => ({ step: 'verifyAlive', error: event.error }) } },
      },
    },
    running: {
      type: 'final',
      description: 'The agent runs in its session, ready, with its startup text delivered.',
      entry: { type: 'end', params: { result: 'running' } },
    },
    rollingBack: {
      description: 'Undo what this run did: kill the session it created (and every process in it), restore the issue.',
      invoke: {
        id: 'rollback',
        src: 'rollback',
        input: ({ context }) => rollbackInputFor(context),
        onDone: {
          target: 'rolledBack',
          actions: [
            { type: 'keepUndone', params: ({ event }) => ({ undone: event.output.undone }) },
            { type: 'addWarnings', params: ({ event }) => ({ warnings: event.output.warnings }) },
          ],
        },
        // Rollback turns what it cannot undo into warnings; should it throw all the same, the run still ends.
        onError: { target: 'rolledBack', actions: { type: 'warnOfFailure', params: ({ event }) => ({ step: 'rollback', error: event.error }) } },
      },
    },
    rolledBack: {
      description: 'What the run did is undone: it ends cancelled when a CANCEL caused the rollback, failed otherwise.',
      always: [{ guard: 'wasCancelled', target: 'cancelled' }, { target: 'failed' }],
    },
    failed: {
      type: 'final',
      description: 'A fatal step failed; what the run did was rolled back.',
      entry: { type: 'end', params: { result: 'failed' } },
    },
    cancelled: {
      type: 'final',
      description: 'Cancelled on request; what the run did was rolled back.',
      entry: { type: 'end', params: { result: 'cancelled' } },
    },
  },
  output: ({ context }) => ({
    result: context.result ?? 'failed',
    sessionName: context.plan.sessionName,
    socket: context.plan.socket,
    ...(context.session ? { session: context.session } : {}),
    dialogsAnswered: context.dialogsAnswered,
    warnings: context.warnings,
    ...(context.failure ? { failure: context.failure } : {}),
    ...(context.cancelledIn ? { cancelledIn: context.cancelledIn } : {}),
    undone: context.undone,
  }),
});

export type StartupMachine = typeof startupMachine;

/** The steps in the order a start takes them: the machine's step states, as written. */
export const STEP_ORDER: readonly StepName[] = Object.keys(startupMachine.root.states).filter((key): key is StepName => Object.hasOwn(stepSlots, key));
