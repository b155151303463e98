/** `polecat supervise`, the built CLI on real tmux with the sim: agents killed and restarted, backoff growing, down honoured. */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunFiles, runsDir } from '../../src/runs/store.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { awaitNothingLeft, makeTown, retryUntil } from '../helpers/town.js';

describe('polecat supervise', () => {
  it('restarts an up polecat each time its agent is killed, with a growing backoff; one supervisor per town; down is honoured; SIGTERM ends it', { timeout: 90_000 }, async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const log = town.logPath('sim');
    const cli = (...args: string[]) => runCli([...args, '--town', town.root]);
    const status = async () => JSON.parse((await cli('status', 'gastown/Toast', '--json')).stdout) as { running: boolean; agentPid?: number; run?: string; socket: string };
    expect((await cli('up', 'gastown/Toast', '--agent', `sim --log ${log}`)).code).toBe(0);
    const first = await status();

    let pid = 0;
    let output = () => '';
    const supervising: Promise<CliResult> = runCli(['supervise', '--town', town.root], { detached: true, onSpawn: (p, out) => ((pid = p), (output = out)) });
    try {
      await retryUntil('the supervisor', () => (output().includes('gastown/Toast: supervised') ? true : undefined), 10_000);
      const second = await cli('supervise');
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`is busy: run supervisor-${pid} (supervise, pid ${pid}) holds it`);

      let last = first;
      for (let kill = 1; kill <= 3; kill++) {
        process.kill(last.agentPid!, 'SIGKILL');
        const previous = last;
        last = await retryUntil(`restart ${kill}`, async () => {
          const now = await status();
          return now.running && now.agentPid !== previous.agentPid ? now : undefined;
        }, 30_000);
        const record = await retryUntil(`run ${last.run} finished`, () => {
          const r = new RunFiles(town.root, last.run!).record();
          return r.result !== undefined ? r : undefined;
        });
        expect(record).toMatchObject({ kind: 'start', result: 'running', input: { follows: previous.run } });
      }
      expect(output().match(/gastown\/Toast: backoff [\d.]+ s/g)).toEqual(['gastown/Toast: backoff 1 s', 'gastown/Toast: backoff 2 s', 'gastown/Toast: backoff 4 s']);
      expect(output().match(/restart begun/g)).toHaveLength(3);

      const down = await cli('down', 'gastown/Toast');
      expect(down.code, down.stderr).toBe(0);
      await retryUntil('the supervisor told', () => (output().includes('gastown/Toast: down: no longer supervised') ? true : undefined), 10_000);
      expect((await status()).running).toBe(false);
    } finally {
      if (pid) process.kill(pid, 'SIGTERM');
      await supervising;
      await cli('stop', 'gastown/Toast');
    }
    const ended = await supervising;
    expect(ended.code).toBe(143);
    expect(ended.stdout).toContain('supervisor stopped; every polecat left as it is');
    await awaitNothingLeft(log, first.socket);
  });

  it('quarantines an agent that dies at once on every start after the restarts its rig allows, starts nothing more, and tries again when put up again', { timeout: 90_000 }, async () => {
    const town = makeTown({ gastown: ['Toast'] });
    mkdirSync(join(town.root, 'gastown', 'settings'), { recursive: true });
    writeFileSync(join(town.root, 'gastown', 'settings', 'config.json'), JSON.stringify({ supervision: { backoff_min_s: 0.05, backoff_max_s: 0.1, max_restarts: 3 } }));
    const cli = (...args: string[]) => runCli([...args, '--town', town.root]);
    const starts = () => (existsSync(runsDir(town.root)) ? readdirSync(runsDir(town.root)).length : 0);
    // The start that up makes fails too: the polecat is still up.
    expect((await cli('up', 'gastown/Toast', '--agent', 'sim --exit-at start --exit-code 3')).code).toBe(1);
    let pid = 0;
    let output = () => '';
    const supervising = runCli(['supervise', '--town', town.root], { detached: true, onSpawn: (p, out) => ((pid = p), (output = out)) });
    try {
      await retryUntil('the quarantine', () => (output().includes('gastown/Toast: quarantined: ') ? true : undefined), 60_000);
      expect(output()).toMatch(/gastown\/Toast: quarantined: 3 restarts within 10 min, the last failed at \w+: .*exit.* 3.* \(polecat up gastown\/Toast to try again\)/);
      expect(output().match(/restart begun/g)).toHaveLength(3);
      const quarantinedAt = starts();
      expect(quarantinedAt).toBe(4);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(starts()).toBe(quarantinedAt);
      // Put up again: released, and tried again (here, to be quarantined again).
      await cli('up', 'gastown/Toast', '--agent', 'sim --exit-at start --exit-code 3');
      await retryUntil('released', () => (output().includes('gastown/Toast: up again: released from quarantine') ? true : undefined), 10_000);
      await retryUntil('a start after the release', () => (starts() > quarantinedAt + 1 ? true : undefined), 20_000);
    } finally {
      if (pid) process.kill(pid, 'SIGTERM');
      await supervising;
      await cli('stop', 'gastown/Toast');
    }
  });

  it('down during the backoff: the restart never comes', { timeout: 60_000 }, async () => {
    const town = makeTown({ gastown: ['Toast'] });
    mkdirSync(join(town.root, 'gastown', 'settings'), { recursive: true });
    writeFileSync(join(town.root, 'gastown', 'settings', 'config.json'), JSON.stringify({ supervision: { backoff_min_s: 3 } }));
    const log = town.logPath('sim');
    const cli = (...args: string[]) => runCli([...args, '--town', town.root]);
    expect((await cli('up', 'gastown/Toast', '--agent', `sim --log ${log}`)).code).toBe(0);
    const first = JSON.parse((await cli('status', 'gastown/Toast', '--json')).stdout) as { agentPid: number; socket: string };
    let pid = 0;
    let output = () => '';
    const supervising = runCli(['supervise', '--town', town.root], { detached: true, onSpawn: (p, out) => ((pid = p), (output = out)) });
    try {
      await retryUntil('the supervisor', () => (output().includes('gastown/Toast: supervised') ? true : undefined), 10_000);
      process.kill(first.agentPid, 'SIGKILL');
      await retryUntil('the backoff', () => (output().includes('gastown/Toast: backoff 3 s') ? true : undefined), 10_000);
      expect((await cli('down', 'gastown/Toast')).code).toBe(0);
      await retryUntil('down told', () => (output().includes('gastown/Toast: down: no longer supervised') ? true : undefined), 10_000);
      // Past the backoff's end: nothing was started.
      await new Promise((resolve) => setTimeout(resolve, 3_500));
      expect(output()).not.toContain('restart begun');
      expect(readdirSync(runsDir(town.root)).map((id) => new RunFiles(town.root, id).record().kind).sort()).toEqual(['start', 'stop']);
    } finally {
      if (pid) process.kill(pid, 'SIGTERM');
      await supervising;
      await cli('stop', 'gastown/Toast');
    }
    await awaitNothingLeft(log, first.socket);
  });

  it('a polecat put up while the supervisor runs is started once, by up, and then watched', { timeout: 60_000 }, async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const log = town.logPath('sim');
    const cli = (...args: string[]) => runCli([...args, '--town', town.root]);
    let pid = 0;
    let output = () => '';
    const supervising = runCli(['supervise', '--town', town.root], { detached: true, onSpawn: (p, out) => ((pid = p), (output = out)) });
    try {
      await retryUntil('the supervisor', () => (output().includes('supervising town') ? true : undefined), 10_000);
      // A slow start, which the supervisor sees up while it runs.
      const up = await cli('up', 'gastown/Toast', '--agent', `sim --log ${log} --startup-ms 2500`);
      expect(up.code, up.stderr).toBe(0);
      await retryUntil('the supervisor watching it', () => (output().includes('gastown/Toast: supervised') ? true : undefined), 10_000);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(output()).not.toContain('restart begun');
      expect(output()).not.toContain('quarantined');
      expect(readdirSync(runsDir(town.root))).toHaveLength(1);
    } finally {
      if (pid) process.kill(pid, 'SIGTERM');
      await supervising;
      await cli('stop', 'gastown/Toast');
    }
  });

  it('refuses a supervision policy it cannot read, before supervising anything', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    mkdirSync(join(town.root, 'settings'), { recursive: true });
    writeFileSync(join(town.root, 'settings', 'config.json'), JSON.stringify({ supervision: { max_restarts: 0 } }));
    const result = await runCli(['supervise', '--town', town.root, '--rig', 'gastown']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('supervision.max_restarts must be a whole number, 1 or more');
  });
});
