/**
 * Runs in every test file before its tests: tmux sockets live in a private directory of this file, `tmux` on PATH is
 * the guard in test/fixtures/bin (which refuses and records any call that would reach the default server), and after
 * the file's tests every server left in the private directory is killed and a touch of the default server fails.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll } from 'vitest';

const fixturesBin = resolve(import.meta.dirname, '../fixtures/bin');
const realTmux = process.env.POLECAT_TEST_REAL_TMUX ?? findOnPath('tmux');
const dir = mkdtempSync(join(tmpdir(), 'polecat-test-'));

process.env.TMUX_TMPDIR = dir;
// A home of the tests' own, whose tmux.conf numbers windows and panes from 1 as many users do: nothing may assume 0.
const home = join(dir, 'home');
mkdirSync(home);
writeFileSync(join(home, '.tmux.conf'), 'set -g base-index 1\nsetw -g pane-base-index 1\n');
process.env.HOME = home;
delete process.env.XDG_CONFIG_HOME;
process.env.POLECAT_TEST_REAL_TMUX = realTmux;
process.env.POLECAT_TEST_TMUX_LOG = join(dir, 'tmux-calls.log');
process.env.POLECAT_TEST_TMUX_VIOLATIONS = join(dir, 'tmux-violations.log');
process.env.PATH = `${fixturesBin}${delimiter}${process.env.PATH ?? ''}`;
delete process.env.TMUX;
delete process.env.TMUX_PANE;
delete process.env.GT_TOWN_ROOT;
delete process.env.GT_TMUX_SOCKET;
writeFileSync(process.env.POLECAT_TEST_TMUX_VIOLATIONS, '');

export const testTmpDir = dir;

afterAll(() => {
  const socketDir = join(dir, `tmux-${process.getuid?.() ?? 0}`);
  const sockets = existsSync(socketDir) ? readdirSync(socketDir) : [];
  for (const socket of sockets) {
    try {
      execFileSync(realTmux, ['-L', socket, 'kill-server'], { stdio: 'ignore', env: { ...process.env } });
    } catch {
      // already gone
    }
  }
  const violations = readFileSync(process.env.POLECAT_TEST_TMUX_VIOLATIONS!, 'utf8').trim();
  if (violations) throw new Error(`a test called tmux without a private socket:\n${violations}`);
  if (sockets.includes('default')) throw new Error('a test started the default tmux server');
});

function findOnPath(name: string): string {
  for (const entry of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(entry, name);
    if (entry && existsSync(candidate) && !candidate.startsWith(fixturesBin)) return candidate;
  }
  throw new Error(`${name} is not installed: the tests need a real ${name}`);
}
