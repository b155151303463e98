/** `polecat rig add`, the built CLI with real git: Gas Town's rig layout from a local bare "remote", and refusals that leave nothing. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { testTmpDir } from '../helpers/tmux-guard.js';

const git = (args: string[], cwd?: string) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } }).trim();

/** A throwaway project with one commit on `trunk`, and a bare clone of it as its "remote". */
function project(): { base: string; remote: string; empty: string } {
  const base = mkdtempSync(join(testTmpDir, 'rig-'));
  const work = join(base, 'work');
  git(['init', '-q', '-b', 'trunk', work]);
  git(['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'first'], work);
  git(['clone', '-q', '--bare', work, join(base, 'remote.git')]);
  git(['init', '-q', '--bare', join(base, 'empty.git')]);
  return { base, remote: join(base, 'remote.git'), empty: join(base, 'empty.git') };
}

async function town(base: string): Promise<string> {
  const root = join(base, 'town');
  expect((await runCli(['init', root])).code).toBe(0);
  return root;
}

describe('polecat rig add', () => {
  it("makes Gas Town's rig layout: a bare clone with origin/<branch>, config.json, polecats/, settings/, the rigs.json entry", async () => {
    const { base, remote } = project();
    const root = await town(base);
    const added = await runCli(['rig', 'add', 'gastown', `file://${remote}`, '--json'], { cwd: root });
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toEqual({ rig: 'gastown', gitUrl: `file://${remote}`, defaultBranch: 'trunk', prefix: 'gt' });
    const rig = join(root, 'gastown');
    expect(git(['--git-dir', join(rig, '.repo.git'), 'rev-parse', '--is-bare-repository'])).toBe('true');
    expect(git(['--git-dir', join(rig, '.repo.git'), 'branch', '-r'])).toBe('origin/trunk');
    expect(JSON.parse(readFileSync(join(rig, 'config.json'), 'utf8'))).toMatchObject({ type: 'rig', version: 1, name: 'gastown', git_url: `file://${remote}`, default_branch: 'trunk', beads: { prefix: 'gt' } });
    expect(existsSync(join(rig, 'polecats'))).toBe(true);
    expect(JSON.parse(readFileSync(join(rig, 'settings', 'config.json'), 'utf8'))).toEqual({ type: 'rig-settings', version: 1 });
    expect(JSON.parse(readFileSync(join(root, 'mayor', 'rigs.json'), 'utf8'))).toMatchObject({ version: 1, rigs: { gastown: { git_url: `file://${remote}`, beads: { repo: '', prefix: 'gt' } } } });
    // A path works as well, with a prefix given.
    const second = await runCli(['rig', 'add', 'beads_py', remote, '--prefix', 'bd', '--town', root]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe(`rig beads_py added from ${remote}: branch trunk, beads prefix bd; next: polecat add beads_py/<name>\n`);
  });

  it('refuses a bad name, a rig that exists, an empty repository and one it cannot reach: one line, nothing left', async () => {
    const { base, remote, empty } = project();
    const root = await town(base);
    expect((await runCli(['rig', 'add', 'gastown', remote, '--town', root])).code).toBe(0);
    const rigsBefore = readFileSync(join(root, 'mayor', 'rigs.json'), 'utf8');
    const cases: Array<[string[], number, string]> = [
      [['bad-name', remote], 2, 'invalid rig name "bad-name"'],
      [['hq', remote], 2, 'invalid rig name "hq"'],
      [['gastown', remote], 2, 'rig gastown is in mayor/rigs.json already'],
      [['hollow', empty], 1, 'is an empty repository: commit something to it first'],
      [['lost', 'file:///nonexistent/repo.git'], 1, 'cannot clone file:///nonexistent/repo.git: '],
      [['lost', join(base, 'nothing-here')], 2, 'no repository at '],
      [['dashed', '--upload-pack=touch x'], 2, "unknown option '--upload-pack=touch x'"],
      [['dashed', '--', '--upload-pack=touch x'], 2, "it starts with '-'"],
      [['branchy', remote, '--branch', 'a..b'], 2, 'invalid --branch "a..b"'],
      [['nobranch', remote, '--branch', 'nope'], 1, 'cannot clone '],
    ];
    for (const [args, code, said] of cases) {
      const result = await runCli(['rig', 'add', '--town', root, ...args]);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(code);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(said);
    }
    expect(readdirSync(root).sort()).toEqual(['gastown', 'mayor']);
    expect(readFileSync(join(root, 'mayor', 'rigs.json'), 'utf8')).toBe(rigsBefore);
  });
});
