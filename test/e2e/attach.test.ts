import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../src/agents/shell.js';
import { Tmux } from '../../src/tmux/client.js';
import { CLI, runCli } from '../helpers/cli.js';
import { makeTown, retryUntil } from '../helpers/town.js';

describe('polecat attach', () => {
  it('hands the terminal to tmux: from a terminal inside another tmux server, a client attaches to the polecat', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    expect((await runCli(['start', 'gastown/Toast', '--town', town.root, '--agent', 'sim'])).code).toBe(0);
    const socket = JSON.parse((await runCli(['status', 'gastown/Toast', '--json', '--town', town.root])).stdout).socket as string;
    const townServer = new Tmux({ socket });
    const terminal = new Tmux({ socket: 'attach-terminal' });
    const command = [process.execPath, CLI, 'attach', 'gastown/Toast', '--town', town.root].map(shellQuote).join(' ');
    await terminal.batch([['new-session', '-d', '-s', 'term', '-x', '120', '-y', '40', command]]);
    try {
      const clients = await retryUntil('a client on the polecat session', async () => {
        const out = execFileSync('tmux', ['-L', socket, 'list-clients', '-F', '#{client_session}'], { encoding: 'utf8' }).trim();
        return out === '' ? undefined : out;
      });
      expect(clients).toBe('gastown-Toast');
      expect((await townServer.listPolecatPanes())[0]?.attached).toBe(1);
      expect(JSON.parse((await runCli(['status', 'gastown/Toast', '--json', '--town', town.root])).stdout).attached).toBe(true);
    } finally {
      await terminal.killServer();
    }
    expect((await runCli(['stop', 'gastown/Toast', '--town', town.root])).code).toBe(0);
  });

  it('says clearly that a polecat is not running', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const result = await runCli(['attach', 'gastown/Toast', '--town', town.root]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^polecat: gastown\/Toast is not running/);
  });
});
