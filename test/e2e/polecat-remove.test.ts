/**
 * `polecat remove` and `list --all`, the built CLI with real git and tmux: the round trip leaves the town as it was
 * before the add; each kind of unsaved work, a running or up polecat, and a working directory inside it are refused
 * with nothing changed; --force stops it and names what it discarded; the default branch and other polecats are
 * never touched; a missing or broken worktree is said so by start, list and remove.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { git, gitTownFromRepo, pushToRemote, snapshot, type GitTown } from '../helpers/git-town.js';
import { awaitNothingLeft } from '../helpers/town.js';

const worktreeOf = (town: GitTown, name: string) => join(town.root, town.rig, 'polecats', name, town.rig);

async function added(town: GitTown, name: string): Promise<{ worktree: string; branch: string }> {
  const result = await town.cli('add', `${town.rig}/${name}`, '--json');
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as Array<{ worktree: string; branch: string }>)[0]!;
}

/** A refusal: exit 1, its words, and nothing in the town changed. */
async function refused(town: GitTown, args: string[], said: RegExp, options: { cwd?: string } = {}): Promise<string> {
  const before = snapshot(town);
  const result = await runCli(['remove', ...args, '--town', town.root], options);
  expect(result.code, result.stdout + result.stderr).toBe(1);
  expect(result.stderr).toMatch(said);
  expect(snapshot(town)).toEqual(before);
  return result.stderr;
}

describe('polecat remove', () => {
  it('round trip: add, list --all, remove leaves the town as it was before the add, its branch gone', { timeout: 60_000 }, async () => {
    const town = await gitTownFromRepo();
    // What Gas Town reads of the town and the rig: its required fields and versions.
    const townJson = JSON.parse(readFileSync(join(town.root, 'mayor', 'town.json'), 'utf8')) as Record<string, unknown>;
    expect(townJson).toMatchObject({ type: 'town', version: 2, name: 'town', public_name: 'town' });
    expect(Date.parse(townJson.created_at as string)).not.toBeNaN();
    expect(JSON.parse(readFileSync(join(town.root, 'mayor', 'rigs.json'), 'utf8'))).toMatchObject({ version: 1, rigs: { gastown: { git_url: `file://${town.remote}`, beads: { repo: '', prefix: 'gt' } } } });
    expect(JSON.parse(readFileSync(join(town.root, 'gastown', 'config.json'), 'utf8'))).toMatchObject({ type: 'rig', version: 1, name: 'gastown', default_branch: 'main', beads: { prefix: 'gt' } });
    expect(git(['--git-dir', town.bare, 'config', 'remote.origin.fetch'])).toBe('+refs/heads/*:refs/remotes/origin/*');
    const before = snapshot(town);
    const { worktree, branch } = await added(town, 'Toast');
    // Gas Town's layout: <name>/<rig>/, its .git file pointing into the bare repository's worktrees.
    expect(readFileSync(join(worktree, '.git'), 'utf8')).toMatch(new RegExp(`^gitdir: ${join(town.bare, 'worktrees')}/gastown\\n$`));
    expect(git(['--git-dir', town.bare, 'rev-parse', '--is-bare-repository'])).toBe('true');

    writeFileSync(join(worktree, 'notes.txt'), 'draft\n');
    git(['add', 'notes.txt'], worktree);
    git(['commit', '-q', '-m', 'notes'], worktree);
    writeFileSync(join(worktree, 'scratch.txt'), 'x\n');
    pushToRemote(town, 'upstream.txt');
    expect((await town.cli('add', 'gastown/Nux')).code).toBe(0);
    const listed = await town.cli('list', '--all');
    expect(listed.code, listed.stderr).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^POLECAT\s+DOING\s+BRANCH\s+AHEAD\s+BEHIND\s+DIRTY$/);
    // Toast: 1 commit not pushed, 1 untracked file; its base is behind origin/main only once the rig fetched it (Nux's add did).
    expect(lines[1]).toMatch(new RegExp(`^gastown/Nux\\s+not running\\s+polecat/Nux-\\S+\\s+0\\s+0\\s+0$`));
    expect(lines[2]).toMatch(new RegExp(`^gastown/Toast\\s+not running\\s+${branch.replace('/', '\\/')}\\s+1\\s+1\\s+1$`));
    const json = JSON.parse((await town.cli('list', '--all', '--json')).stdout) as Array<{ polecat: string; worktree: unknown }>;
    expect(json.find((p) => p.polecat === 'gastown/Toast')?.worktree).toEqual({ branch, ahead: 1, behind: 1, dirty: 1 });

    const forced = await town.cli('remove', 'gastown/Toast', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/discarded:\n {2}1 uncommitted change \(untracked included\):\n {4}\?\? scratch\.txt\n {2}1 commit on no remote branch:\n {4}[0-9a-f]+ notes\n$/);
    const removed = await town.cli('remove', 'gastown/Nux');
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toMatch(/^gastown\/Nux: removed worktree \S+ and branch polecat\/Nux-\S+\n$/);
    expect(git(['--git-dir', town.bare, 'branch', '--format=%(refname:short)'])).toBe('main');
    const after = snapshot(town);
    // polecat's own runtime directory stays (the name lock's directory in it): everything else is as it was.
    expect(after.files.filter((f) => !f.startsWith('.runtime/'))).toEqual(before.files);
    expect(after.worktrees).toBe(before.worktrees);
    expect((await town.cli('list', '--all')).stdout).toBe('no polecats in the town\n');
  });

  it('refuses each kind of unsaved work, naming it, with nothing changed; --force removes and names what it discarded', { timeout: 60_000 }, async () => {
    const town = await gitTownFromRepo();
    const kinds: Array<[string, (worktree: string, branch: string) => void, RegExp]> = [
      ['Dirty', (w) => writeFileSync(join(w, 'README.md'), 'changed\n'), /1 uncommitted change \(untracked included\):\n {4} M README\.md/],
      ['Untracked', (w) => writeFileSync(join(w, 'new file ü.txt'), 'x\n'), /1 uncommitted change \(untracked included\):\n {4}\?\? new file ü\.txt/],
      ['Stashed', (w) => {
        writeFileSync(join(w, 'README.md'), 'stash me\n');
        git(['stash', 'push', '-q', '-m', 'half done'], w);
      }, /1 stash of its branch:\n {4}stash@\{0\} On polecat\/Stashed-\S+: half done/],
      ['Unpushed', (w) => git(['commit', '-q', '--allow-empty', '-m', 'local only'], w), /1 commit on no remote branch:\n {4}[0-9a-f]+ local only/],
    ];
    for (const [name, make] of kinds) {
      const { worktree, branch } = await added(town, name);
      make(worktree, branch);
    }
    // Another polecat's stash is not this one's.
    const clean = await added(town, 'Clean');
    for (const [name, , said] of kinds) {
      const stderr = await refused(town, [`gastown/${name}`], said);
      expect(stderr).toMatch(new RegExp(`^polecat: gastown/${name} not removed: it has work that would be lost \\(commit and push it, or --force to discard it\\):\\n`));
    }
    // One refusal and nothing is removed, not even the clean one named with it.
    expect(await refused(town, ['gastown/Clean', 'gastown/Dirty'], /nothing was removed/)).toContain('gastown/Dirty not removed');
    expect(existsSync(clean.worktree)).toBe(true);

    for (const [name, , said] of kinds) {
      const forced = await town.cli('remove', `gastown/${name}`, '--force');
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stdout).toMatch(new RegExp(`^gastown/${name}: removed worktree \\S+ and branch polecat/${name}-\\S+; --force discarded:\\n`));
      expect(forced.stdout).toMatch(said);
    }
    expect(existsSync(clean.worktree)).toBe(true);
    expect(git(['--git-dir', town.bare, 'branch', '--format=%(refname:short)']).split('\n').sort()).toEqual([clean.branch, 'main'].sort());
  });

  it('a pushed branch, or one merged into main, is removed without --force and its branch deleted', { timeout: 60_000 }, async () => {
    const town = await gitTownFromRepo();
    const pushed = await added(town, 'Pushed');
    git(['commit', '-q', '--allow-empty', '-m', 'pushed work'], pushed.worktree);
    git(['push', '-q', '-u', 'origin', pushed.branch], pushed.worktree);
    const merged = await added(town, 'Merged');
    git(['commit', '-q', '--allow-empty', '-m', 'merged work'], merged.worktree);
    git(['push', '-q', 'origin', `${merged.branch}:main`], merged.worktree);
    const result = await town.cli('remove', 'gastown/Pushed', 'gastown/Merged');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^gastown\/Pushed: removed worktree \S+ and branch polecat\/Pushed-\S+\ngastown\/Merged: removed worktree \S+ and branch polecat\/Merged-\S+\n$/);
    expect(git(['--git-dir', town.remote, 'branch', '--format=%(refname:short)'])).toContain(pushed.branch);
  });

  it('refuses a running or up polecat; --force stops it, then removes it, leaving nothing running', { timeout: 60_000 }, async () => {
    const town = await gitTownFromRepo();
    await added(town, 'Toast');
    const log = join(town.base, 'sim.jsonl');
    const started = await town.cli('start', 'gastown/Toast', '--agent', `sim --log ${log}`, '--json');
    expect(started.code, started.stderr).toBe(0);
    const socket = (JSON.parse(started.stdout) as { socket: string }).socket;
    await refused(town, ['gastown/Toast'], /^polecat: gastown\/Toast not removed: it is running \(session gt-Toast\): polecat stop gastown\/Toast first, or --force to stop it\n$/);
    expect((await town.cli('status', 'gastown/Toast', '--json')).code).toBe(0);
    expect((await town.cli('stop', 'gastown/Toast')).code).toBe(0);
    expect((await town.cli('up', 'gastown/Toast', '--agent', `sim --log ${log}`)).code).toBe(0);
    await refused(town, ['gastown/Toast'], /it is running .*\n.*it is up \(polecat supervise keeps it running\): polecat down gastown\/Toast first, or --force\n$/);

    const forced = await town.cli('remove', 'gastown/Toast', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/^gastown\/Toast: stopped\ngastown\/Toast: removed worktree \S+ and branch polecat\/Toast-\S+\n$/);
    expect(existsSync(join(town.root, '.runtime', 'polecat', 'desired', 'gastown', 'Toast.json'))).toBe(false);
    await awaitNothingLeft(log, socket);
  });

  it('refuses from a working directory inside the polecat, and never deletes the default branch or touches another polecat', { timeout: 60_000 }, async () => {
    const town = await gitTownFromRepo();
    const toast = await added(town, 'Toast');
    const nux = await added(town, 'Nux');
    await refused(town, ['gastown/Toast'], /^polecat: gastown\/Toast not removed: your working directory is inside \S+\/polecats\/Toast: cd out of it first\n$/, { cwd: join(toast.worktree) });
    await refused(town, ['gastown/Toast', '--force'], /your working directory is inside/, { cwd: join(toast.worktree, '..') });
    // The bare repository has no work tree of its own, so a polecat may check out main itself.
    git(['checkout', '-q', 'main'], toast.worktree);
    const result = await town.cli('remove', 'gastown/Toast');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^gastown\/Toast: removed worktree \S+; kept branch main \(it is the default branch\)\n$/);
    expect(git(['--git-dir', town.bare, 'branch', '--format=%(refname:short)']).split('\n').sort()).toEqual(['main', toast.branch, nux.branch].sort());
    expect(git(['status', '--porcelain'], nux.worktree)).toBe('');
    expect(git(['rev-parse', '--abbrev-ref', 'HEAD'], nux.worktree)).toBe(nux.branch);
    expect((await runCli(['remove', 'gastown/Nope', '--town', town.root])).stderr).toMatch(/^polecat: no polecat gastown\/Nope: \S+ does not exist\n$/);
  });

  it('a missing or broken worktree: start says so and how to mend it, before anything runs; list --all says so; remove mends it', { timeout: 60_000 }, async () => {
    const town = await gitTownFromRepo();
    const gone = await added(town, 'Gone');
    const broken = await added(town, 'Broken');
    // The whole polecat directory deleted by hand: its registration is still there to remove.
    const vanished = await added(town, 'Vanished');
    rmSync(join(town.root, 'gastown', 'polecats', 'Vanished'), { recursive: true });
    const removedVanished = await town.cli('remove', 'gastown/Vanished');
    expect(removedVanished.code, removedVanished.stderr).toBe(0);
    expect(removedVanished.stdout).toBe(`gastown/Vanished: removed worktree ${vanished.worktree} and branch ${vanished.branch}\n`);
    rmSync(gone.worktree, { recursive: true });
    writeFileSync(join(broken.worktree, '.git'), 'gitdir: /nonexistent/worktrees/gastown\n');
    const log = join(town.base, 'sim.jsonl');
    for (const [name, said] of [
      ['Gone', `its worktree ${gone.worktree} is missing`],
      ['Broken', `its worktree ${broken.worktree} is broken: its .git file points to /nonexistent/worktrees/gastown, which is gone`],
    ] as const) {
      const started = await town.cli('start', `gastown/${name}`, '--agent', `sim --log ${log}`);
      expect(started.code).toBe(1);
      expect(started.stderr).toContain(`polecat gastown/${name} cannot start: ${said} (polecat remove gastown/${name}, then polecat add gastown/${name})`);
      expect(existsSync(log)).toBe(false);
      expect((await town.cli('list', '--all')).stdout).toContain(said);
    }
    const unfit = await town.cli('start', 'gastown/Never', '--agent', `sim --log ${log}`);
    expect(unfit.stderr).toContain('polecat gastown/Never not found: ');
    expect(unfit.stderr).toContain('(polecat add gastown/Never makes it)');

    const registered = () => git(['--git-dir', town.bare, 'worktree', 'list', '--porcelain']).split('\n').filter((l) => l.startsWith('worktree '));
    await refused(town, ['gastown/Broken'], /what is in its files cannot be checked \(--force removes them\)/);
    const forced = await town.cli('remove', 'gastown/Broken', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('--force discarded:\n  its files, unchecked (the worktree was broken)');
    // Its registration went with it; Gone's, which a `git worktree prune` would also have dropped, is another polecat's.
    expect(registered()).toEqual([`worktree ${town.bare}`, `worktree ${gone.worktree}`]);
    expect((await town.cli('remove', 'gastown/Gone')).code).toBe(0);
    expect(registered()).toEqual([`worktree ${town.bare}`]);
    const again = await town.cli('add', 'gastown/Gone', 'gastown/Broken');
    expect(again.code, again.stderr).toBe(0);
    execFileSync('git', ['-C', worktreeOf(town, 'Gone'), 'status'], { stdio: 'ignore' });
  });
});
