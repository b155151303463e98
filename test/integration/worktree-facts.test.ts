/** What a worktree holds, read with real git: file names git's porcelain output could mangle, stashes of one branch only. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { branchStashes, changedFiles, unpushedCommits } from '../../src/town/worktree.js';
import { git } from '../helpers/git-town.js';
import { testTmpDir } from '../helpers/tmux-guard.js';

function repo(): string {
  const dir = mkdtempSync(join(testTmpDir, 'facts-'));
  git(['init', '-q', '-b', 'main', dir]);
  for (const name of [' leading space.txt', 'old name.txt']) writeFileSync(join(dir, name), 'x\n');
  git(['add', '.'], dir);
  git(['commit', '-q', '-m', 'first'], dir);
  return dir;
}

describe('a worktree read with real git', () => {
  it('lists changed files by their whole names: a leading space, a newline, a rename listed once under its new name', async () => {
    const dir = repo();
    writeFileSync(join(dir, ' leading space.txt'), 'changed\n');
    git(['mv', 'old name.txt', 'new name.txt'], dir);
    writeFileSync(join(dir, 'line\nbreak.txt'), 'x\n');
    expect((await changedFiles(dir)).sort()).toEqual([' M  leading space.txt', 'R  new name.txt', '?? line\nbreak.txt'].sort());
  });

  it('counts only the stashes made on the branch, and commits on no remote branch', async () => {
    const dir = repo();
    writeFileSync(join(dir, 'old name.txt'), 'on main\n');
    git(['stash', 'push', '-q', '-m', 'main work'], dir);
    git(['checkout', '-q', '-b', 'feature'], dir);
    writeFileSync(join(dir, 'old name.txt'), 'on feature\n');
    git(['stash', 'push', '-q', '-m', 'feature work'], dir);
    expect(await branchStashes({ worktree: dir }, 'feature')).toEqual(['stash@{0} On feature: feature work']);
    expect(await branchStashes({ worktree: dir }, 'main')).toEqual(['stash@{1} On main: main work']);
    expect(await branchStashes({ worktree: dir }, 'feat')).toEqual([]);
    // Through the repository itself, as for a worktree git cannot read: the same.
    expect(await branchStashes({ bare: join(dir, '.git') }, 'feature')).toEqual(['stash@{0} On feature: feature work']);
    expect((await unpushedCommits({ worktree: dir }, 'HEAD')).map((c) => c.split(' ').slice(1).join(' '))).toEqual(['first']);
  });
});
