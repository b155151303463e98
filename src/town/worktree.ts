/**
 * A polecat's worktree as git sees it: whether it is whole (read from its files, no git run, for every start), what
 * in it is not saved anywhere else (for remove), and its branch, ahead, behind and dirty (for list --all).
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { GitFailedError, gitOk, gitReason, runGit, type GitResult } from '../git/git.js';
import { InvalidInputError } from './names.js';
import { readJsonFile } from './settings-file.js';
import { isDirectory } from './town.js';

export interface RigRepo {
  readonly rigDir: string;
  /** `<rig>/.repo.git`, the bare repository every polecat's worktree belongs to. */
  readonly bare: string;
  readonly defaultBranch: string;
}

/** A rig made by `polecat rig add` (or Gas Town's): it has `.repo.git`, and its polecats are worktrees of it. */
export function isRepoRig(rigDir: string): boolean {
  return existsSync(join(rigDir, '.repo.git')) && existsSync(join(rigDir, 'config.json'));
}

export function rigRepo(townRoot: string, rig: string): RigRepo {
  const rigDir = join(townRoot, rig);
  if (!existsSync(rigDir)) throw new InvalidInputError(`no rig ${rig} in town ${townRoot} (polecat rig add ${rig} <git-url-or-path>)`);
  if (!isRepoRig(rigDir)) throw new InvalidInputError(`rig ${rig} was not made from a repository (it has no .repo.git and config.json): its polecats are plain directories (polecat rig add makes a rig that has one)`);
  const branch = readJsonFile(join(rigDir, 'config.json'))?.default_branch;
  return { rigDir, bare: join(rigDir, '.repo.git'), defaultBranch: typeof branch === 'string' && branch !== '' ? branch : 'main' };
}

/**
 * Brings the rig's default branch up to date as `origin/<branch>`. Not shallow: the rig was cloned at depth 1, and a
 * shallow fetch would cut the new tip off from the commits the polecats started from, so that every one of them
 * would look unpushed.
 */
export function fetchDefaultBranch(repo: RigRepo, townRoot: string): Promise<GitResult> {
  return runGit(['--git-dir', repo.bare, 'fetch', '--quiet', 'origin', `+refs/heads/${repo.defaultBranch}:refs/remotes/origin/${repo.defaultBranch}`], { ceiling: townRoot });
}

/** Where git keeps the worktree's own files, from its `.git` file (its basename is always the rig's: never guessed). */
export function worktreeGitDir(worktree: string): string | undefined {
  try {
    const line = readFileSync(join(worktree, '.git'), 'utf8').split('\n')[0] ?? '';
    if (!line.startsWith('gitdir: ')) return undefined;
    const path = line.slice('gitdir: '.length).trim();
    return isAbsolute(path) ? path : resolve(worktree, path);
  } catch {
    return undefined;
  }
}

/**
 * What is wrong with the worktree of a polecat of a repository rig; undefined when it is whole (or the rig's
 * polecats are plain directories). Files only: every start reads this.
 */
export function worktreeProblem(polecatDir: string, rig: string): string | undefined {
  const rigDir = dirname(dirname(polecatDir));
  if (!isRepoRig(rigDir)) return undefined;
  const worktree = join(polecatDir, rig);
  if (!existsSync(worktree)) return `its worktree ${worktree} is missing`;
  const gitDir = worktreeGitDir(worktree);
  if (gitDir === undefined) return `${worktree} is not a git worktree: it has no .git file pointing into ${join(rigDir, '.repo.git')}`;
  if (!isDirectory(gitDir)) return `its worktree ${worktree} is broken: its .git file points to ${gitDir}, which is gone`;
  return undefined;
}

/**
 * Takes this worktree's registration out of the bare repository: its directory under `.repo.git/worktrees/`, found
 * by the `gitdir` file that points back at `<worktree>/.git` (its name is `<rig>`, `<rig>1`, …: never guessed).
 * Unlike `git worktree prune`, the registrations of other polecats' worktrees that are missing are left alone.
 */
export function unregisterWorktree(bare: string, worktree: string): void {
  const admin = join(bare, 'worktrees');
  if (!isDirectory(admin)) return;
  for (const id of readdirSync(admin)) {
    let pointsTo: string;
    try {
      pointsTo = readFileSync(join(admin, id, 'gitdir'), 'utf8').trim();
    } catch {
      continue;
    }
    if (pointsTo === join(worktree, '.git')) rmSync(join(admin, id), { recursive: true, force: true });
  }
}

/** How git is pointed at a repository: a worktree (`-C`) or the rig's bare repository (`--git-dir`). */
export type RepoAt = { readonly worktree: string } | { readonly bare: string };

function gitAt(at: RepoAt, args: readonly string[], what: string): Promise<string> {
  const [where, path] = 'worktree' in at ? (['-C', at.worktree] as const) : (['--git-dir', at.bare] as const);
  return gitOk([where, path, ...args], `${what} in ${path}`, { ceiling: dirname(path) });
}

/** The branch checked out there, or undefined when its HEAD is detached. */
export async function checkedOutBranch(worktree: string): Promise<string | undefined> {
  const result = await runGit(['-C', worktree, 'symbolic-ref', '--quiet', '--short', 'HEAD'], { ceiling: dirname(worktree) });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

/**
 * Changed and untracked files (`git status --porcelain -z`, whose NUL-separated names are never mangled), each as
 * `XY path`; a rename's old name follows its new one in the output and is not listed apart.
 */
export async function changedFiles(worktree: string): Promise<string[]> {
  const out = await runGit(['-C', worktree, 'status', '--porcelain=v1', '-z', '--untracked-files=all'], { ceiling: dirname(worktree) });
  if (out.exitCode !== 0) throw new GitFailedError(`cannot read the status in ${worktree}: ${gitReason(out)}`);
  const fields = out.stdout.split('\0');
  const files: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const entry = fields[i]!;
    if (entry === '') continue;
    files.push(entry);
    if (entry[0] === 'R' || entry[0] === 'C') i += 1;
  }
  return files;
}

/**
 * Stashes made on this branch, as `git stash list` shows them: stashes are shared by every worktree of the
 * repository, so only `On <b>:`/`WIP on <b>:`. Read from the stash's reflog, which a bare repository has too.
 */
export async function branchStashes(at: RepoAt, branch: string): Promise<string[]> {
  const [where, path] = 'worktree' in at ? (['-C', at.worktree] as const) : (['--git-dir', at.bare] as const);
  if ((await runGit([where, path, 'rev-parse', '--verify', '--quiet', 'refs/stash'], { ceiling: dirname(path) })).exitCode !== 0) return [];
  const out = await gitAt(at, ['log', '--walk-reflogs', '--format=%gd %gs', 'refs/stash', '--'], 'cannot list the stashes');
  return out
    .split('\n')
    .filter((line) => {
      const subject = line.slice(line.indexOf(' ') + 1);
      return subject.startsWith(`On ${branch}: `) || subject.startsWith(`WIP on ${branch}: `);
    });
}

/** Commits reachable from `rev` and on no remote branch (so not pushed, nor merged into one), as `<short> <subject>`. */
export async function unpushedCommits(at: RepoAt, rev: string): Promise<string[]> {
  const out = await gitAt(at, ['log', '--format=%h %s', rev, '--not', '--remotes', '--'], `cannot list the commits of ${rev}`);
  return out.split('\n').filter((line) => line !== '');
}

export interface UnsavedWork {
  /** `XY path` for each changed or untracked file. */
  readonly changes: readonly string[];
  readonly stashes: readonly string[];
  /** `<short> <subject>` of each commit on no remote branch. */
  readonly unpushed: readonly string[];
}

export function isEmptyWork(work: UnsavedWork): boolean {
  return work.changes.length === 0 && work.stashes.length === 0 && work.unpushed.length === 0;
}

/**
 * What would be lost with the worktree checked out on `branch`. Through the worktree: its files, and the commits of
 * its HEAD; through the bare repository (a worktree git cannot read): what its branch holds only.
 */
export async function unsavedWork(at: RepoAt, branch: string | undefined): Promise<UnsavedWork> {
  const stashes = branch === undefined ? [] : branchStashes(at, branch);
  if ('worktree' in at) {
    const [changes, stashed, unpushed] = await Promise.all([changedFiles(at.worktree), stashes, unpushedCommits(at, 'HEAD')]);
    return { changes, stashes: stashed, unpushed };
  }
  const [stashed, unpushed] = await Promise.all([stashes, branch === undefined ? [] : unpushedCommits(at, `refs/heads/${branch}`)]);
  return { changes: [], stashes: stashed, unpushed };
}

/** The branch each registered worktree has checked out (undefined: detached), by path (`git worktree list --porcelain`). */
export async function registeredWorktrees(bare: string, ceiling: string): Promise<Map<string, string | undefined>> {
  const out = await gitOk(['--git-dir', bare, 'worktree', 'list', '--porcelain'], 'cannot list the worktrees', { ceiling });
  const byPath = new Map<string, string | undefined>();
  let path: string | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith('worktree ')) {
      path = line.slice('worktree '.length);
      byPath.set(path, undefined);
    } else if (line.startsWith('branch refs/heads/') && path !== undefined) byPath.set(path, line.slice('branch refs/heads/'.length));
  }
  return byPath;
}

/** Unsaved work, one item a line, for a refusal or for what --force discarded. */
export function describeWork(work: UnsavedWork, limit = 10): string[] {
  const part = (items: readonly string[], one: string, many: string, show: (item: string) => string) => {
    if (items.length === 0) return [];
    const shown = items.slice(0, limit).map((item) => `    ${show(item)}`);
    const more = items.length > limit ? [`    … and ${items.length - limit} more`] : [];
    return [`  ${items.length} ${items.length === 1 ? one : many}:`, ...shown, ...more];
  };
  return [
    ...part(work.changes, 'uncommitted change (untracked included)', 'uncommitted changes (untracked included)', (c) => c),
    ...part(work.stashes, 'stash of its branch', 'stashes of its branch', (s) => s),
    ...part(work.unpushed, 'commit on no remote branch', 'commits on no remote branch', (c) => c),
  ];
}

export interface WorktreeFacts {
  readonly branch?: string;
  /** Commits on no remote branch: what a push would send. */
  readonly ahead: number;
  /** Commits of origin/<default branch> (as last fetched) not in it. */
  readonly behind: number;
  /** Changed or untracked files. */
  readonly dirty: number;
}

/** For listings: nothing is fetched, so behind is as of the last fetch. */
export async function worktreeFacts(worktree: string, defaultBranch: string): Promise<WorktreeFacts> {
  const count = async (args: string[]) => Number(await gitAt({ worktree }, ['rev-list', '--count', ...args, '--'], 'cannot count commits'));
  const [branch, changes, ahead, behind] = await Promise.all([
    checkedOutBranch(worktree),
    changedFiles(worktree),
    count(['HEAD', '--not', '--remotes']),
    count([`HEAD..refs/remotes/origin/${defaultBranch}`]).catch(() => 0),
  ]);
  return { ...(branch !== undefined ? { branch } : {}), ahead, behind, dirty: changes.length };
}
