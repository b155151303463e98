/** `polecat init`, the built CLI: a town in Gas Town's layout, and each refusal changing nothing. */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { testTmpDir } from '../helpers/tmux-guard.js';

/** Every path below `root` with its size and mtime: what a refusal must leave as it was. */
function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const stat = statSync(path);
      out.push(`${relative(root, path)} ${entry.isDirectory() ? 'dir' : `${stat.size} ${stat.mtimeMs}`}`);
      if (entry.isDirectory()) walk(path);
    }
  };
  walk(root);
  return out.sort();
}

describe('polecat init', () => {
  it("makes a town in Gas Town's layout, in a directory it makes, with spaces and non-ASCII in its path", async () => {
    const base = mkdtempSync(join(testTmpDir, 'init-'));
    const dir = join(base, 'my town é');
    const made = await runCli(['init', dir]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toBe(`town my town é at ${dir}: wrote mayor/town.json, mayor/rigs.json\n`);
    const town = JSON.parse(readFileSync(join(dir, 'mayor', 'town.json'), 'utf8'));
    expect(town).toMatchObject({ type: 'town', version: 2, name: 'my town é', public_name: 'my town é' });
    expect(typeof town.owner).toBe('string');
    expect(Date.parse(town.created_at)).toBeGreaterThan(Date.now() - 60_000);
    expect(JSON.parse(readFileSync(join(dir, 'mayor', 'rigs.json'), 'utf8'))).toEqual({ version: 1, rigs: {} });
    // polecat finds it from inside.
    const listed = await runCli(['list'], { cwd: dir });
    expect(listed.code, listed.stderr).toBe(0);
    const named = await runCli(['init', join(base, 'other'), '--name', 'gastown', '--json']);
    expect(JSON.parse(named.stdout)).toMatchObject({ name: 'gastown', root: join(base, 'other'), kept: [] });
  });

  it('refuses a town, or a directory inside one, changing nothing; --force writes only what is missing', async () => {
    const dir = mkdtempSync(join(testTmpDir, 'init-'));
    expect((await runCli(['init', dir])).code).toBe(0);
    writeFileSync(join(dir, 'mayor', 'town.json'), '{"name":"mine","type":"town","version":2}\n');
    const before = tree(dir);
    const again = await runCli(['init', dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`polecat: ${dir} is a town already (it has mayor/town.json): nothing to do (--force writes what is missing, never overwriting)\n`);
    const inside = await runCli(['init', join(dir, 'gastown', 'deeper')]);
    expect(inside.code).toBe(2);
    expect(inside.stderr).toContain(`is inside the town ${dir}: a town cannot hold another`);
    const fromInside = await runCli(['init'], { cwd: join(dir, 'mayor') });
    expect(fromInside.code).toBe(2);
    expect(tree(dir)).toEqual(before);

    const forced = await runCli(['init', dir, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('kept mayor/town.json, mayor/rigs.json as they were');
    expect(tree(dir)).toEqual(before);
    expect(readFileSync(join(dir, 'mayor', 'town.json'), 'utf8')).toBe('{"name":"mine","type":"town","version":2}\n');
  });

  it('refuses a bad name and a path that is a file, before writing anything', async () => {
    const base = mkdtempSync(join(testTmpDir, 'init-'));
    const bad = await runCli(['init', join(base, 't'), '--name', 'a/b']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid town name "a/b"');
    writeFileSync(join(base, 'file'), 'x');
    const file = await runCli(['init', join(base, 'file')]);
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('is not a directory');
    expect(readdirSync(base).sort()).toEqual(['file']);
  });
});
