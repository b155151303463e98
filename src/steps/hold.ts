import { existsSync, writeFileSync } from 'node:fs';
import { fromPromise, type AnyActorLogic } from 'xstate';

/**
 * A hold point for fault tests: `POLECAT_TEST_HOLD=<step>:<file>` makes that step, once its own work is done, write
 * `<file>` and wait until the file is removed (or the run is cancelled) before it finishes. While it waits, the run
 * is known to be in that step with the step's effects made, so a test can signal the CLI, kill the agent or the tmux
 * server there, then let the run go on by removing the file. Unset, nothing is wrapped.
 */
export interface HoldPoint {
  readonly step: string;
  readonly file: string;
}

export const HOLD_VARIABLE = 'POLECAT_TEST_HOLD';
const HOLD_POLL_MS = 10;
/** A hold nobody releases lets the run go on after this, so a broken test cannot hang a run for ever. */
const HOLD_LIMIT_MS = 60_000;

export function holdPointFrom(env: NodeJS.ProcessEnv): HoldPoint | undefined {
  const value = env[HOLD_VARIABLE];
  if (!value) return undefined;
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) throw new Error(`${HOLD_VARIABLE} must be <step>:<file>, got ${JSON.stringify(value)}`);
  return { step: value.slice(0, colon), file: value.slice(colon + 1) };
}

type PromiseCreator = (args: { input: unknown; signal: AbortSignal }) => PromiseLike<unknown>;

/** The step's logic (made by fromPromise) with the hold after its work; other steps are returned as they are. */
export function withHold<T extends Record<string, AnyActorLogic>>(actors: T, hold: HoldPoint | undefined): T {
  if (!hold || !(hold.step in actors)) return actors;
  const creator = (actors[hold.step] as unknown as { config: PromiseCreator }).config;
  const held = fromPromise<unknown, unknown>(async (args) => {
    const output = await creator(args);
    await waitForRelease(hold.file, args.signal);
    return output;
  });
  return { ...actors, [hold.step]: held };
}

async function waitForRelease(file: string, signal: AbortSignal): Promise<void> {
  writeFileSync(file, `${process.pid}\n`);
  const until = Date.now() + HOLD_LIMIT_MS;
  while (existsSync(file) && Date.now() < until && !signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, HOLD_POLL_MS));
  }
}
