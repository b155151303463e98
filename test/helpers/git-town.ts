/**
 * Towns made the way a user makes them: a throwaway project with a local bare "remote", then the built CLI's
 * `init` and `rig add`. And a snapshot of everything a refusal must leave as it was.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { runCli } from './cli.js';
import { testTmpDir } from './tmux-guard.js';

/** git as the tests run it: no system config, a fixed identity, never a prompt. */
export function git(args: readonly string[], cwd?: string): string {
  return execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' },
  }).trim();
}

export interface GitTown {
  readonly base: string;
  readonly root: string;
  /** The bare repository the rig was cloned from. */
  readonly remote: string;
  readonly rig: string;
  /** `<root>/<rig>/.repo.git`. */
  readonly bare: string;
  /** The built CLI in this town. */
  cli(...args: string[]): ReturnType<typeof runCli>;
}

/** A project with one commit on `main` (a README), its bare "remote", and a town with it as rig `gastown`. */
export async function gitTownFromRepo(options: { dir?: string; townName?: string; rig?: string } = {}): Promise<GitTown> {
  const base = options.dir ?? mkdtempSync(join(testTmpDir, 'gittown-'));
  mkdirSync(base, { recursive: true });
  const work = join(base, 'project');
  git(['init', '-q', '-b', 'main', work]);
  execFileSync('sh', ['-c', 'echo "# project" > README.md'], { cwd: work });
  git(['add', 'README.md'], work);
  git(['commit', '-q', '-m', 'first'], work);
  const remote = join(base, 'remote.git');
  git(['clone', '-q', '--bare', work, remote]);
  const root = join(base, options.townName ?? 'town');
  const rig = options.rig ?? 'gastown';
  const init = await runCli(['init', root]);
  expect(init.code, init.stderr).toBe(0);
  const added = await runCli(['rig', 'add', rig, `file://${remote}`, '--town', root]);
  expect(added.code, added.stderr).toBe(0);
  return { base, root, remote, rig, bare: join(root, rig, '.repo.git'), cli: (...args) => runCli([...args, '--town', root]) };
}

/** A commit pushed to the remote's main from a clone of it, as another developer would. */
export function pushToRemote(town: GitTown, file: string): void {
  const clone = mkdtempSync(join(town.base, 'other-'));
  git(['clone', '-q', town.remote, clone]);
  execFileSync('sh', ['-c', `echo change > "$1"`, 'sh', file], { cwd: clone });
  git(['add', file], clone);
  git(['commit', '-q', '-m', `add ${file}`], clone);
  git(['push', '-q', 'origin', 'main'], clone);
}

function tree(dir: string, root: string, out: string[]): void {
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    const rel = relative(root, path);
    // git's own files change with every fetch; its refs and worktrees are compared apart. Lock files come and go.
    if (entry === '.repo.git' || rel === join('.runtime', 'polecat', 'locks')) continue;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      out.push(`${rel}/`);
      tree(path, root, out);
    } else out.push(`${rel} ${stat.size} ${stat.isFile() ? readFileSync(path).toString('base64').slice(0, 64) : ''}`);
  }
}

/** The town's files (names, sizes, beginnings), and of the rig's repository its refs and registered worktrees. */
export function snapshot(town: GitTown): { files: string[]; refs: string; worktrees: string } {
  const files: string[] = [];
  tree(town.root, town.root, files);
  return {
    files,
    refs: git(['--git-dir', town.bare, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads', 'refs/remotes', 'refs/stash']),
    worktrees: git(['--git-dir', town.bare, 'worktree', 'list', '--porcelain']),
  };
}
