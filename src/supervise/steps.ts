/**
 * The supervision machine's own steps: waiting out a backoff, and planning a restart from what was said of the
 * polecat with `polecat up` (its start options), as `polecat start` plans one. The restart itself is the startup
 * machine with its usual steps.
 */
import { fromPromise } from 'xstate';
import type { PlanRestartInput, RestartPlan } from '../../machines/supervision.js';
import { planStart, type LocateOptions } from '../plan.js';
import { readDesired } from './desired.js';

/** Resolves after `ms`, or rejects at once when the actor is stopped (DOWN during the backoff). */
export const sleepStep = () =>
  fromPromise<void, { ms: number }>(
    ({ input, signal }) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, input.ms);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new Error('the backoff was cut short'));
        });
      }),
  );

/** The next start of the polecat: its options as `polecat up` kept them, following its last run. */
export function planRestart(input: PlanRestartInput, locate: Pick<LocateOptions, 'socket' | 'env'> = {}): RestartPlan {
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
  });
  return { plan, at: Date.now() };
}

export const planRestartStep = (locate: Pick<LocateOptions, 'socket' | 'env'> = {}) => fromPromise<RestartPlan, PlanRestartInput>(async ({ input }) => planRestart(input, locate));
