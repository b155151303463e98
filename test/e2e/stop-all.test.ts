import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { killServer, makeTown, retryUntil } from '../helpers/town.js';

describe('polecat stop-all', () => {
  it("stops every polecat of the rig in parallel, and nothing else on the town's server", async () => {
    const town = makeTown({ alpha: ['p1', 'p2', 'p3'], beta: ['q1'] });
    const started = await Promise.all(
      ['alpha/p1', 'alpha/p2', 'alpha/p3', 'beta/q1'].map((p) => runCli(['start', p, '--town', town.root, '--agent', 'sim --ignore-term'])),
    );
    for (const s of started) expect(s.code, s.stderr).toBe(0);
    const socket = JSON.parse((await runCli(['status', 'beta/q1', '--json', '--town', town.root])).stdout).socket as string;
    // The user's own session on the same server, named like a polecat's.
    execFileSync('tmux', ['-L', socket, 'new-session', '-d', '-s', 'alpha-p4', 'sleep 600']);
    try {
      const began = Date.now();
      const result = await runCli(['stop-all', 'alpha', '--town', town.root, '--timeout', 'graceful=1,kill=1']);
      const elapsed = Date.now() - began;
      expect(result.code, result.stderr).toBe(0);
      for (const p of ['alpha/p1', 'alpha/p2', 'alpha/p3']) expect(result.stdout).toContain(`${p}: stopped`);
      // In parallel: three agents that exit on Ctrl-C take about one stop's time, not three.
      expect(elapsed).toBeLessThan(6_000);

      const left = JSON.parse((await runCli(['list', '--json', '--town', town.root])).stdout);
      expect(left.map((p: { polecat: string }) => p.polecat)).toEqual(['beta/q1']);
      expect(execFileSync('tmux', ['-L', socket, 'list-sessions', '-F', '#{session_name}'], { encoding: 'utf8' }).split('\n').filter(Boolean).sort()).toEqual(['alpha-p4', 'beta-q1']);
      expect((await runCli(['stop', 'beta/q1', '--town', town.root])).code).toBe(0);
    } finally {
      killServer(socket); // the user's session, and any polecat the test failed to stop
    }
  });

  it('reports every failed stop, not just the last, stops the rest, and exits 1', async () => {
    const town = makeTown({ alpha: ['p1', 'p2', 'p3'] });
    const started = await Promise.all(['alpha/p1', 'alpha/p2', 'alpha/p3'].map((p) => runCli(['start', p, '--town', town.root, '--agent', 'sim --ignore-term'])));
    for (const s of started) expect(s.code, s.stderr).toBe(0);
    // Two slow stops already under way (SIGTERM ignored, a long kill grace) hold p1's and p2's locks.
    const slow = ['alpha/p1', 'alpha/p2'].map((p) => runCli(['stop', p, '--force', '--town', town.root, '--timeout', 'kill=4']));
    const locks = join(town.root, '.runtime', 'polecat', 'locks');
    await retryUntil('both slow stops holding their locks', () => (existsSync(join(locks, 'alpha.p1.lock')) && existsSync(join(locks, 'alpha.p2.lock'))) || undefined);

    const result = await runCli(['stop-all', 'alpha', '--town', town.root]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('alpha/p3: stopped');
    const failures = result.stderr.split('\n').filter((line) => line.includes('stop failed'));
    expect(failures).toHaveLength(2);
    // Each names the slow stop that holds its polecat.
    for (const p of ['alpha/p1', 'alpha/p2']) {
      expect(failures.find((line) => line.startsWith(`${p}: stop failed`)), p).toMatch(new RegExp(`^${p}: stop failed: ${p} is busy: run [0-9a-f-]{36} \\(stop, pid \\d+\\) holds it$`));
    }

    for (const r of await Promise.all(slow)) expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse((await runCli(['list', '--json', '--town', town.root])).stdout)).toEqual([]);
  }, 30_000);

  it('says so when the rig has no polecat running, and refuses a bad rig name', async () => {
    const town = makeTown({ alpha: ['p1'] });
    const none = await runCli(['stop-all', 'alpha', '--town', town.root]);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('no polecats of rig alpha running');
    expect((await runCli(['stop-all', 'al/pha', '--town', town.root])).code).toBe(2);
  });
});
