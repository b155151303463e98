/**
 * Polecats made as Gas Town's `gt polecat add` makes them: each `<rig>/polecats/<name>/<rig>/`, a worktree of the
 * rig's bare repository on a new branch from `origin/<default branch>` (fetched first, never the local branch), with
 * no upstream set, so that "ahead" means unpushed and the first push sets it. Names are marked `.pending` under the
 * rig's name lock first, so two adds never make the same polecat. An existing directory, branch or registered
 * worktree is refused with nothing changed; a failure part way removes the worktree and the branch it made.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GitFailedError, gitReason, runGit } from '../git/git.js';
import { reserveNames, isReservedName } from './name-pool.js';
import { checkName, InvalidInputError } from './names.js';
import { fetchDefaultBranch, registeredWorktrees, rigRepo, unregisterWorktree, type RigRepo } from './worktree.js';

export interface PolecatAdded {
  readonly polecat: string;
  readonly worktree: string;
  readonly branch: string;
  readonly base: string;
}

export interface AddOptions {
  /** The new branch (one polecat only); default `polecat/<name>-<base 36 ms>`. */
  readonly branch?: string;
  /** What it starts from; default `origin/<default branch>`. */
  readonly base?: string;
  readonly now?: Date;
  /** Called as each polecat is made, before the next is begun. */
  readonly onAdded?: (added: PolecatAdded) => void;
}

async function checkBranchName(branch: string, what: string): Promise<void> {
  if (branch.startsWith('-') || (await runGit(['check-ref-format', '--branch', branch])).exitCode !== 0) {
    throw new InvalidInputError(`invalid ${what} ${JSON.stringify(branch)}: not one git accepts`);
  }
}

/**
 * Makes the polecats, one after the other (git locks the repository's worktree list): the names given, or `count`
 * names from the rig's pool. The rig's default branch is fetched once first. Stops at the first failure; what was
 * made before it stays (and was reported through onAdded).
 */
export async function addPolecats(townRoot: string, rig: string, wanted: readonly string[] | number, options: AddOptions = {}): Promise<PolecatAdded[]> {
  if (typeof wanted !== 'number') {
    for (const name of wanted) {
      checkName('polecat', name);
      if (isReservedName(name)) throw new InvalidInputError(`polecat name ${JSON.stringify(name)} is kept for Gas Town's own agents: choose another`);
    }
    if (new Set(wanted).size !== wanted.length) throw new InvalidInputError('a polecat is named twice');
    if (options.branch !== undefined && wanted.length !== 1) throw new InvalidInputError('--branch names one branch: give one polecat');
  } else if (options.branch !== undefined) throw new InvalidInputError('--branch names one branch: it cannot go with --count');
  const repo = rigRepo(townRoot, rig);
  if (options.branch !== undefined) await checkBranchName(options.branch, 'branch name');
  if (options.base !== undefined && (options.base.startsWith('-') || options.base.trim() === '')) throw new InvalidInputError(`invalid --base ${JSON.stringify(options.base)}`);
  if (options.branch !== undefined && (await branchExists(repo, options.branch))) throw new InvalidInputError(`branch ${options.branch} exists already in rig ${rig}: give another with --branch`);

  // The base as the remote has it now: a stale one is a Gas Town bug.
  const fetched = await fetchDefaultBranch(repo, townRoot);
  if (fetched.exitCode !== 0) throw new GitFailedError(`cannot fetch ${repo.defaultBranch}: ${gitReason(fetched)}`);
  const base = options.base ?? `origin/${repo.defaultBranch}`;
  if ((await runGit(['--git-dir', repo.bare, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${base}^{commit}`])).exitCode !== 0) {
    throw new InvalidInputError(`no commit ${JSON.stringify(base)} in rig ${rig} (--base: a branch, tag or commit the rig has fetched)`);
  }

  const reserved = await reserveNames(townRoot, rig, wanted);
  const made: PolecatAdded[] = [];
  try {
    const registered = await registeredWorktrees(repo.bare, townRoot);
    for (const name of reserved.names) {
      const added = await addOne(townRoot, repo, rig, name, base, registered, options);
      reserved.release(name);
      made.push(added);
      options.onAdded?.(added);
    }
    return made;
  } finally {
    reserved.release();
  }
}

async function branchExists(repo: RigRepo, branch: string): Promise<boolean> {
  return (await runGit(['--git-dir', repo.bare, 'show-ref', '--verify', '--quiet', `refs/heads/${branch}`])).exitCode === 0;
}

async function addOne(townRoot: string, repo: RigRepo, rig: string, name: string, base: string, registered: ReadonlyMap<string, string | undefined>, options: AddOptions): Promise<PolecatAdded> {
  const branch = options.branch ?? `polecat/${name}-${(options.now ?? new Date()).getTime().toString(36)}`;
  if (options.branch === undefined) {
    await checkBranchName(branch, 'branch name');
    if (await branchExists(repo, branch)) throw new InvalidInputError(`branch ${branch} exists already in rig ${rig}: give another with --branch`);
  }
  const polecatDir = join(repo.rigDir, 'polecats', name);
  const worktree = join(polecatDir, rig);
  if (registered.has(worktree)) throw new InvalidInputError(`${worktree} is registered as a worktree already (git worktree prune, if it is gone)`);
  mkdirSync(polecatDir);
  // LFS files are not fetched for each polecat (Gas Town does the same): the agent fetches what it needs.
  const made = await runGit(['--git-dir', repo.bare, 'worktree', 'add', '--no-track', '-b', branch, worktree, base], { ceiling: townRoot, env: { GIT_LFS_SKIP_SMUDGE: '1' } });
  if (made.exitCode !== 0) {
    // A failed `worktree add -b` can leave its branch: taken back with the directory and the registration.
    rmSync(polecatDir, { recursive: true, force: true });
    unregisterWorktree(repo.bare, worktree);
    await runGit(['--git-dir', repo.bare, 'branch', '-D', '--', branch]);
    throw new GitFailedError(`${rig}/${name}: cannot make the worktree: ${gitReason(made)}`);
  }
  return { polecat: `${rig}/${name}`, worktree, branch, base };
}
