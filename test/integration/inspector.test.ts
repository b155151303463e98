import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLI, runCli } from '../helpers/cli.js';
import { makeTown, retryUntil } from '../helpers/town.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('the live Stately inspector', () => {
  it('streams the machine definition and a snapshot for every state the run entered to a client on loopback', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'start', 'gastown/Toast', '--town', town.root, '--agent', 'sim --dialogs trust', '--inspect', '--inspect-port', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await retryUntil('the inspector URL', () => output.includes(`http://127.0.0.1:${port}`) || undefined, 10_000);

    const messages: Array<{ type: string; definition?: string; snapshot?: { value?: unknown } }> = [];
    const client = new WebSocket(`ws://127.0.0.1:${port}`);
    client.on('message', (data) => messages.push(JSON.parse(data.toString())));
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    expect(await exited).toBe(0);
    client.close();

    const actor = messages.find((m) => m.type === '@xstate.actor' && m.definition?.includes('"id":"startup"'));
    expect(actor, JSON.stringify(messages.map((m) => m.type))).toBeDefined();
    const states = new Set(messages.filter((m) => m.type === '@xstate.snapshot').map((m) => String(m.snapshot?.value)));
    for (const state of ['preflight', 'ensureSettings', 'createSession', 'setEnv', 'theme', 'waitForCommand', 'acceptBypass', 'waitForReady', 'nudges', 'verifyAlive', 'running']) {
      expect(states.has(state), state).toBe(true);
    }
    expect((await runCli(['stop', 'gastown/Toast', '--town', town.root])).code).toBe(0);
  });

  it('refuses a bad --inspect or port before starting anything', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    for (const args of [['--inspect=cloud'], ['--inspect', '--inspect-port', '70000']]) {
      const result = await runCli(['start', 'gastown/Toast', '--town', town.root, '--agent', 'sim', ...args]);
      expect(result.code).toBe(2);
    }
  });
});
