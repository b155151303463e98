/**
 * Which runs a town keeps: the last `keep` of each polecat, and every run younger than `keepDays`; never one in
 * progress or interrupted (it is still to be resumed or rolled back). The rest are pruned: on demand (`polecat runs
 * --prune`), and by the supervisor as it goes. The defaults can be set in the town's settings/config.json:
 * `{"runs": {"keep": 20, "keep_days": 7}}`.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../town/names.js';
import { readJsonFile } from '../town/settings-file.js';
import { listRuns, runsDir, type ListedRun } from './store.js';

export interface RetentionPolicy {
  /** Runs kept per polecat, newest first. */
  readonly keep: number;
  /** Runs younger than this are kept whatever their number. */
  readonly keepDays: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { keep: 20, keepDays: 7 };

const DAY_MS = 86_400_000;

/** The town's policy: settings/config.json's `runs`, over the defaults. */
export function retentionPolicy(townRoot: string): RetentionPolicy {
  const file = join(townRoot, 'settings', 'config.json');
  const runs = readJsonFile(file)?.runs;
  if (runs === undefined) return DEFAULT_RETENTION;
  if (typeof runs !== 'object' || runs === null || Array.isArray(runs)) throw new InvalidInputError(`${file}: runs must be an object`);
  const { keep, keep_days: keepDays } = runs as { keep?: unknown; keep_days?: unknown };
  const count = (value: unknown, key: string, fallback: number) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new InvalidInputError(`${file}: runs.${key} must be a whole number of 0 or more`);
    return value;
  };
  return { keep: count(keep, 'keep', DEFAULT_RETENTION.keep), keepDays: count(keepDays, 'keep_days', DEFAULT_RETENTION.keepDays) };
}

/** The finished runs past the policy: each polecat's beyond its newest `keep`, and older than `keepDays`. */
export function prunable(runs: readonly ListedRun[], policy: RetentionPolicy, now: number): ListedRun[] {
  const seen = new Map<string, number>();
  const out: ListedRun[] = [];
  // listRuns gives them newest first.
  for (const run of [...runs].sort((a, b) => b.record.startedAt.localeCompare(a.record.startedAt))) {
    const polecat = `${run.record.rig}/${run.record.name}`;
    const index = seen.get(polecat) ?? 0;
    seen.set(polecat, index + 1);
    if (run.state !== 'finished') continue;
    if (index < policy.keep) continue;
    if (now - Date.parse(run.record.startedAt) < policy.keepDays * DAY_MS) continue;
    out.push(run);
  }
  return out;
}

export interface PruneResult {
  readonly pruned: readonly string[];
  readonly kept: number;
  /** Of those kept, in progress or interrupted. */
  readonly unfinished: number;
}

/** Removes the runs past the policy; with `dryRun`, only says which. */
export function pruneRuns(townRoot: string, policy: RetentionPolicy, options: { now?: number; dryRun?: boolean } = {}): PruneResult {
  const runs = listRuns(townRoot);
  const gone = prunable(runs, policy, options.now ?? Date.now());
  if (!options.dryRun) for (const run of gone) rmSync(join(runsDir(townRoot), run.record.runId), { recursive: true, force: true });
  return { pruned: gone.map((run) => run.record.runId), kept: runs.length - gone.length, unfinished: runs.filter((run) => run.state !== 'finished').length };
}
