/**
 * What a running agent is doing, from the evidence it leaves: its own hooks first (they say what happened), the
 * screen for what hooks do not say (an Esc interrupt, a denied permission, agents without hooks), and the pane for
 * how it ended. One instance per running polecat; a command replays the polecat's evidence through it, a long-running
 * watcher feeds it live. It decides what a sequence of evidence means, and nothing else does.
 * Pure data: no I/O, no timers; every event carries the time it happened.
 */
import { and, assign, setup } from 'xstate';

export const ACTIVITY_MACHINE_VERSION = 1;

/** Claude Code's hook events (field-notes section 5); other agents' hooks are mapped onto these names. */
export const HOOK_NAMES = [
  'SessionStart',
  'UserPromptSubmit',
  'PreToolUse',
  'PermissionRequest',
  'PostToolUse',
  'PostToolUseFailure',
  'Notification',
  'Stop',
  'StopFailure',
  'SubagentStart',
  'SubagentStop',
  'PreCompact',
  'PostCompact',
  'SessionEnd',
] as const;
export type HookName = (typeof HOOK_NAMES)[number];

/** Why a turn failed, as Claude's StopFailure names it (or as an API error line on screen says). */
export type ErrorKind = 'authentication_failed' | 'rate_limit' | 'server_error' | 'unknown';

/** What one look at the screen says, already read by the agent's screen reader. */
export type ScreenActivity = 'idle' | 'busy' | 'permission' | 'interrupted' | 'api-error';

export type ActivityEvent =
  | {
      readonly type: 'HOOK';
      readonly name: HookName;
      readonly at: number;
      readonly tool?: string;
      /** Notification's kind: `permission_prompt`, `idle_prompt`, … */
      readonly notification?: string;
      /** StopFailure's error. */
      readonly error?: ErrorKind;
    }
  | { readonly type: 'SCREEN'; readonly seen: ScreenActivity; readonly at: number; readonly error?: ErrorKind }
  | { readonly type: 'EXITED'; readonly at: number; readonly status?: number; readonly signal?: string };

export type Source = 'hook' | 'screen' | 'pane';

export interface ActivityContext {
  /** When the current state was entered, and what said so. */
  readonly since: number;
  readonly source: Source;
  /** The tool a turn is in, or a permission is asked for. */
  readonly tool?: string;
  readonly error?: ErrorKind;
  readonly exit?: { readonly status?: number; readonly signal?: string };
}

export interface ActivityInput {
  /** When the agent started. */
  readonly startedAt: number;
}

const isHook = (event: ActivityEvent, ...names: HookName[]): boolean => event.type === 'HOOK' && names.includes(event.name);
const isScreen = (event: ActivityEvent, ...seen: ScreenActivity[]) => event.type === 'SCREEN' && seen.includes(event.seen);

export const activityMachine = setup({
  types: {
    context: {} as ActivityContext,
    events: {} as ActivityEvent,
    input: {} as ActivityInput,
  },
  guards: {
    // A turn starts: the prompt was submitted, or a tool is running.
    turnStarts: ({ event }) => isHook(event, 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'PostToolUseFailure', 'SubagentStart'),
    turnEnds: ({ event }) => isHook(event, 'Stop'),
    turnFails: ({ event }) => isHook(event, 'StopFailure'),
    // A subagent stopping is not the agent stopping, nor is its start a new state: the turn goes on.
    turnGoesOn: ({ event }) => isHook(event, 'PreToolUse', 'PostToolUse', 'PostToolUseFailure', 'SubagentStart', 'SubagentStop'),
    asksPermission: ({ event }) => isHook(event, 'PermissionRequest') || (event.type === 'HOOK' && event.name === 'Notification' && event.notification === 'permission_prompt'),
    sessionStarts: ({ event }) => isHook(event, 'SessionStart'),
    compactionStarts: ({ event }) => isHook(event, 'PreCompact'),
    compactionEnds: ({ event }) => isHook(event, 'PostCompact', 'SessionStart'),
    sessionEnds: ({ event }) => isHook(event, 'SessionEnd'),
    seenBusy: ({ event }) => isScreen(event, 'busy'),
    seenIdle: ({ event }) => isScreen(event, 'idle'),
    // An interrupt or a denied permission fires no hook: the screen is the only evidence that the turn is over.
    seenTurnOver: ({ event }) => isScreen(event, 'interrupted'),
    seenPermission: ({ event }) => isScreen(event, 'permission'),
    seenApiError: ({ event }) => isScreen(event, 'api-error'),
    /** What the agent was doing was itself read from the screen: the screen may also say it ended. */
    knownFromScreen: ({ context }) => context.source === 'screen',
  },
  actions: {
    enter: assign(({ event }) => ({
      since: event.at,
      source: event.type === 'HOOK' ? ('hook' as const) : event.type === 'SCREEN' ? ('screen' as const) : ('pane' as const),
      tool: event.type === 'HOOK' ? event.tool : undefined,
      error: undefined,
      exit: undefined,
    })),
    keepTool: assign(({ context, event }) => ({ tool: event.type === 'HOOK' && event.tool !== undefined ? event.tool : context.tool })),
    keepError: assign(({ event }) => ({ error: (event.type === 'HOOK' || event.type === 'SCREEN' ? event.error : undefined) ?? ('unknown' as const) })),
    keepExit: assign(({ event }) => ({
      exit: event.type === 'EXITED' ? { ...(event.status !== undefined ? { status: event.status } : {}), ...(event.signal !== undefined ? { signal: event.signal } : {}) } : {},
    })),
  },
}).createMachine({
  id: 'activity',
  description: "A running agent's activity: idle, busy in a turn, waiting for a person, errored, compacting, exited.",
  context: ({ input }) => ({ since: input.startedAt, source: 'pane' }),
  initial: 'starting',
  on: {
    // However the agent ended, it ended: from every state.
    EXITED: { target: '.exited', actions: ['enter', 'keepExit'] },
  },
  states: {
    starting: {
      description: 'Started, not yet ready: no hook and no ready prompt seen.',
      on: {
        HOOK: [
          { guard: 'sessionStarts', target: 'idle', actions: 'enter' },
          { guard: 'turnStarts', target: 'busy', actions: 'enter' },
          { guard: 'asksPermission', target: 'waiting', actions: 'enter' },
          { guard: 'sessionEnds', target: 'exited', actions: 'enter' },
        ],
        SCREEN: [
          { guard: 'seenIdle', target: 'idle', actions: 'enter' },
          { guard: 'seenBusy', target: 'busy', actions: 'enter' },
          { guard: 'seenPermission', target: 'waiting', actions: 'enter' },
        ],
      },
    },
    idle: {
      description: 'Ready, with nothing to do: its turn ended (Stop), or its prompt shows with no busy line.',
      on: {
        HOOK: [
          { guard: 'turnStarts', target: 'busy', actions: 'enter' },
          { guard: 'asksPermission', target: 'waiting', actions: 'enter' },
          { guard: 'compactionStarts', target: 'compacting', actions: 'enter' },
          { guard: 'sessionEnds', target: 'exited', actions: 'enter' },
        ],
        SCREEN: [
          { guard: 'seenBusy', target: 'busy', actions: 'enter' },
          { guard: 'seenPermission', target: 'waiting', actions: 'enter' },
        ],
      },
    },
    busy: {
      description: 'A turn in progress; tool calls and subagents within it.',
      on: {
        HOOK: [
          { guard: 'turnEnds', target: 'idle', actions: 'enter' },
          { guard: 'turnFails', target: 'errored', actions: ['enter', 'keepError'] },
          { guard: 'asksPermission', target: 'waiting', actions: 'enter' },
          { guard: 'turnGoesOn', actions: 'keepTool' },
          { guard: 'compactionStarts', target: 'compacting', actions: 'enter' },
          { guard: 'sessionEnds', target: 'exited', actions: 'enter' },
        ],
        SCREEN: [
          { guard: 'seenTurnOver', target: 'idle', actions: 'enter' },
          { guard: 'seenPermission', target: 'waiting', actions: 'enter' },
          { guard: 'seenApiError', target: 'errored', actions: ['enter', 'keepError'] },
          // Hooks said the turn began: only the screen's word that it was cut short ends it, not a quiet frame. A turn
          // known from the screen alone ends when the screen shows the agent idle again.
          { guard: and(['seenIdle', 'knownFromScreen']), target: 'idle', actions: 'enter' },
        ],
      },
    },
    waiting: {
      description: 'Needs a person: a permission prompt or a question.',
      on: {
        HOOK: [
          { guard: 'turnEnds', target: 'idle', actions: 'enter' },
          { guard: 'turnFails', target: 'errored', actions: ['enter', 'keepError'] },
          // Allowed: the tool runs and the turn goes on.
          { guard: 'turnStarts', target: 'busy', actions: 'enter' },
          { guard: 'sessionEnds', target: 'exited', actions: 'enter' },
          // The screen's permission dialog can show before the agent's PermissionRequest hook runs: the hook names the
          // tool. A wait a hook already said is kept as it is (a later Notification names none).
          { guard: and(['asksPermission', 'knownFromScreen']), actions: 'enter' },
        ],
        SCREEN: [
          // Allowed, the turn goes on with its tool's hooks. A wait a hook said is not undone by a busy frame: the screen
          // lags behind the hooks (a spinner still drawn after PermissionRequest).
          { guard: and(['seenBusy', 'knownFromScreen']), target: 'busy', actions: 'enter' },
          // Denied, or answered with Esc: no hook fires, the prompt comes back.
          { guard: 'seenIdle', target: 'idle', actions: 'enter' },
          { guard: 'seenTurnOver', target: 'idle', actions: 'enter' },
        ],
      },
    },
    errored: {
      description: 'The turn failed (API unreachable, authentication, rate limit, server error); the kind is kept.',
      on: {
        HOOK: [
          // The screen's API error line often shows before the agent's StopFailure hook runs: the hook names the kind.
          { guard: 'turnFails', actions: ['enter', 'keepError'] },
          { guard: 'turnStarts', target: 'busy', actions: 'enter' },
          { guard: 'turnEnds', target: 'idle', actions: 'enter' },
          { guard: 'sessionEnds', target: 'exited', actions: 'enter' },
        ],
        // A new turn after a failed one starts with its UserPromptSubmit hook. A failure a hook said is not undone by a
        // busy frame: the screen lags behind the hooks (under load it still shows the spinner after StopFailure).
        SCREEN: [{ guard: and(['seenBusy', 'knownFromScreen']), target: 'busy', actions: 'enter' }],
      },
    },
    compacting: {
      description: 'Summarising its context (/compact, or on its own).',
      on: {
        HOOK: [
          { guard: 'compactionEnds', target: 'idle', actions: 'enter' },
          { guard: 'sessionEnds', target: 'exited', actions: 'enter' },
        ],
      },
    },
    exited: {
      description: 'The agent ended: its SessionEnd hook, or its pane dead (with the exit status or signal).',
      type: 'final',
    },
  },
});
