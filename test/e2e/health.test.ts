import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeTown, retryUntil } from '../helpers/town.js';

async function health(town: string, extra: string[] = []) {
  const result = await runCli(['status', 'gastown/Toast', '--json', '--town', town, ...extra]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { health: string; agentPid?: number };
}

describe('polecat status: health', () => {
  it('healthy, agent-hung after a quiet spell, agent-dead when the agent is gone, session-dead after stop', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    expect((await runCli(['start', 'gastown/Toast', '--town', town.root, '--agent', 'sim'])).code).toBe(0);
    const seen = await health(town.root);
    expect(seen.health).toBe('healthy');
    // tmux records activity in whole seconds: wait until more than one second has passed without any.
    await retryUntil('the pane to be quiet', async () => (await health(town.root, ['--hung-after', '1'])).health === 'agent-hung' || undefined, 5_000);
    expect((await health(town.root)).health).toBe('healthy');
    process.kill(seen.agentPid!, 'SIGKILL');
    await retryUntil('the agent to be seen dead', async () => (await health(town.root)).health === 'agent-dead' || undefined);
    expect((await runCli(['stop', 'gastown/Toast', '--town', town.root])).code).toBe(0);
    expect((await health(town.root)).health).toBe('session-dead');
  });

  it('refuses a bad --hung-after', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    for (const value of ['0', '-1', 'soon', '']) expect((await runCli(['status', 'gastown/Toast', '--town', town.root, '--hung-after', value])).code).toBe(2);
  });
});
