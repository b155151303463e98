/**
 * A polecat made as Gas Town's `gt polecat add` makes one: `<rig>/polecats/<name>/<rig>/`, a worktree of the rig's
 * bare repository on a new branch from `origin/<default branch>` (fetched first, never the local branch), with no
 * upstream set, so that "ahead" means unpushed and the first push sets it. An existing directory, branch or
 * registered worktree is refused with nothing changed; a failure part way removes the worktree and the branch it made.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gitReason, runGit } from '../git/git.js';
import { InvalidInputError, type PolecatAddress } from './names.js';
import { gitOk, RigAddError } from './rig-add.js';

export interface PolecatAdded {
  readonly polecat: string;
  readonly worktree: string;
  readonly branch: string;
  readonly base: string;
}

function rigConfig(townRoot: string, rig: string): { defaultBranch: string; bare: string } {
  const file = join(townRoot, rig, 'config.json');
  const bare = join(townRoot, rig, '.repo.git');
  if (!existsSync(file) || !existsSync(bare)) throw new InvalidInputError(`no rig ${rig} in town ${townRoot} (polecat rig add ${rig} <git-url-or-path>)`);
  const config = JSON.parse(readFileSync(file, 'utf8')) as { default_branch?: unknown };
  return { defaultBranch: typeof config.default_branch === 'string' ? config.default_branch : 'main', bare };
}

export async function addPolecat(townRoot: string, address: PolecatAddress, options: { branch?: string; base?: string; now?: Date } = {}): Promise<PolecatAdded> {
  const { rig, name } = address;
  const { defaultBranch, bare } = rigConfig(townRoot, rig);
  const branch = options.branch ?? `polecat/${name}-${(options.now ?? new Date()).getTime().toString(36)}`;
  if (branch.startsWith('-') || (await runGit(['check-ref-format', '--branch', branch])).exitCode !== 0) {
    throw new InvalidInputError(`invalid branch name ${JSON.stringify(branch)}: not one git accepts`);
  }
  if (options.base !== undefined && (options.base.startsWith('-') || options.base.trim() === '')) throw new InvalidInputError(`invalid --base ${JSON.stringify(options.base)}`);
  const polecatDir = join(townRoot, rig, 'polecats', name);
  const worktree = join(polecatDir, rig);
  if (existsSync(polecatDir)) throw new InvalidInputError(`${polecatDir} exists already: polecat ${rig}/${name} is there (polecat remove ${rig}/${name} first)`);
  if ((await runGit(['--git-dir', bare, 'show-ref', '--verify', '--quiet', `refs/heads/${branch}`])).exitCode === 0) {
    throw new InvalidInputError(`branch ${branch} exists already in rig ${rig}: give another with --branch`);
  }
  const registered = await gitOk(['--git-dir', bare, 'worktree', 'list', '--porcelain'], 'cannot list the worktrees', { ceiling: townRoot });
  if (registered.split('\n').some((line) => line === `worktree ${worktree}`)) throw new InvalidInputError(`${worktree} is registered as a worktree already (git worktree prune, if it is gone)`);

  // The base as the remote has it now: a stale one is a Gas Town bug.
  await gitOk(['--git-dir', bare, 'fetch', '--depth', '1', 'origin', `+refs/heads/${defaultBranch}:refs/remotes/origin/${defaultBranch}`], `cannot fetch ${defaultBranch}`, { ceiling: townRoot });
  const base = options.base ?? `origin/${defaultBranch}`;
  if ((await runGit(['--git-dir', bare, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${base}^{commit}`])).exitCode !== 0) {
    throw new InvalidInputError(`no commit ${JSON.stringify(base)} in rig ${rig} (--base: a branch, tag or commit the rig has fetched)`);
  }
  mkdirSync(polecatDir, { recursive: true });
  // LFS files are not fetched for each polecat (Gas Town does the same): the agent fetches what it needs.
  const made = await runGit(['--git-dir', bare, 'worktree', 'add', '--no-track', '-b', branch, worktree, base], { ceiling: townRoot, env: { GIT_LFS_SKIP_SMUDGE: '1' } });
  if (made.exitCode !== 0) {
    // A failed `worktree add -b` can leave its branch: taken back with the directory and the registration.
    rmSync(polecatDir, { recursive: true, force: true });
    await runGit(['--git-dir', bare, 'worktree', 'prune']);
    await runGit(['--git-dir', bare, 'branch', '-D', '--', branch]);
    throw new RigAddError(`cannot make the worktree: ${gitReason(made)}`);
  }
  return { polecat: `${rig}/${name}`, worktree, branch, base };
}
