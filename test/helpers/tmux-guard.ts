/**
 * Runs in every test file before its tests: tmux sockets live in a private directory of this file, `tmux` on PATH is
 * the guard in test/fixtures/bin (which refuses and records any call that would reach the default server), and no
 * test leaks: after each test, a tmux server or process of this file's (see leaks.ts) that the test started and that
 * is still there after a short grace is killed and fails that test; after the file's tests, anything of the file's
 * still running is killed and fails the file, and so does a touch of the default server.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, afterEach, beforeEach, onTestFailed } from 'vitest';
import { describeLeftovers, isEmpty, killLeftovers, NO_LEFTOVERS, settledLeftovers, socketDir, findLeftovers, type Leftovers } from './leaks.js';

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

let beforeTest: Leftovers = NO_LEFTOVERS;

let failedTests = 0;
const filesFailed = () => failedTests > 0;

beforeEach(() => {
  beforeTest = findLeftovers(dir);
  onTestFailed(() => {
    failedTests += 1;
  });
});

afterEach(async () => {
  const leaks = await settledLeftovers(dir, beforeTest);
  if (isEmpty(leaks)) return;
  await killLeftovers(leaks, realTmux);
  throw new Error(`this test leaked (now killed):\n${describeLeftovers(leaks, dir)}`);
});

afterAll(async () => {
  const failures: string[] = [];
  const leaks = await settledLeftovers(dir, NO_LEFTOVERS);
  if (!isEmpty(leaks)) {
    await killLeftovers(leaks, realTmux);
    failures.push(`this file's tests or hooks leaked (now killed):\n${describeLeftovers(leaks, dir)}`);
  }
  const violations = readFileSync(process.env.POLECAT_TEST_TMUX_VIOLATIONS!, 'utf8').trim();
  if (violations) failures.push(`a test called tmux without a private socket:\n${violations}`);
  const sockets = existsSync(socketDir(dir)) ? readdirSync(socketDir(dir)) : [];
  if (sockets.includes('default')) failures.push('a test started the default tmux server');
  if (failures.length > 0) throw new Error(failures.join('\n'));
  // Kept when something failed (to look at); otherwise its towns, clones and installed CLIs would fill the disk.
  if (!filesFailed()) rmSync(dir, { recursive: true, force: true });
});

function findOnPath(name: string): string {
  for (const entry of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(entry, name);
    if (entry && existsSync(candidate) && !candidate.startsWith(fixturesBin)) return candidate;
  }
  throw new Error(`${name} is not installed: the tests need a real ${name}`);
}
