/** A fleet under one supervisor, the built CLI on real tmux with the sim: 20 polecats up, 10 agents killed at once. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listRuns } from '../../src/runs/store.js';
import { runCli } from '../helpers/cli.js';
import { awaitNothingLeft, makeTown, retryUntil } from '../helpers/town.js';

interface Row {
  polecat: string;
  running: boolean;
  agentPid?: number;
  run?: string;
}

describe('polecat supervise, a fleet', () => {
  it('20 polecats up, 10 agents killed at once: all 10 back, each restarted exactly once, the other 10 left alone', { timeout: 180_000 }, async () => {
    const names = Array.from({ length: 20 }, (_, i) => `Cat${String(i + 1).padStart(2, '0')}`);
    const town = makeTown({ gastown: names });
    mkdirSync(join(town.root, 'settings'), { recursive: true });
    writeFileSync(join(town.root, 'settings', 'config.json'), JSON.stringify({ supervision: { backoff_min_s: 0.2 } }));
    const log = town.logPath('sim');
    const cli = (...args: string[]) => runCli([...args, '--town', town.root]);
    const rows = async () => JSON.parse((await cli('list', 'gastown', '--json')).stdout) as Row[];

    const up = await cli('up', 'gastown', '--all', '--agent', `sim --log ${log}`);
    expect(up.code, up.stderr).toBe(0);
    const before = await rows();
    expect(before.filter((r) => r.running)).toHaveLength(20);
    const socket = JSON.parse((await cli('status', 'gastown/Cat01', '--json')).stdout).socket as string;

    let pid = 0;
    let output = () => '';
    const supervising = runCli(['supervise', '--town', town.root], { detached: true, onSpawn: (p, out) => ((pid = p), (output = out)) });
    try {
      await retryUntil('all 20 supervised', () => ((output().match(/: supervised/g) ?? []).length === 20 ? true : undefined), 20_000);
      const killed = before.filter((_, i) => i % 2 === 0);
      for (const row of killed) process.kill(row.agentPid!, 'SIGKILL');

      const after = await retryUntil(
        'the 10 back',
        async () => {
          const now = await rows();
          const back = killed.every((k) => {
            const row = now.find((r) => r.polecat === k.polecat);
            return row?.running === true && row.agentPid !== k.agentPid;
          });
          return back ? now : undefined;
        },
        90_000,
      );
      // Past any second restart a duplicate would make.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const starts = listRuns(town.root).filter((r) => r.record.kind === 'start');
      expect(starts).toHaveLength(30);
      for (const k of killed) {
        const restarts = starts.filter((r) => (r.record.input as { follows?: string }).follows === k.run);
        expect(restarts, k.polecat).toHaveLength(1);
        expect(restarts[0]!.record.result).toBe('running');
      }
      const untouched = before.filter((_, i) => i % 2 === 1);
      for (const u of untouched) expect(after.find((r) => r.polecat === u.polecat)).toMatchObject({ running: true, agentPid: u.agentPid, run: u.run });
      expect(output().match(/restart begun/g)).toHaveLength(10);
    } finally {
      if (pid) process.kill(pid, 'SIGTERM');
      await supervising;
      await cli('down', 'gastown', '--all');
    }
    expect((await supervising).code).toBe(143);
    await awaitNothingLeft(log, socket);
  });
});
