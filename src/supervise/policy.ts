/**
 * How hard the supervisor tries, from `settings/config.json` of the town and of the rig (the rig's winning), under
 * `supervision`: `backoff_min_s`, `backoff_max_s`, `stable_after_s`, `max_restarts`, `window_s`. Each one absent is the
 * default (DEFAULT_SUPERVISION_POLICY: 1 s to 5 min, stable after 5 min, 5 restarts in 10 min).
 */
import { join } from 'node:path';
import { DEFAULT_SUPERVISION_POLICY, type SupervisionPolicy } from '../../machines/supervision.js';
import { DEFAULT_HUNG_AFTER_MS } from '../api/queries.js';
import { InvalidInputError } from '../town/names.js';
import { readJsonFile } from '../town/settings-file.js';

const SECONDS: ReadonlyArray<readonly [string, 'backoffMinMs' | 'backoffMaxMs' | 'stableAfterMs' | 'windowMs']> = [
  ['backoff_min_s', 'backoffMinMs'],
  ['backoff_max_s', 'backoffMaxMs'],
  ['stable_after_s', 'stableAfterMs'],
  ['window_s', 'windowMs'],
];

/** The file's `supervision` object; undefined when the file or the key is absent; anything else refused in one line. */
function supervisionSection(file: string): Record<string, unknown> | undefined {
  const section = readJsonFile(file)?.supervision;
  if (section === undefined) return undefined;
  if (typeof section !== 'object' || section === null || Array.isArray(section)) throw new InvalidInputError(`${file}: supervision must be an object`);
  return section as Record<string, unknown>;
}

function fromFile(file: string, base: SupervisionPolicy): SupervisionPolicy {
  const o = supervisionSection(file);
  if (o === undefined) return base;
  let policy = { ...base };
  for (const [key, field] of SECONDS) {
    const value = o[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new InvalidInputError(`${file}: supervision.${key} must be a number of seconds, 0 or more`);
    // A window of nothing would count no restart, and so never quarantine.
    if (key === 'window_s' && value === 0) throw new InvalidInputError(`${file}: supervision.window_s must be more than 0`);
    policy = { ...policy, [field]: value * 1000 };
  }
  if (o.max_restarts !== undefined) {
    if (typeof o.max_restarts !== 'number' || !Number.isInteger(o.max_restarts) || o.max_restarts < 1) throw new InvalidInputError(`${file}: supervision.max_restarts must be a whole number, 1 or more`);
    policy = { ...policy, maxRestarts: o.max_restarts };
  }
  if (policy.backoffMaxMs < policy.backoffMinMs) throw new InvalidInputError(`${file}: supervision.backoff_max_s is below backoff_min_s`);
  return policy;
}

export function supervisionPolicy(townRoot: string, rig: string): SupervisionPolicy {
  const town = fromFile(join(townRoot, 'settings', 'config.json'), DEFAULT_SUPERVISION_POLICY);
  return fromFile(join(townRoot, rig, 'settings', 'config.json'), town);
}

/** A hung agent: busy with no pane activity this long. Reported; stopped and restarted only with restartHung. */
export interface HungPolicy {
  readonly hungAfterMs: number;
  readonly restartHung: boolean;
}

function hungFromFile(file: string, base: HungPolicy): HungPolicy {
  const section = supervisionSection(file);
  if (section === undefined) return base;
  let policy = base;
  if (section.hung_after_s !== undefined) {
    const value = section.hung_after_s;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new InvalidInputError(`${file}: supervision.hung_after_s must be a number of seconds, more than 0`);
    policy = { ...policy, hungAfterMs: value * 1000 };
  }
  if (section.restart_hung !== undefined) {
    if (typeof section.restart_hung !== 'boolean') throw new InvalidInputError(`${file}: supervision.restart_hung must be true or false`);
    policy = { ...policy, restartHung: section.restart_hung };
  }
  return policy;
}

/** From the town's and the rig's settings (`supervision.hung_after_s`, default 30 min; `supervision.restart_hung`, default false). */
export function hungPolicy(townRoot: string, rig: string): HungPolicy {
  const town = hungFromFile(join(townRoot, 'settings', 'config.json'), { hungAfterMs: DEFAULT_HUNG_AFTER_MS, restartHung: false });
  return hungFromFile(join(townRoot, rig, 'settings', 'config.json'), town);
}
