/** `polecat runs --prune`, the built CLI on real runs of the sim: each polecat's newest kept, nothing unfinished touched. */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runsDir } from '../../src/runs/store.js';
import { runCli } from '../helpers/cli.js';
import { makeTown } from '../helpers/town.js';

describe('polecat runs --prune', () => {
  it("removes each polecat's finished runs past the retention, says so, and --dry-run only says it", { timeout: 60_000 }, async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const cli = (...args: string[]) => runCli([...args, '--town', town.root]);
    for (let i = 0; i < 3; i++) {
      expect((await cli('start', 'gastown/Toast', '--agent', 'sim')).code).toBe(0);
      expect((await cli('stop', 'gastown/Toast')).code).toBe(0);
    }
    expect(readdirSync(runsDir(town.root))).toHaveLength(6);
    const dry = await cli('runs', '--prune', '--keep', '2', '--keep-days', '0', '--dry-run');
    expect(dry.stdout).toBe('would prune 4 runs, kept 2 (0 in progress or interrupted, never pruned)\n');
    expect(readdirSync(runsDir(town.root))).toHaveLength(6);
    // The town's settings give the defaults.
    mkdirSync(join(town.root, 'settings'), { recursive: true });
    writeFileSync(join(town.root, 'settings', 'config.json'), JSON.stringify({ runs: { keep: 2, keep_days: 0 } }));
    const pruned = await cli('runs', '--prune', '--json');
    expect(JSON.parse(pruned.stdout)).toMatchObject({ kept: 2, unfinished: 0 });
    expect(JSON.parse(pruned.stdout).pruned).toHaveLength(4);
    const left = JSON.parse((await cli('runs', '--json')).stdout) as Array<{ kind: string }>;
    expect(left.map((r) => r.kind).sort()).toEqual(['start', 'stop']);
  });

  it('refuses bad values and options that go with --prune alone, before removing anything', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    for (const [args, message] of [
      [['runs', '--prune', '--keep', '-1'], 'invalid --keep "-1"'],
      [['runs', '--prune', '--keep-days', 'week'], 'invalid --keep-days "week"'],
      [['runs', '--keep', '3'], '--keep, --keep-days and --dry-run go with --prune'],
      [['runs', 'gastown/Toast', '--prune'], '--prune applies to the whole town'],
    ] as const) {
      const result = await runCli([...args, '--town', town.root]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(message);
    }
    mkdirSync(join(town.root, 'settings'), { recursive: true });
    writeFileSync(join(town.root, 'settings', 'config.json'), JSON.stringify({ runs: { keep: 'many' } }));
    const bad = await runCli(['runs', '--prune', '--town', town.root]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('runs.keep must be a whole number of 0 or more');
  });
});
