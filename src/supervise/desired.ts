/**
 * What the user wants of each polecat: `up` (should be running, with the start options to restart it with) or
 * `down` (should not). One file per polecat under the town's runtime directory, so two `polecat up` of different
 * polecats never overwrite each other; each written atomically (temp file, fsync, rename) and versioned. `start` and
 * `stop` leave it as it is; `up`, `down` and the supervisor read it.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomic.js';
import type { StartupTimeouts } from '../../machines/startup.js';
import type { PolecatAddress } from '../town/names.js';

export const DESIRED_FORMAT_VERSION = 1;

/** The options of `polecat up` that a restart starts with again (as `polecat start` takes them). */
export interface UpOptions {
  readonly agent?: string;
  readonly issue?: string;
  readonly prompt?: string;
  /** The waits' deadlines, in milliseconds, as --timeout gave them. */
  readonly timeouts?: Partial<StartupTimeouts>;
}

export interface DesiredState {
  readonly format: typeof DESIRED_FORMAT_VERSION;
  readonly rig: string;
  readonly name: string;
  readonly want: 'up' | 'down';
  /** When it was last said (ISO-8601). */
  readonly since: string;
  readonly options: UpOptions;
}

export class DesiredStateError extends Error {
  override readonly name = 'DesiredStateError';
}

export function desiredDir(townRoot: string): string {
  return join(townRoot, '.runtime', 'polecat', 'desired');
}

function desiredPath(townRoot: string, address: PolecatAddress): string {
  return join(desiredDir(townRoot), address.rig, `${address.name}.json`);
}

/** Nothing said of it any more: for a polecat that is removed. */
export function forgetDesired(townRoot: string, address: PolecatAddress): void {
  rmSync(desiredPath(townRoot, address), { force: true });
}

export async function writeDesired(townRoot: string, address: PolecatAddress, want: DesiredState['want'], options: UpOptions = {}, now = new Date()): Promise<DesiredState> {
  const state: DesiredState = { format: DESIRED_FORMAT_VERSION, rig: address.rig, name: address.name, want, since: now.toISOString(), options };
  await writeFileAtomic(desiredPath(townRoot, address), `${JSON.stringify(state, null, 2)}\n`, 0o600);
  return state;
}

/** The kept start options, each checked: a restart must not start from a value nobody gave. */
function optionsOf(path: string, value: unknown): UpOptions {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DesiredStateError(`${path} is damaged (its options are not an object)`);
  const o = value as Record<string, unknown>;
  for (const key of ['agent', 'issue', 'prompt'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'string') throw new DesiredStateError(`${path} is damaged (options.${key} is not a string)`);
  }
  const timeouts = o.timeouts;
  if (timeouts !== undefined) {
    const valid = typeof timeouts === 'object' && timeouts !== null && Object.values(timeouts).every((ms) => typeof ms === 'number' && Number.isFinite(ms) && ms > 0);
    if (!valid) throw new DesiredStateError(`${path} is damaged (options.timeouts are not milliseconds)`);
  }
  return {
    ...(o.agent !== undefined ? { agent: o.agent as string } : {}),
    ...(o.issue !== undefined ? { issue: o.issue as string } : {}),
    ...(o.prompt !== undefined ? { prompt: o.prompt as string } : {}),
    ...(timeouts !== undefined ? { timeouts: timeouts as Partial<StartupTimeouts> } : {}),
  };
}

function parseDesired(path: string, text: string): DesiredState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DesiredStateError(`${path} is damaged (not valid JSON): say \`polecat up\` or \`polecat down\` for it again`);
  }
  const o = (typeof value === 'object' && value !== null ? value : {}) as Partial<DesiredState>;
  if (o.format !== DESIRED_FORMAT_VERSION) throw new DesiredStateError(`${path} is not a desired state of format ${DESIRED_FORMAT_VERSION}`);
  if ((o.want !== 'up' && o.want !== 'down') || typeof o.rig !== 'string' || typeof o.name !== 'string' || typeof o.since !== 'string') {
    throw new DesiredStateError(`${path} is damaged (its fields are not a desired state)`);
  }
  return { format: DESIRED_FORMAT_VERSION, rig: o.rig, name: o.name, want: o.want, since: o.since, options: optionsOf(path, o.options) };
}

/** What was said of this polecat, or undefined when nothing was (it is then neither up nor down: left alone). */
export function readDesired(townRoot: string, address: PolecatAddress): DesiredState | undefined {
  const path = desiredPath(townRoot, address);
  if (!existsSync(path)) return undefined;
  return parseDesired(path, readFileSync(path, 'utf8'));
}

/** Every polecat of the town something was said of (of one rig, with `rig`); damaged files reported, not fatal. */
export function listDesired(townRoot: string, rig?: string, onDamaged: (error: DesiredStateError) => void = () => undefined): DesiredState[] {
  const dir = desiredDir(townRoot);
  if (!existsSync(dir)) return [];
  const states: DesiredState[] = [];
  for (const rigName of readdirSync(dir)) {
    if (rig !== undefined && rigName !== rig) continue;
    for (const file of readdirSync(join(dir, rigName))) {
      if (!file.endsWith('.json')) continue;
      const path = join(dir, rigName, file);
      try {
        states.push(parseDesired(path, readFileSync(path, 'utf8')));
      } catch (error) {
        if (error instanceof DesiredStateError) onDamaged(error);
        else throw error;
      }
    }
  }
  return states.sort((a, b) => `${a.rig}/${a.name}`.localeCompare(`${b.rig}/${b.name}`));
}
