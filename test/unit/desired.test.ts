/** The desired state of each polecat: written atomically, one file per polecat, read back checked. */
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { desiredDir, listDesired, readDesired, writeDesired } from '../../src/supervise/desired.js';

const town = () => mkdtempSync(join(tmpdir(), 'polecat-desired-'));
const toast = { rig: 'gastown', name: 'Toast' };

describe('desired state', () => {
  it('is nothing until said; up with its start options, then down, each replacing the last', async () => {
    const root = town();
    expect(readDesired(root, toast)).toBeUndefined();
    await writeDesired(root, toast, 'up', { agent: 'claude', prompt: 'go' }, new Date('2026-12-01T10:00:00Z'));
    expect(readDesired(root, toast)).toEqual({ format: 1, rig: 'gastown', name: 'Toast', want: 'up', since: '2026-12-01T10:00:00.000Z', options: { agent: 'claude', prompt: 'go' } });
    await writeDesired(root, toast, 'down');
    expect(readDesired(root, toast)?.want).toBe('down');
    const file = join(desiredDir(root), 'gastown', 'Toast.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(desiredDir(root), 'gastown'))).toEqual(['Toast.json']);
  });

  it('of many polecats written at once, keeps every one', async () => {
    const root = town();
    await Promise.all(Array.from({ length: 20 }, (_, i) => writeDesired(root, { rig: i % 2 ? 'a' : 'b', name: `p${i}` }, 'up')));
    expect(listDesired(root)).toHaveLength(20);
    expect(listDesired(root, 'a').map((d) => d.name).sort()).toEqual(['p1', 'p11', 'p13', 'p15', 'p17', 'p19', 'p3', 'p5', 'p7', 'p9']);
  });

  it('reports a damaged or foreign file and goes on with the rest', async () => {
    const root = town();
    await writeDesired(root, toast, 'up');
    mkdirSync(join(desiredDir(root), 'gastown'), { recursive: true });
    writeFileSync(join(desiredDir(root), 'gastown', 'Nux.json'), '{"format":1,"want":"sideways"');
    writeFileSync(join(desiredDir(root), 'gastown', 'Max.json'), '{"format":9}');
    writeFileSync(join(desiredDir(root), 'gastown', 'Ace.json'), JSON.stringify({ format: 1, rig: 'gastown', name: 'Ace', want: 'up', since: 'x', options: { timeouts: { readyMs: 'soon' } } }));
    const damaged: string[] = [];
    expect(listDesired(root, undefined, (e) => damaged.push(e.message)).map((d) => d.name)).toEqual(['Toast']);
    expect(damaged.sort()).toEqual([
      expect.stringMatching(/Ace\.json is damaged \(options\.timeouts are not milliseconds\)$/),
      expect.stringMatching(/Max\.json is not a desired state of format 1$/),
      expect.stringMatching(/Nux\.json is damaged \(not valid JSON\)/),
    ]);
    expect(() => readDesired(root, { rig: 'gastown', name: 'Nux' })).toThrow('is damaged');
  });
});
