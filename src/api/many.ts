import { setMaxListeners } from 'node:events';
import type { StartupInput, StartupOutput } from '../../machines/startup.js';
import type { StopOutput } from '../../machines/stop.js';
import { planStop, type StopOptions } from '../plan.js';
import type { ProgressEvent } from '../runs/execute.js';
import { mapLimited } from '../runs/limit.js';
import type { StepDeps } from '../steps/deps.js';
import { list } from './queries.js';
import { start } from './start.js';
import { stop } from './stop.js';

/** Many polecats at once: starting several, each its own run, and stopping every polecat of a rig. */

/**
 * Enough to start a rig's polecats in a few waves, few enough that agents which each load a large program at startup
 * (and the tmux server every start polls) keep up, and that provider rate limits are not hit all at once.
 */
export const DEFAULT_PARALLEL = 8;

/** How one polecat's start ended: the machine's own ending, an error before or around it, or never begun. */
export type StartOutcome =
  | { readonly kind: 'ended'; readonly plan: StartupInput; readonly result: StartupOutput; readonly ms: number }
  | { readonly kind: 'error'; readonly plan: StartupInput; readonly error: Error; readonly ms: number }
  | { readonly kind: 'notBegun'; readonly plan: StartupInput };

export interface StartManyOptions {
  /** At most this many starts in flight. */
  readonly parallel: number;
  /** Aborting cancels every start in flight (each rolls back) and begins no other. */
  readonly signal?: AbortSignal;
  readonly deps?: StepDeps;
  readonly onBegin?: (plan: StartupInput) => void;
  readonly onProgress?: (plan: StartupInput, event: ProgressEvent) => void;
  readonly onEnd?: (outcome: StartOutcome) => void;
}

/**
 * Starts many polecats, each as its own run exactly as `start` runs one (its lock, its record, its rollback). One
 * failing, or refused (its lock held, an interrupted start to settle), does not stop the others.
 */
export async function startMany(plans: readonly StartupInput[], options: StartManyOptions): Promise<StartOutcome[]> {
  // Every run in flight listens to the one signal: dozens of listeners are expected, not a leak.
  if (options.signal) setMaxListeners(0, options.signal);
  const outcomes = await mapLimited(
    plans,
    options.parallel,
    async (plan): Promise<StartOutcome> => {
      options.onBegin?.(plan);
      const began = Date.now();
      let outcome: StartOutcome;
      try {
        const result = await start(plan, {
          ...(options.deps ? { deps: options.deps } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          onProgress: (event) => options.onProgress?.(plan, event),
        });
        outcome = { kind: 'ended', plan, result, ms: Date.now() - began };
      } catch (error) {
        outcome = { kind: 'error', plan, error: error instanceof Error ? error : new Error(String(error)), ms: Date.now() - began };
      }
      options.onEnd?.(outcome);
      return outcome;
    },
    options.signal,
  );
  return outcomes.map((outcome, i) => outcome ?? { kind: 'notBegun', plan: plans[i]! });
}

export interface StopAllResult {
  readonly stopped: ReadonlyArray<{ readonly polecat: string; readonly result: StopOutput }>;
  readonly failed: ReadonlyArray<{ readonly polecat: string; readonly error: string }>;
}

/**
 * Stops every polecat of one rig of this town, in parallel: only sessions that carry this town's and rig's polecat
 * options (never another role's, another town's or the user's own sessions). Every failure is reported. Aborting the
 * signal interrupts every stop, each finishing at once by force; none is abandoned.
 */
export async function stopAll(
  rig: string,
  options: StopOptions & { deps?: StepDeps; signal?: AbortSignal; onProgress?: (polecat: string, event: ProgressEvent) => void } = {},
): Promise<StopAllResult> {
  const { polecats } = await list(rig, options);
  // Every stop listens to the one signal: a rig's worth of listeners is expected, not a leak.
  if (options.signal) setMaxListeners(0, options.signal);
  const outcomes = await Promise.all(
    polecats.map(async (p) => {
      try {
        const plan = planStop({ rig: p.rig, name: p.name }, { ...options, runId: undefined });
        const result = await stop(plan, {
          ...(options.deps ? { deps: options.deps } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          onProgress: (event) => options.onProgress?.(p.polecat, event),
        });
        if (result.result === 'failed') return { polecat: p.polecat, error: `${result.failure?.step}: ${result.failure?.message}` };
        return { polecat: p.polecat, result };
      } catch (error) {
        return { polecat: p.polecat, error: (error as Error).message };
      }
    }),
  );
  return {
    stopped: outcomes.filter((o): o is { polecat: string; result: StopOutput } => 'result' in o),
    failed: outcomes.filter((o): o is { polecat: string; error: string } => 'error' in o),
  };
}
