/** `polecat add`, the built CLI with real git and tmux: a worktree in Gas Town's layout, and a start in it. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { testTmpDir } from '../helpers/tmux-guard.js';
import { awaitNothingLeft } from '../helpers/town.js';

const git = (args: string[], cwd?: string) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

async function rigTown(): Promise<{ root: string; remote: string; log: string }> {
  const base = mkdtempSync(join(testTmpDir, 'add-'));
  const work = join(base, 'work');
  git(['init', '-q', '-b', 'main', work]);
  git(['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'first'], work);
  git(['clone', '-q', '--bare', work, join(base, 'remote.git')]);
  const root = join(base, 'town');
  expect((await runCli(['init', root])).code).toBe(0);
  expect((await runCli(['rig', 'add', 'gastown', `file://${join(base, 'remote.git')}`, '--town', root])).code).toBe(0);
  return { root, remote: join(base, 'remote.git'), log: join(base, 'sim.jsonl') };
}

describe('polecat add', () => {
  it('makes <rig>/polecats/<name>/<rig>/ a worktree on a new branch from origin/<default>, with no upstream; start runs the agent in it', { timeout: 60_000 }, async () => {
    const { root, log } = await rigTown();
    const added = await runCli(['add', 'gastown/Toast', '--town', root, '--json']);
    expect(added.code, added.stderr).toBe(0);
    const [made] = JSON.parse(added.stdout) as Array<{ worktree: string; branch: string; base: string }>;
    const worktree = join(root, 'gastown', 'polecats', 'Toast', 'gastown');
    expect(made).toMatchObject({ worktree, base: 'origin/main' });
    expect(made!.branch).toMatch(/^polecat\/Toast-[0-9a-z]+$/);
    expect(readFileSync(join(worktree, '.git'), 'utf8')).toMatch(new RegExp(`^gitdir: ${join(root, 'gastown', '.repo.git', 'worktrees')}/`));
    expect(git(['rev-parse', '--abbrev-ref', 'HEAD'], worktree)).toBe(made!.branch);
    expect(() => git(['rev-parse', '--abbrev-ref', '@{u}'], worktree)).toThrow();
    expect(git(['rev-parse', 'HEAD'], worktree)).toBe(git(['--git-dir', join(root, 'gastown', '.repo.git'), 'rev-parse', 'origin/main']));

    const started = await runCli(['start', 'gastown/Toast', '--agent', `sim --log ${log}`, '--town', root, '--json']);
    expect(started.code, started.stderr).toBe(0);
    const sims = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { event: string; cwd?: string });
    expect(sims.find((e) => e.event === 'start')?.cwd).toBe(worktree);
    expect((await runCli(['stop', 'gastown/Toast', '--town', root])).code).toBe(0);
    await awaitNothingLeft(log, JSON.parse(started.stdout).socket);
  });

  it('refuses an existing polecat, branch or bad base, and a rig that is not there, changing nothing', async () => {
    const { root } = await rigTown();
    expect((await runCli(['add', 'gastown/Toast', '--town', root, '--branch', 'work/toast'])).code).toBe(0);
    const worktrees = () => git(['--git-dir', join(root, 'gastown', '.repo.git'), 'worktree', 'list', '--porcelain']);
    const before = worktrees();
    const cases: Array<[string[], number, string]> = [
      [['gastown/Toast'], 2, 'exists already: polecat gastown/Toast is there'],
      [['gastown/Nux', '--branch', 'work/toast'], 2, 'branch work/toast exists already in rig gastown'],
      [['gastown/Nux', '--branch', 'a..b'], 2, 'invalid branch name "a..b"'],
      [['gastown/Nux', '--branch', '-x'], 2, 'invalid branch name "-x"'],
      [['gastown/Nux', '--base', 'nope@{1}'], 2, 'no commit "nope@{1}" in rig gastown'],
      [['other/Nux'], 2, 'no rig other in town'],
    ];
    for (const [args, code, said] of cases) {
      const result = await runCli(['add', '--town', root, ...args]);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(code);
      expect(result.stderr).toContain(said);
    }
    expect(worktrees()).toBe(before);
    expect(readdirSync(join(root, 'gastown', 'polecats'))).toEqual(['Toast']);
    expect(existsSync(join(root, 'gastown', 'polecats', 'Nux'))).toBe(false);
  });
});
