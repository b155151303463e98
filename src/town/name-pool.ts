/**
 * Names for new polecats, as Gas Town hands them out: the rig's own list (`namepool.names` in its
 * `settings/config.json`), else polecat's themed pool; never a name Gas Town keeps for its own agents; numbers once
 * the list is used up. A name is in use while `<rig>/polecats/<name>/` exists or a live `<name>.pending` marker
 * says another `polecat add` is making it. Names are taken under a lock, so two adds at once never get the same one.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { acquireLockAt, awaitLock } from '../runs/lock.js';
import { currentProcess, isAlive, type ProcessIdentity } from '../runs/owner.js';
import { InvalidInputError, isValidName } from './names.js';
import { readJsonFile } from './settings-file.js';

/** Gas Town's infrastructure agents and the words its session names are parsed by: never a polecat's name. */
export const RESERVED_NAMES: readonly string[] = ['witness', 'mayor', 'deacon', 'refinery', 'crew', 'polecats'];

/** polecat's own theme: rocks and minerals, 50 of them (Gas Town's pools are 50 too). */
export const THEMED_POOL: readonly string[] = [
  'Agate', 'Basalt', 'Beryl', 'Calcite', 'Chert', 'Cinnabar', 'Cobalt', 'Coral', 'Dolomite', 'Feldspar',
  'Flint', 'Galena', 'Garnet', 'Gneiss', 'Granite', 'Gypsum', 'Halite', 'Hematite', 'Jade', 'Jasper',
  'Jet', 'Kyanite', 'Lapis', 'Malachite', 'Marble', 'Mica', 'Obsidian', 'Olivine', 'Onyx', 'Opal',
  'Peridot', 'Pumice', 'Pyrite', 'Quartz', 'Rhyolite', 'Ruby', 'Rutile', 'Sapphire', 'Schist', 'Shale',
  'Slate', 'Spinel', 'Talc', 'Topaz', 'Tourmaline', 'Tuff', 'Turquoise', 'Zircon', 'Zoisite', 'Toast',
];

export function isReservedName(name: string): boolean {
  return RESERVED_NAMES.includes(name.toLowerCase());
}

/** The rig's names in order: its settings' `namepool.names` (what polecat can address, less the reserved), else the theme. */
export function poolNames(rigDir: string): string[] {
  const settings = readJsonFile(join(rigDir, 'settings', 'config.json'));
  const names = (settings?.namepool as { names?: unknown } | undefined)?.names;
  const own = Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string' && isValidName(n) && !isReservedName(n)) : [];
  return own.length > 0 ? own : [...THEMED_POOL];
}

function pendingPath(rigDir: string, name: string): string {
  return join(rigDir, 'polecats', `${name}.pending`);
}

/** Who is making this polecat now: the live process named in its `.pending` marker. */
export function pendingHolder(rigDir: string, name: string): ProcessIdentity | undefined {
  try {
    const holder = JSON.parse(readFileSync(pendingPath(rigDir, name), 'utf8')) as Partial<ProcessIdentity>;
    if (typeof holder.pid !== 'number' || typeof holder.startTime !== 'number') return undefined;
    return isAlive(holder as ProcessIdentity) ? (holder as ProcessIdentity) : undefined;
  } catch {
    return undefined;
  }
}

function inUse(rigDir: string, name: string): boolean {
  return existsSync(join(rigDir, 'polecats', name)) || pendingHolder(rigDir, name) !== undefined;
}

export interface ReservedNames {
  readonly names: readonly string[];
  /** Removes the `.pending` markers (each once its polecat is made, or given up). */
  release(name?: string): void;
}

/** How long a `polecat add --count` waits for another one to finish choosing names (it holds the lock for milliseconds). */
const POOL_LOCK_WAIT_MS = 10_000;

/**
 * Marks names `.pending` for this process under the rig's name lock: the names given (each refused, and none
 * marked, when it is in use), or `count` from the pool that are not in use. The caller releases each marker once
 * that polecat exists (its directory then says the name is taken) or was not made.
 */
export async function reserveNames(townRoot: string, rig: string, wanted: readonly string[] | number): Promise<ReservedNames> {
  const rigDir = join(townRoot, rig);
  const lockFile = join(townRoot, '.runtime', 'polecat', 'locks', 'names', `${rig}.lock`);
  const token = randomBytes(6).toString('hex');
  const lock = await awaitLock(() => acquireLockAt(lockFile, token, 'add', `the names of rig ${rig}`), Date.now() + POOL_LOCK_WAIT_MS, 20);
  const rigPolecats = join(rigDir, 'polecats');
  const taken: string[] = [];
  const marked: string[] = [];
  try {
    if (typeof wanted === 'number') {
      const pool = poolNames(rigDir);
      // Past the list, numbers, as Gas Town's overflow names are.
      for (let i = 0; taken.length < wanted; i += 1) {
        const name = i < pool.length ? pool[i]! : String(i + 1);
        if (!inUse(rigDir, name)) taken.push(name);
      }
    } else {
      for (const name of wanted) {
        if (existsSync(join(rigPolecats, name))) throw new InvalidInputError(`${join(rigPolecats, name)} exists already: polecat ${rig}/${name} is there (polecat remove ${rig}/${name} first)`);
        const holder = pendingHolder(rigDir, name);
        if (holder) throw new InvalidInputError(`polecat ${rig}/${name} is being added already (pid ${holder.pid})`);
        taken.push(name);
      }
    }
    const me = JSON.stringify(currentProcess());
    for (const name of taken) {
      writeFileSync(pendingPath(rigDir, name), me, { mode: 0o644 });
      marked.push(name);
    }
  } catch (error) {
    for (const name of marked) rmSync(pendingPath(rigDir, name), { force: true });
    throw error;
  } finally {
    lock.release();
  }
  const left = new Set(taken);
  return {
    names: taken,
    release(name?: string) {
      for (const each of name === undefined ? [...left] : [name]) {
        rmSync(pendingPath(rigDir, each), { force: true });
        left.delete(each);
      }
    },
  };
}
