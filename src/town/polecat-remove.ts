/**
 * A polecat's worktree taken away as Gas Town's `gt polecat remove` does, without its bugs: first what would be lost
 * is found (uncommitted and untracked files, stashes of its branch, commits on no remote branch), and a removal that
 * would lose any of it is refused unless forced, which names what it discards. Then the worktree is unlocked and
 * removed with its registration (only its own: a prune would also drop other polecats' missing ones), the polecat
 * directory deleted, and the branch deleted when nothing on it is lost. The default branch, a branch another worktree has checked out and other polecats are never touched.
 */
import { existsSync, realpathSync, rmSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { gitOk, gitReason, runGit } from '../git/git.js';
import { pendingHolder } from './name-pool.js';
import { InvalidInputError, type PolecatAddress } from './names.js';
import { fetchDefaultBranch, isEmptyWork, registeredWorktrees, rigRepo, unregisterWorktree, unsavedWork, worktreeProblem, type RigRepo, type UnsavedWork } from './worktree.js';

export interface RemovalPlan {
  readonly polecat: string;
  readonly repo: RigRepo;
  readonly polecatDir: string;
  readonly worktree: string;
  /** The branch its worktree has checked out (from git's registration: known for a broken worktree too). */
  readonly branch?: string;
  readonly work: UnsavedWork;
  /** Set when the worktree is missing or broken; a broken one cannot be looked into, so only --force removes it. */
  readonly problem?: string;
  /** Its worktree's files could not be checked (it is broken): removing it may lose what is in them. */
  readonly unreadable: boolean;
  /** The caller's working directory is in it: it is never removed from under them, not even with --force. */
  readonly cwdInside: boolean;
  /** The rig's default branch could not be fetched: what is on a remote branch is as of the last fetch. */
  readonly fetchFailed?: string;
}

/** Whether `dir` is `root` or inside it, both as real paths; never when either is gone (nothing is there to be in). */
function isInside(dir: string, root: string): boolean {
  let rel: string;
  try {
    rel = relative(realpathSync(root), realpathSync(dir));
  } catch {
    return false;
  }
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
}

/** Reads what removing the polecat would lose; changes nothing but the rig's fetched default branch. */
export async function planRemoval(townRoot: string, address: PolecatAddress, cwd: string): Promise<RemovalPlan> {
  const { rig, name } = address;
  const polecat = `${rig}/${name}`;
  const repo = rigRepo(townRoot, rig);
  const polecatDir = join(repo.rigDir, 'polecats', name);
  const worktree = join(polecatDir, rig);
  const registered = await registeredWorktrees(repo.bare, townRoot);
  if (!existsSync(polecatDir) && !registered.has(worktree)) {
    const holder = pendingHolder(repo.rigDir, name);
    throw new InvalidInputError(holder ? `polecat ${polecat} is being added (pid ${holder.pid}): remove it once that is done` : `no polecat ${polecat}: ${polecatDir} does not exist`);
  }

  const fetched = await fetchDefaultBranch(repo, townRoot);
  const fetchFailed = fetched.exitCode === 0 ? undefined : gitReason(fetched);
  const problem = existsSync(polecatDir) ? worktreeProblem(polecatDir, rig) : `its directory ${polecatDir} is gone, its worktree still registered`;
  const branch = registered.get(worktree);
  // A worktree git cannot read: what its branch holds still can be, through the bare repository.
  const work = await unsavedWork(problem === undefined ? { worktree } : { bare: repo.bare }, branch);
  const unreadable = problem !== undefined && existsSync(worktree);
  return { polecat, repo, polecatDir, worktree, ...(branch !== undefined ? { branch } : {}), work, ...(problem !== undefined ? { problem } : {}), unreadable, cwdInside: isInside(cwd, polecatDir), ...(fetchFailed !== undefined ? { fetchFailed } : {}) };
}

/** Removing it without --force would lose something. */
export function wouldLose(plan: RemovalPlan): boolean {
  return !isEmptyWork(plan.work) || plan.unreadable;
}

export interface PolecatRemoved {
  readonly polecat: string;
  readonly worktree: string;
  readonly branch?: string;
  readonly branchDeleted: boolean;
  /** Why the branch was kept. */
  readonly branchKept?: string;
  /** What --force discarded (absent when nothing was). */
  readonly discarded?: UnsavedWork;
  /** A broken worktree's directory, removed by --force without its files being checked. */
  readonly discardedUnchecked?: string;
}

/** Removes what planRemoval looked at. Without `force` it must have found nothing that would be lost. */
export async function removePolecat(townRoot: string, plan: RemovalPlan, force: boolean): Promise<PolecatRemoved> {
  if (wouldLose(plan) && !force) throw new Error(`${plan.polecat}: removal would lose work, and --force was not given`);
  const { bare } = plan.repo;
  const git = (args: string[]) => runGit(['--git-dir', bare, ...args], { ceiling: townRoot });
  // A locked worktree is not removed, and keeps its branch checked out: unlocked first.
  await git(['worktree', 'unlock', plan.worktree]);
  // Forced: what it found is either nothing or given up with --force. A broken one git cannot remove: its files
  // and its registration are taken away by hand.
  const removed = await git(['worktree', 'remove', '--force', plan.worktree]);
  if (removed.exitCode !== 0) {
    rmSync(plan.worktree, { recursive: true, force: true });
    unregisterWorktree(bare, plan.worktree);
  }
  rmSync(plan.polecatDir, { recursive: true, force: true });

  const base = { polecat: plan.polecat, worktree: plan.worktree, ...(plan.branch !== undefined ? { branch: plan.branch } : {}), ...(isEmptyWork(plan.work) ? {} : { discarded: plan.work }), ...(plan.unreadable ? { discardedUnchecked: plan.worktree } : {}) };
  if (plan.branch === undefined) return { ...base, branchDeleted: false };
  const keep = await branchKeptBecause(plan, townRoot);
  if (keep !== undefined) return { ...base, branchDeleted: false, branchKept: keep };
  await gitOk(['--git-dir', bare, 'branch', '-D', '--', plan.branch], `cannot delete branch ${plan.branch}`, { ceiling: townRoot });
  return { ...base, branchDeleted: true };
}

async function branchKeptBecause(plan: RemovalPlan, townRoot: string): Promise<string | undefined> {
  const branch = plan.branch!;
  if (branch === plan.repo.defaultBranch) return 'it is the default branch';
  const elsewhere = [...(await registeredWorktrees(plan.repo.bare, townRoot)).entries()].find(([, b]) => b === branch);
  if (elsewhere) return `it is checked out in ${elsewhere[0]}`;
  return undefined;
}
