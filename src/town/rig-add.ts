/**
 * A rig added to a town as Gas Town's `gt rig add` lays it out: a bare repository `<rig>/.repo.git` (its fetch
 * refspec set so that `origin/<branch>` exists), `<rig>/config.json`, `<rig>/polecats/`, `<rig>/settings/`, and last
 * the `mayor/rigs.json` entry. The clone is made in a temporary directory beside it and moved in; any failure
 * removes everything it made, and leaves rigs.json as it was.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../files/atomic.js';
import { GitFailedError, gitOk, gitReason, runGit } from '../git/git.js';
import { InvalidInputError } from './names.js';
import { fetchDefaultBranch } from './worktree.js';

/** Names Gas Town refuses: `-`, `.`, spaces, slashes, `hq` (and what polecat's own names refuse). */
export function checkRigName(name: string): string {
  if (!/^[A-Za-z0-9_]+$/.test(name) || name.toLowerCase() === 'hq') {
    throw new InvalidInputError(`invalid rig name ${JSON.stringify(name)}: letters, digits and '_' only (Gas Town refuses '-', '.', spaces, slashes and "hq")`);
  }
  return name;
}

const COMPOUND_SUFFIXES = ['town', 'ville', 'port', 'place', 'land', 'field', 'wood', 'ford'];

/** The beads prefix Gas Town derives from a rig's name (reference: worktrees.md, "Beads prefix derivation"). */
export function derivePrefix(rig: string): string {
  const name = rig.replace(/[-_](py|go)$/i, '');
  let parts = name.split(/[-_]/).filter((p) => p !== '');
  if (parts.length < 2) parts = name.split(/(?=[A-Z])/).filter((p) => p !== '');
  if (parts.length < 2) {
    const lower = name.toLowerCase();
    const suffix = COMPOUND_SUFFIXES.find((s) => lower.endsWith(s) && lower.length > s.length);
    if (suffix) parts = [name.slice(0, name.length - suffix.length), name.slice(name.length - suffix.length)];
  }
  const prefix = parts.length >= 2 ? parts.map((p) => p[0]!).join('').toLowerCase() : name.length <= 3 ? name.toLowerCase() : name.slice(0, 2).toLowerCase();
  return prefix;
}

const PREFIX = /^[a-zA-Z][a-zA-Z0-9-]{0,19}$/;

export interface RigAddOptions {
  readonly branch?: string;
  readonly prefix?: string;
  readonly now?: Date;
}

export interface RigAdded {
  readonly rig: string;
  readonly gitUrl: string;
  readonly defaultBranch: string;
  readonly prefix: string;
}

/** A local path given as the repository becomes an absolute one (a URL stays as it is). */
function repositoryOf(source: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^[^/]+@[^:]+:/.test(source)) return source;
  const path = resolve(source);
  if (!existsSync(path)) throw new InvalidInputError(`no repository at ${path}`);
  return path;
}

export async function addRig(townRoot: string, rig: string, source: string, options: RigAddOptions = {}): Promise<RigAdded> {
  checkRigName(rig);
  if (source.startsWith('-')) throw new InvalidInputError(`invalid repository ${JSON.stringify(source)}: it starts with '-'`);
  if (options.branch !== undefined && (options.branch.startsWith('-') || (await runGit(['check-ref-format', '--branch', options.branch])).exitCode !== 0)) {
    throw new InvalidInputError(`invalid --branch ${JSON.stringify(options.branch)}: not a branch name git accepts`);
  }
  const prefix = options.prefix ?? derivePrefix(rig);
  if (!PREFIX.test(prefix)) throw new InvalidInputError(`invalid beads prefix ${JSON.stringify(prefix)}: a letter, then letters, digits or '-', at most 20 (--prefix)`);
  const rigsFile = join(townRoot, 'mayor', 'rigs.json');
  const rigs = JSON.parse(readFileSync(rigsFile, 'utf8')) as { version: number; rigs: Record<string, unknown> };
  if (rigs.rigs?.[rig] !== undefined) throw new InvalidInputError(`rig ${rig} is in mayor/rigs.json already`);
  const rigDir = join(townRoot, rig);
  if (existsSync(rigDir)) throw new InvalidInputError(`${rigDir} exists already: a rig needs a directory of its own`);
  const gitUrl = repositoryOf(source);

  const scratch = mkdtempSync(join(townRoot, `.rig-${rig}-`));
  let defaultBranch: string;
  try {
    const bare = join(scratch, '.repo.git');
    await gitOk(['clone', '--bare', '--single-branch', '--depth', '1', ...(options.branch !== undefined ? ['--branch', options.branch] : []), '--', gitUrl, bare], `cannot clone ${gitUrl}`, { ceiling: townRoot });
    if ((await runGit(['--git-dir', bare, 'show-ref'], { ceiling: townRoot })).exitCode !== 0) throw new GitFailedError(`${gitUrl} is an empty repository: commit something to it first`);
    defaultBranch = options.branch ?? ((await runGit(['--git-dir', bare, 'symbolic-ref', '--short', 'HEAD'])).stdout.trim() || 'main');
    await gitOk(['--git-dir', bare, 'config', 'remote.origin.fetch', '+refs/heads/*:refs/remotes/origin/*'], 'cannot set the fetch refspec');
    const fetched = await fetchDefaultBranch({ rigDir: scratch, bare, defaultBranch }, townRoot);
    if (fetched.exitCode !== 0) throw new GitFailedError(`cannot fetch ${defaultBranch}: ${gitReason(fetched)}`);
    renameSync(scratch, rigDir);
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true });
    throw error;
  }
  try {
    const now = (options.now ?? new Date()).toISOString();
    await writeFileAtomic(join(rigDir, 'config.json'), `${JSON.stringify({ type: 'rig', version: 1, name: rig, git_url: gitUrl, default_branch: defaultBranch, created_at: now, beads: { prefix } }, null, 2)}\n`);
    await writeFileAtomic(join(rigDir, 'settings', 'config.json'), `${JSON.stringify({ type: 'rig-settings', version: 1 }, null, 2)}\n`);
    mkdirSync(join(rigDir, 'polecats'), { recursive: true });
    rigs.rigs = { ...rigs.rigs, [rig]: { git_url: gitUrl, added_at: now, beads: { repo: '', prefix } } };
    await writeFileAtomic(rigsFile, `${JSON.stringify(rigs, null, 2)}\n`);
    return { rig, gitUrl, defaultBranch, prefix };
  } catch (error) {
    rmSync(rigDir, { recursive: true, force: true });
    throw error;
  }
}
