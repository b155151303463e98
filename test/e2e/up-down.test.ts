/** `polecat up` and `polecat down`, the built CLI on real tmux: what is said is kept, and the polecats follow it. */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { desiredDir, readDesired } from '../../src/supervise/desired.js';
import { runCli } from '../helpers/cli.js';
import { awaitNothingLeft, makeTown } from '../helpers/town.js';

describe('polecat up and down', () => {
  it('up says so and starts what is not running (leaving what runs); down says so and stops it', { timeout: 60_000 }, async () => {
    const town = makeTown({ gastown: ['Toast', 'Nux'] });
    const log = town.logPath('sim');
    const cli = (...args: string[]) => runCli([...args, '--town', town.root]);
    const agent = `sim --log ${log}`;
    expect((await cli('start', 'gastown/Nux', '--agent', agent)).code).toBe(0);
    // start does not say up.
    expect(readDesired(town.root, { rig: 'gastown', name: 'Nux' })).toBeUndefined();

    const up = await cli('up', 'gastown', '--all', '--agent', agent, '--prompt', 'keep going', '--timeout', 'ready=45');
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/^gastown\/Toast running in /m);
    expect(up.stdout).toContain('gastown/Nux already running (session gastown-Nux); left as it is');
    for (const name of ['Toast', 'Nux']) {
      expect(readDesired(town.root, { rig: 'gastown', name })).toMatchObject({ want: 'up', options: { agent, prompt: 'keep going', timeouts: { readyMs: 45_000 } } });
    }
    expect((await cli('status', 'gastown/Toast')).stdout).toMatch(/^ {2}wanted {3}up \(since \d{4}-\d\d-\d\dT[\d:.]+Z; polecat supervise keeps it running\)$/m);
    expect(JSON.parse((await cli('status', 'gastown/Toast', '--json')).stdout).want).toMatchObject({ want: 'up' });

    const down = await cli('down', 'gastown/Toast', 'gastown/Nux');
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/^gastown\/Toast: down \(stopped, \d+ process(es)? gone\)$/m);
    expect(down.stdout).toMatch(/^gastown\/Nux: down \(stopped, /m);
    expect(readDesired(town.root, { rig: 'gastown', name: 'Toast' })?.want).toBe('down');
    expect((await cli('status', 'gastown/Toast')).stdout).toMatch(/^ {2}wanted {3}down \(since [^;]+\)$/m);
    // Down again: said again, nothing to stop.
    expect((await cli('down', 'gastown/Toast')).stdout).toBe('gastown/Toast: down (was not running)\n');
    await awaitNothingLeft(log, JSON.parse((await cli('status', 'gastown/Toast', '--json')).stdout).socket as string);
    // A damaged desired-state file does not end a status: it is named, with how to mend it.
    writeFileSync(join(desiredDir(town.root), 'gastown', 'Toast.json'), '{"format":1,');
    const damaged = await cli('status', 'gastown/Toast');
    expect(damaged.code).toBe(0);
    expect(damaged.stdout).toMatch(/^ {2}wanted {3}unknown: .*Toast\.json is damaged \(not valid JSON\): say `polecat up` or `polecat down` for it again$/m);
  });

  it('refuses bad input before saying or starting anything', async () => {
    const town = makeTown({ gastown: ['Toast', 'Nux'] });
    const cli = (...args: string[]) => runCli([...args, '--town', town.root]);
    for (const [args, message] of [
      [['up', 'gastown/Toast', 'gastown/Nux', '--issue', 'gt-1', '--agent', 'sim'], '--issue hooks an issue to one polecat: give one'],
      [['up', 'gastown/Nobody', '--agent', 'sim'], 'Nobody'],
      [['up', 'gastown/Toast', '--agent', 'sim', '--timeout', 'ready=soon'], 'ready'],
      [['up', 'gastown/Toast', '--all', '--agent', 'sim'], '--all takes one rig and no polecat names'],
      [['down', 'gastown/Toast', '--timeout', 'kill=-1'], 'kill'],
      [['up', 'gastown/Toast', '--agent', 'sim', '--parallel', '0'], 'invalid --parallel "0"'],
    ] as const) {
      const result = await cli(...args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(message);
    }
    expect(existsSync(desiredDir(town.root))).toBe(false);
  });
});
