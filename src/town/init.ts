/**
 * A town made from nothing (`polecat init`), as Gas Town's `gt install` lays it out: `mayor/town.json` (version 2)
 * and `mayor/rigs.json`, each written only when absent. A directory that is a town already, or lies inside one, is
 * refused unless forced; forced, the files there are still never overwritten.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../files/atomic.js';
import { userEmail } from '../git/git.js';
import { InvalidInputError } from './names.js';

export interface InitResult {
  readonly root: string;
  readonly name: string;
  readonly written: readonly string[];
  /** Files that were there already and are left as they are. */
  readonly kept: readonly string[];
}

/** The town holding `dir`, itself included; undefined when none does. */
export function townAround(dir: string): string | undefined {
  for (let at = resolve(dir); ; at = dirname(at)) {
    if (existsSync(join(at, 'mayor', 'town.json'))) return at;
    if (dirname(at) === at) return undefined;
  }
}

export async function initTown(dir: string, options: { name?: string; force?: boolean; now?: Date } = {}): Promise<InitResult> {
  const root = resolve(dir);
  if (existsSync(root) && !statSync(root).isDirectory()) throw new InvalidInputError(`${root} is not a directory`);
  const name = options.name ?? basename(root);
  if (name.trim() === '' || /[\u0000-\u001f\u007f/\\]/.test(name)) throw new InvalidInputError(`invalid town name ${JSON.stringify(name)}: give a name without slashes or control characters (--name)`);
  const around = townAround(root);
  if (around !== undefined && !options.force) {
    throw new InvalidInputError(
      around === root ? `${root} is a town already (it has mayor/town.json): nothing to do (--force writes what is missing, never overwriting)` : `${root} is inside the town ${around}: a town cannot hold another (--force to make one anyway)`,
    );
  }
  mkdirSync(join(root, 'mayor'), { recursive: true });
  const files: ReadonlyArray<readonly [string, () => Promise<unknown>]> = [
    [
      join(root, 'mayor', 'town.json'),
      async () => ({ type: 'town', version: 2, name, owner: await userEmail(root), public_name: name, created_at: (options.now ?? new Date()).toISOString() }),
    ],
    [join(root, 'mayor', 'rigs.json'), async () => ({ version: 1, rigs: {} })],
  ];
  const written: string[] = [];
  const kept: string[] = [];
  for (const [path, content] of files) {
    if (existsSync(path)) {
      kept.push(path);
      continue;
    }
    await writeFileAtomic(path, `${JSON.stringify(await content(), null, 2)}\n`);
    written.push(path);
  }
  return { root, name, written, kept };
}
