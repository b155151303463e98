import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InvalidInputError, isValidName, type PolecatAddress } from './names.js';

export const TOWN_MARKER = join('mayor', 'town.json');

/**
 * The town root: `--town`, else GT_TOWN_ROOT, else the outermost directory at or above `cwd` holding
 * mayor/town.json, as Gas Town finds it (a repository of a rig may carry a mayor/town.json of its own). Returned as a
 * real path so that the socket name does not depend on how the town was reached.
 */
export function resolveTownRoot(explicit: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string {
  if (explicit === '') throw new InvalidInputError('--town is empty: give the town root directory');
  const given = explicit ?? (env.GT_TOWN_ROOT || undefined);
  if (given !== undefined) {
    const source = explicit !== undefined ? '--town' : 'GT_TOWN_ROOT';
    const path = resolve(cwd, given);
    if (!existsSync(path)) throw new InvalidInputError(`${source} ${JSON.stringify(given)} does not exist`);
    if (!statSync(path).isDirectory()) throw new InvalidInputError(`${source} ${JSON.stringify(given)} is not a directory`);
    if (!existsSync(join(path, TOWN_MARKER))) {
      throw new InvalidInputError(`${source} ${JSON.stringify(given)} is not a town: it has no ${TOWN_MARKER}`);
    }
    return realpathSync(path);
  }
  let found: string | undefined;
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, TOWN_MARKER))) found = dir;
    if (dirname(dir) === dir) break;
  }
  if (found !== undefined) return realpathSync(found);
  throw new InvalidInputError('no town found: pass --town DIR, set GT_TOWN_ROOT, or run inside a town (a directory with mayor/town.json)');
}

/** The town's own tmux server: `<basename>-<6 hex of sha256(real path)>`, unless overridden. */
export function townSocketName(townRoot: string, override: string | undefined): string {
  if (override !== undefined && override !== '' && override !== 'auto') {
    if (!/^[A-Za-z0-9_.-]+$/.test(override) || /^\.+$/.test(override)) {
      throw new InvalidInputError(`invalid socket name ${JSON.stringify(override)}: use letters, digits, '.', '_' and '-'`);
    }
    return override;
  }
  // Socket paths are limited (about 100 bytes on Linux): a long town name is cut, the hash keeps it unique.
  const base = townRoot.split('/').pop()!.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 32).replace(/-+$/, '') || 'town';
  const hash = createHash('sha256').update(townRoot).digest('hex').slice(0, 6);
  return `${base}-${hash}`;
}

export interface PolecatPaths {
  readonly townRoot: string;
  readonly rigDir: string;
  readonly polecatsDir: string;
  readonly polecatDir: string;
  /** Where the agent runs: `<polecat>/<rig>` when that worktree exists, else the polecat's own directory. */
  readonly workDir: string;
}

export function polecatPaths(townRoot: string, { rig, name }: PolecatAddress): PolecatPaths {
  const rigDir = join(townRoot, rig);
  const polecatsDir = join(rigDir, 'polecats');
  const polecatDir = join(polecatsDir, name);
  const nested = join(polecatDir, rig);
  const workDir = isDirectory(nested) ? nested : polecatDir;
  return { townRoot, rigDir, polecatsDir, polecatDir, workDir };
}

/**
 * The polecats of a rig, sorted: every directory under `<rig>/polecats/`, as preflight counts a polecat as existing.
 * Hidden directories (`.claude` holds the polecats' shared settings) are not polecats; a directory whose name cannot
 * be addressed as `<rig>/<name>` is returned apart, for the caller to mention.
 */
export function rigPolecats(townRoot: string, rig: string): { names: string[]; unaddressable: string[] } {
  const dir = join(townRoot, rig, 'polecats');
  if (!isDirectory(dir)) throw new InvalidInputError(`rig ${rig} not found in town ${townRoot}: ${dir} is not a directory`);
  const entries = readdirSync(dir).filter((entry) => !entry.startsWith('.') && isDirectory(join(dir, entry)));
  const byName = (a: string, b: string) => a.localeCompare(b);
  return { names: entries.filter(isValidName).sort(byName), unaddressable: entries.filter((e) => !isValidName(e)).sort(byName) };
}

/** The town's rigs, sorted: each directory at its root (with an addressable name) that has `polecats/`. */
export function townRigs(townRoot: string): string[] {
  return readdirSync(townRoot)
    .filter((entry) => !entry.startsWith('.') && isValidName(entry) && isDirectory(join(townRoot, entry, 'polecats')))
    .sort((a, b) => a.localeCompare(b));
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The rig's session prefix from `<town>/mayor/rigs.json` (`rigs.<rig>.beads.prefix`), else the rig name. */
export function sessionPrefix(townRoot: string, rig: string): string {
  for (const file of [join(townRoot, 'mayor', 'rigs.json'), join(townRoot, 'rigs.json')]) {
    const prefix = readJson(file)?.rigs?.[rig]?.beads?.prefix;
    if (typeof prefix === 'string' && /^[A-Za-z0-9_-]+$/.test(prefix)) return prefix;
  }
  return rig;
}

export function sessionName(townRoot: string, address: PolecatAddress): string {
  return `${sessionPrefix(townRoot, address.rig)}-${address.name}`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function readJson(path: string): any {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}
