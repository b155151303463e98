/** `npm run demo` as a new user runs it: a town made from a throwaway repository with init, rig add and add, and nothing left. */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('npm run demo', () => {
  it('makes its town with the CLI from a repository it makes, runs a polecat in its worktree, removes it, and leaves nothing', { timeout: 60_000 }, () => {
    const result = spawnSync(process.execPath, [resolve(import.meta.dirname, '../../scripts/demo.js')], { encoding: 'utf8' });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    for (const typed of ['$ polecat init ', '$ polecat rig add app ', '$ polecat add app/Toast', '$ polecat start app/Toast', '$ polecat remove app/Toast']) expect(result.stdout).toContain(typed);
    expect(result.stdout).toMatch(/app\/Toast: removed worktree \S+\/town\/app\/polecats\/Toast\/app and branch polecat\/Toast-\S+\n/);
    expect(result.stdout).toMatch(/Nothing left: no session on socket \S+, agent process \d+ gone, no worktree but the rig's bare repository\.\n$/);
  });
});
