import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLI, runCli } from '../helpers/cli.js';
import { simAgentScript } from '../../src/agents/presets.js';
import { makeTown, retryUntil, type TestTown } from '../helpers/town.js';

type Message = { type: string; definition?: string; sessionId?: string; snapshot?: { value?: unknown } };

/** Runs the CLI with --inspect on a free port; a client on its relay collects every message. */
async function inspected(args: string[]) {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, ...args, '--inspect', '--inspect-port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await retryUntil('the inspector URL', () => output.includes(`http://127.0.0.1:${port}`) || undefined, 10_000);
  const messages: Message[] = [];
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  client.on('message', (data) => messages.push(JSON.parse(data.toString()) as Message));
  await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
  /** The states the activity machine's instance was seen in, in order, repeats dropped. */
  const activityStates = () => {
    const actor = messages.find((m) => m.type === '@xstate.actor' && m.definition?.includes('"id":"activity"'));
    const states = messages.filter((m) => m.type === '@xstate.snapshot' && m.sessionId === actor?.sessionId).map((m) => String(m.snapshot?.value));
    return states.filter((state, i) => state !== states[i - 1]);
  };
  return { child, exited, messages, activityStates, output: () => output, close: () => client.close() };
}

/** An agent on Claude's preset that is the sim, which runs the hooks of the settings file polecat writes. */
function hookedSim(town: TestTown) {
  mkdirSync(join(town.root, 'settings'), { recursive: true });
  const agent = { provider: 'claude', command: process.execPath, args: [simAgentScript(), '--log', town.logPath('sim'), '--busy-ms', '1500'], prompt_mode: 'none', process_names: ['node'] };
  writeFileSync(join(town.root, 'settings', 'agents.json'), JSON.stringify({ agents: { hooked: agent } }));
}

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

  it('events --inspect shows the polecat\'s live activity machine going busy and idle as a turn comes and goes; Ctrl-C ends it', { timeout: 60_000 }, async () => {
    const town = makeTown({ gastown: ['Toast'] });
    hookedSim(town);
    const cli = (...args: string[]) => runCli([...args, '--town', town.root]);
    expect((await cli('start', 'gastown/Toast', '--agent', 'hooked')).code).toBe(0);
    expect((await cli('wait', 'gastown/Toast', '--for', 'idle', '--timeout', '20')).code).toBe(0);
    const inspector = await inspected(['events', 'gastown/Toast', '--town', town.root]);
    try {
      await retryUntil('the activity machine, idle', () => (inspector.activityStates().includes('idle') ? true : undefined), 10_000);
      expect((await cli('inject', 'gastown/Toast', 'a turn', '--then-wait', 'idle', '--wait-timeout', '20')).code).toBe(0);
      await retryUntil('busy, then idle again', () => (inspector.activityStates().join(' ').includes('idle busy idle') ? true : undefined), 10_000);
      expect(inspector.output()).toMatch(/UserPromptSubmit +→ busy/);
      inspector.child.kill('SIGINT');
      expect(await inspector.exited).toBe(130);
    } finally {
      inspector.close();
      inspector.child.kill('SIGKILL');
      await cli('stop', 'gastown/Toast');
    }
  });

  it('wait --inspect shows each polecat\'s activity machine until the wait is over', { timeout: 60_000 }, async () => {
    const town = makeTown({ gastown: ['Toast'] });
    hookedSim(town);
    const cli = (...args: string[]) => runCli([...args, '--town', town.root]);
    try {
      expect((await cli('start', 'gastown/Toast', '--agent', 'hooked', '--prompt', 'first task')).code).toBe(0);
      const inspector = await inspected(['wait', 'gastown/Toast', '--for', 'idle', '--timeout', '20', '--town', town.root]);
      expect(await inspector.exited).toBe(0);
      inspector.close();
      expect(inspector.activityStates().at(-1)).toBe('idle');
    } finally {
      await cli('stop', 'gastown/Toast');
    }
  });

  it('refuses a bad --inspect or port before starting anything', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    for (const args of [['--inspect=cloud'], ['--inspect', '--inspect-port', '70000']]) {
      const result = await runCli(['start', 'gastown/Toast', '--town', town.root, '--agent', 'sim', ...args]);
      expect(result.code).toBe(2);
    }
  });
});
