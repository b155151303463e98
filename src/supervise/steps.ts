/**
 * The supervision machine's own steps: waiting out a backoff, and planning a restart from what was said of the
 * polecat with `polecat up` (its start options), as `polecat start` plans one. The restart itself is the startup
 * machine with its usual steps.
 */
import { fromPromise } from 'xstate';
import type { PlanRestartInput, RestartPlan, Settled, SupervisedPolecat } from '../../machines/supervision.js';
import { interruptedStarts, resume, rollbackRun } from '../api/start.js';
import { planStart, type LocateOptions } from '../plan.js';
import { RunFiles, runState } from '../runs/store.js';
import type { StepDeps } from '../steps/deps.js';
import { sleep } from '../steps/watch.js';
import { eventFilePath, readEvents } from '../activity/event-file.js';
import type { PolecatAddress } from '../town/names.js';
import { readDesired } from './desired.js';

/** Resolves after `ms`, or rejects at once when the actor is stopped (DOWN during the backoff). */
export const sleepStep = () => fromPromise<void, { ms: number }>(({ input, signal }) => sleep(input.ms, signal));

/**
 * Settles what a dead process left half done: each interrupted start of the polecat (its supervisor or a user's
 * `polecat start` killed part way) is resumed from its snapshot or, when it cannot be (recorded by another version
 * of the machine, a damaged snapshot), rolled back. Throws when neither could be done: that run still holds the polecat.
 */
export async function settleInterrupted(polecat: SupervisedPolecat, deps?: StepDeps, pending?: readonly string[]): Promise<Settled> {
  const runs: Array<Settled['runs'][number]> = [];
  let running: { run: string } | undefined;
  const options = deps ? { deps } : {};
  for (const run of pending ?? interruptedStarts(polecat.townRoot, polecat.rig, polecat.name).map((r) => r.record.runId)) {
    try {
      const output = await resume(polecat.townRoot, run, options);
      runs.push({ run, how: output.result === 'running' ? 'resumed' : 'failed' });
      if (output.result === 'running') running = { run };
    } catch (error) {
      // Still interrupted: the resume did not begin, so its rollback can be done instead.
      if (runState(new RunFiles(polecat.townRoot, run).record()) !== 'interrupted') throw error;
      await rollbackRun(polecat.townRoot, run, options);
      runs.push({ run, how: 'rolled back' });
    }
  }
  return { runs, ...(running ? { running } : {}), at: Date.now() };
}

/** The agent's own session id, as its hooks last reported it in that run (Claude's session_id). */
export function lastSession(townRoot: string, address: PolecatAddress, run: string): string | undefined {
  const { lines } = readEvents(eventFilePath(townRoot, address.rig, address.name), run);
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i]!.session !== undefined) return lines[i]!.session;
  return undefined;
}

/**
 * The next start of the polecat: its options as `polecat up` kept them, following its last run, and continuing that
 * run's conversation when its agent can (`resume` arguments) unless `fresh` (a resumed start just failed).
 */
export function planRestart(input: PlanRestartInput, locate: Pick<LocateOptions, 'socket' | 'env'> = {}, fresh = false): RestartPlan {
  const { polecat, previousRun } = input;
  const address = { rig: polecat.rig, name: polecat.name };
  const desired = readDesired(polecat.townRoot, address);
  if (desired?.want !== 'up') throw new Error(`${polecat.rig}/${polecat.name} is no longer up`);
  const { agent, issue, prompt, timeouts } = desired.options;
  const plan = planStart(address, {
    ...locate,
    town: polecat.townRoot,
    ...(agent !== undefined ? { agent } : {}),
    ...(issue !== undefined ? { issue } : {}),
    ...(prompt !== undefined ? { prompt } : {}),
    ...(timeouts !== undefined ? { timeouts } : {}),
    ...(previousRun !== undefined ? { follows: previousRun } : {}),
    ...(previousRun !== undefined && !fresh ? { resume: { ...optionalSession(lastSession(polecat.townRoot, address, previousRun)) } } : {}),
  });
  return { plan, at: Date.now() };
}

const optionalSession = (session: string | undefined) => (session !== undefined ? { session } : {});

export const planRestartStep = (locate: Pick<LocateOptions, 'socket' | 'env'> = {}) => fromPromise<RestartPlan, PlanRestartInput>(async ({ input }) => planRestart(input, locate));
