/**
 * `polecat add`, the built CLI with real git and tmux: a worktree in Gas Town's layout and a start in it; refusals
 * that change nothing; names with shell and git-special characters; paths with spaces and non-ASCII; 20 polecats
 * from the pool at once; two adds of one name at once.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { git, gitTownFromRepo, snapshot, type GitTown } from '../helpers/git-town.js';
import { testTmpDir } from '../helpers/tmux-guard.js';
import { awaitNothingLeft } from '../helpers/town.js';

const branches = (town: GitTown) => git(['--git-dir', town.bare, 'branch', '--format=%(refname:short)']).split('\n').sort();

async function refusedAdd(town: GitTown, args: string[], code: number, said: string): Promise<void> {
  const before = snapshot(town);
  const result = await town.cli('add', ...args);
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(code);
  expect(result.stderr).toContain(said);
  expect(result.stderr.trim().split('\n'), result.stderr).toHaveLength(1);
  expect(snapshot(town), args.join(' ')).toEqual(before);
}

describe('polecat add', () => {
  it('makes <rig>/polecats/<name>/<rig>/ a worktree on a new branch from origin/<default>, with no upstream; start runs the agent in it', { timeout: 60_000 }, async () => {
    const town = await gitTownFromRepo();
    const added = await town.cli('add', 'gastown/Toast', '--json');
    expect(added.code, added.stderr).toBe(0);
    const [made] = JSON.parse(added.stdout) as Array<{ worktree: string; branch: string; base: string }>;
    const worktree = join(town.root, 'gastown', 'polecats', 'Toast', 'gastown');
    expect(made).toMatchObject({ worktree, base: 'origin/main' });
    expect(made!.branch).toMatch(/^polecat\/Toast-[0-9a-z]+$/);
    expect(readFileSync(join(worktree, '.git'), 'utf8')).toMatch(new RegExp(`^gitdir: ${join(town.bare, 'worktrees')}/`));
    expect(git(['rev-parse', '--abbrev-ref', 'HEAD'], worktree)).toBe(made!.branch);
    expect(() => git(['rev-parse', '--abbrev-ref', '@{u}'], worktree)).toThrow();
    expect(git(['rev-parse', 'HEAD'], worktree)).toBe(git(['--git-dir', town.bare, 'rev-parse', 'origin/main']));
    expect(readFileSync(join(worktree, 'README.md'), 'utf8')).toBe('# project\n');

    const log = join(town.base, 'sim.jsonl');
    const started = await town.cli('start', 'gastown/Toast', '--agent', `sim --log ${log}`, '--json');
    expect(started.code, started.stderr).toBe(0);
    const sims = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { event: string; cwd?: string });
    expect(sims.find((e) => e.event === 'start')?.cwd).toBe(worktree);
    expect((await town.cli('stop', 'gastown/Toast')).code).toBe(0);
    await awaitNothingLeft(log, JSON.parse(started.stdout).socket);
  });

  it('refuses an existing polecat, branch, registered worktree, reserved name or bad base, and a rig that is not there, changing nothing', { timeout: 60_000 }, async () => {
    const town = await gitTownFromRepo();
    expect((await town.cli('add', 'gastown/Toast', '--branch', 'work/toast')).code).toBe(0);
    // A worktree registered whose directory is gone (removed by hand, not pruned).
    git(['--git-dir', town.bare, 'worktree', 'add', '-q', '--detach', join(town.root, 'gastown', 'polecats', 'Ghost', 'gastown'), 'origin/main']);
    rmSync(join(town.root, 'gastown', 'polecats', 'Ghost'), { recursive: true });
    const cases: Array<[string[], number, string]> = [
      [['gastown/Toast'], 2, 'exists already: polecat gastown/Toast is there'],
      [['gastown/Nux', '--branch', 'work/toast'], 2, 'branch work/toast exists already in rig gastown'],
      [['gastown/Ghost'], 2, 'is registered as a worktree already (git worktree prune, if it is gone)'],
      [['gastown/witness'], 2, 'polecat name "witness" is kept for Gas Town\'s own agents'],
      [['gastown/Refinery'], 2, 'polecat name "Refinery" is kept for Gas Town\'s own agents'],
      [['gastown/Nux', '--base', 'nope@{1}'], 2, 'no commit "nope@{1}" in rig gastown'],
      [['gastown/Nux', '--base', 'origin/main extra'], 2, 'no commit "origin/main extra" in rig gastown'],
      [['gastown/Nux', '--base', '--upload-pack=touch x'], 2, 'invalid --base "--upload-pack=touch x"'],
      [['gastown/Nux', 'gastown/Nux'], 2, 'a polecat is named twice'],
      [['gastown/Nux', 'other/Nux'], 2, 'give polecats of one rig at a time'],
      [['gastown/Nux', 'gastown/Slit', '--branch', 'x'], 2, '--branch names one branch: give one polecat'],
      [['gastown', '--count', '0'], 2, 'invalid --count "0"'],
      [['gastown/Nux', '--count', '2'], 2, '--count takes names from the pool of one rig'],
      [['gastown'], 2, 'expected <rig>/<name>, got "gastown" (or polecat add gastown --count N'],
      [['other/Nux'], 2, 'no rig other in town'],
    ];
    for (const [args, code, said] of cases) await refusedAdd(town, args, code, said);
  });

  it('a failure after git made the branch and the worktree takes both back, and the directory', { timeout: 60_000 }, async () => {
    const town = await gitTownFromRepo();
    // git makes the branch and checks the worktree out, then its post-checkout hook fails the command.
    writeFileSync(join(town.bare, 'hooks', 'post-checkout'), '#!/bin/sh\necho "checkout refused by hook" >&2\nexit 1\n', { mode: 0o755 });
    const before = snapshot(town);
    const result = await town.cli('add', 'gastown/Toast');
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/^polecat: gastown\/Toast: cannot make the worktree: /);
    // Only polecat's runtime directory is new (the name lock's, made by the first add of the town).
    const after = snapshot(town);
    expect({ ...after, files: after.files.filter((f) => !f.startsWith('.runtime/')) }).toEqual(before);
    expect(readdirSync(join(town.bare, 'worktrees'), { withFileTypes: true }).length).toBe(0);
  });

  it('a branch or base with shell or git-special characters is refused, or passed to git as one argument', { timeout: 60_000 }, async () => {
    const town = await gitTownFromRepo();
    for (const bad of ['a..b', 'x@{1}', '-x', 'with space', 'end.lock', 'trailing/', '~tilde', 'colon:x']) {
      await refusedAdd(town, ['gastown/Nux', '--branch', bad], 2, `invalid branch name ${JSON.stringify(bad)}: not one git accepts`);
    }
    // Valid ref names that a shell would act on: each is one argument, made as it is, and nothing runs.
    const made: string[] = [];
    for (const [i, branch] of ['$(touch${IFS}pwned)', 'semi;colon', "it's", 'ünï/ćødé', '`id`'].entries()) {
      const result = await town.cli('add', `gastown/Odd${i}`, '--branch', branch);
      expect(result.code, `${branch}: ${result.stderr}`).toBe(0);
      expect(git(['rev-parse', '--abbrev-ref', 'HEAD'], join(town.root, 'gastown', 'polecats', `Odd${i}`, 'gastown'))).toBe(branch);
      made.push(branch);
    }
    expect(branches(town)).toEqual(['main', ...made].sort());
    expect(readdirSync(town.root).filter((f) => f.includes('pwned'))).toEqual([]);
    expect(readdirSync(process.cwd()).filter((f) => f.includes('pwned'))).toEqual([]);
    // A base given by its commit id; one with a shell's characters is looked up as it is, and is no commit.
    const head = git(['--git-dir', town.bare, 'rev-parse', 'origin/main']);
    expect((await town.cli('add', 'gastown/ByCommit', '--base', head)).code).toBe(0);
    await refusedAdd(town, ['gastown/Nux', '--base', 'main;touch pwned'], 2, 'no commit "main;touch pwned"');
  });

  it('works in paths with spaces and non-ASCII: init, rig add from a path, add, start, stop, remove', { timeout: 60_000 }, async () => {
    const dir = join(mkdtempSync(join(testTmpDir, 'spaced-')), 'my projects', 'Städte');
    const town = await gitTownFromRepo({ dir, townName: 'the town ü' });
    // The rig from a plain path with spaces, as well as the file:// one.
    const second = await runCli(['rig', 'add', 'second', town.remote, '--town', town.root]);
    expect(second.code, second.stderr).toBe(0);
    const added = await town.cli('add', 'second/Toast');
    expect(added.code, added.stderr).toBe(0);
    const worktree = join(town.root, 'second', 'polecats', 'Toast', 'second');
    expect(readFileSync(join(worktree, 'README.md'), 'utf8')).toBe('# project\n');
    const started = await town.cli('start', 'second/Toast', '--agent', 'sim', '--json');
    expect(started.code, started.stderr).toBe(0);
    expect((await town.cli('stop', 'second/Toast')).code).toBe(0);
    const removed = await town.cli('remove', 'second/Toast');
    expect(removed.code, removed.stderr).toBe(0);
    expect(readdirSync(join(town.root, 'second', 'polecats'))).toEqual([]);
  });

  it('--count 20 makes 20 distinct worktrees and branches from the pool, skipping names in use and reserved ones; numbers past the pool', { timeout: 120_000 }, async () => {
    const town = await gitTownFromRepo();
    expect((await town.cli('add', 'gastown/Agate')).code).toBe(0);
    const result = await town.cli('add', 'gastown', '--count', '20', '--json');
    expect(result.code, result.stderr).toBe(0);
    const made = JSON.parse(result.stdout) as Array<{ polecat: string; worktree: string; branch: string }>;
    expect(made).toHaveLength(20);
    expect(new Set(made.map((m) => m.polecat)).size).toBe(20);
    expect(new Set(made.map((m) => m.branch)).size).toBe(20);
    expect(made.map((m) => m.polecat)).not.toContain('gastown/Agate');
    const registered = git(['--git-dir', town.bare, 'worktree', 'list', '--porcelain']).split('\n').filter((l) => l.startsWith('worktree '));
    expect(registered).toHaveLength(22);
    for (const m of made) expect(git(['rev-parse', '--abbrev-ref', 'HEAD'], m.worktree)).toBe(m.branch);
    expect(readdirSync(join(town.root, 'gastown', 'polecats')).filter((f) => f.endsWith('.pending'))).toEqual([]);

    // The rig's own names: reserved ones skipped, and numbers once they are used up.
    writeFileSync(join(town.root, 'gastown', 'settings', 'config.json'), JSON.stringify({ type: 'rig-settings', version: 1, namepool: { names: ['witness', 'Ace', 'Mayor', 'bad name', 'Bo'] } }));
    const own = await town.cli('add', 'gastown', '--count', '3', '--json');
    expect(own.code, own.stderr).toBe(0);
    expect((JSON.parse(own.stdout) as Array<{ polecat: string }>).map((m) => m.polecat)).toEqual(['gastown/Ace', 'gastown/Bo', 'gastown/3']);
  });

  it('two adds of one name at once: one makes it, the other is refused; two --count adds at once get different names', { timeout: 60_000 }, async () => {
    const town = await gitTownFromRepo();
    const both = await Promise.all([town.cli('add', 'gastown/Toast'), town.cli('add', 'gastown/Toast')]);
    expect(both.map((r) => r.code).sort()).toEqual([0, 2]);
    expect(both.find((r) => r.code === 2)!.stderr).toMatch(/^polecat: (\S+ exists already: polecat gastown\/Toast is there|polecat gastown\/Toast is being added already \(pid \d+\))/);
    expect(branches(town).filter((b) => b.startsWith('polecat/Toast-'))).toHaveLength(1);

    const counted = await Promise.all([town.cli('add', 'gastown', '--count', '3', '--json'), town.cli('add', 'gastown', '--count', '3', '--json')]);
    for (const r of counted) expect(r.code, r.stderr).toBe(0);
    const names = counted.flatMap((r) => (JSON.parse(r.stdout) as Array<{ polecat: string }>).map((m) => m.polecat));
    expect(new Set(names).size).toBe(6);
    expect(readdirSync(join(town.root, 'gastown', 'polecats')).sort()).toEqual(['Toast', ...names.map((n) => n.split('/')[1]!)].sort());
  });
});
