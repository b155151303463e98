import type { AnyEventObject } from 'xstate';
import { STEP_ORDER, startupMachine, type StartupInput } from '../../machines/startup.js';
import { completePaths, type CompletePath } from './model.js';

/** The startup machine's steps as invoked actors: every step, and rollback. */
export const STARTUP_ACTORS = [...STEP_ORDER, 'rollback'];

/** A plan for the machine alone: no step really runs, so paths and names need not exist. */
export const startupPlan: StartupInput = {
  runId: 'run-1',
  rig: 'gastown',
  name: 'Toast',
  townRoot: '/town',
  socket: 'town-abc123',
  sessionName: 'gastown-Toast',
  polecatDir: '/town/gastown/polecats/Toast',
  workDir: '/town/gastown/polecats/Toast',
  beadsDir: '/town/gastown',
  agent: { name: 'sim', argv: ['sim'], processNames: ['node'], promptMode: 'none', readyPromptPrefix: '❯ ', readyDelayMs: 0 },
  env: {},
  credentialsFile: '/town/.runtime/polecat/credentials-run-1.env',
  startupText: 'hello',
  timeouts: { commandMs: 1000, dialogsMs: 1000, readyMs: 1000, nudgeMs: 1000 },
};

const OUTPUTS: Record<string, unknown> = {
  validateIssue: { status: 'open', assignee: 'someone' },
  createSession: { paneId: '%1', panePid: 4242 },
  acceptBypass: { answered: ['trust: Yes, I trust this folder'] },
  rollback: { undone: ['killed session gastown-Toast'] },
};

const EVENTS: AnyEventObject[] = [
  { type: 'CANCEL' },
  ...STARTUP_ACTORS.flatMap((id) => [
    { type: `xstate.done.actor.${id}`, output: OUTPUTS[id] ?? {} },
    { type: `xstate.error.actor.${id}`, error: new Error(`${id} failed`) },
  ]),
];

/**
 * Every complete path of the startup machine, without and with an issue, generated with xstate/graph. Context holds
 * absolute deadlines; two snapshots are the same state when what steers the machine is the same.
 */
export const startupPaths: CompletePath<StartupInput>[] = completePaths(
  startupMachine,
  [startupPlan, { ...startupPlan, issue: 'gt-abc' }],
  EVENTS,
  ({ value, context: c }) => JSON.stringify([value, c.cancelledIn !== undefined, c.failure?.step, c.warnings.length, c.hookStarted, c.sessionStarted]),
);

/** The path's events after xstate.init, by type: what a run's journal records as its events, in order. */
export function eventTypes(path: CompletePath<StartupInput>): string[] {
  return path.events.map((e) => e.type).filter((type) => type !== 'xstate.init');
}
