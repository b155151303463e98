/** Town root, socket name, polecat paths and session names, on real temporary directories. */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isReservedName, poolNames, THEMED_POOL } from '../../src/town/name-pool.js';
import { InvalidInputError } from '../../src/town/names.js';
import { polecatPaths, resolveTownRoot, sessionName, sessionPrefix, townSocketName } from '../../src/town/town.js';

// Real path: on some systems the temp directory itself is behind a symlink.
const base = realpathSync(mkdtempSync(join(tmpdir(), 'town-test-')));
afterAll(() => rmSync(base, { recursive: true, force: true }));

let count = 0;
/** A directory with mayor/town.json (a town), or without it (`marker: false`). */
function makeDir(name = `d${++count}`, { marker = true, parent = base } = {}): string {
  const dir = join(parent, name);
  mkdirSync(join(dir, 'mayor'), { recursive: true });
  if (marker) writeFileSync(join(dir, 'mayor', 'town.json'), '{"name":"t"}\n');
  return dir;
}

const sha6 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 6);

function refusal(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected InvalidInputError, got none');
}

describe('resolveTownRoot', () => {
  const a = makeDir('town-a');
  const b = makeDir('town-b');
  const c = makeDir('town-c');
  const deep = join(c, 'gt', 'polecats', 'nux', 'gt', 'src');
  mkdirSync(deep, { recursive: true });

  it.each<[string, string | undefined, NodeJS.ProcessEnv, string]>([
    ['--town beats GT_TOWN_ROOT and the walk', a, { GT_TOWN_ROOT: b }, a],
    ['GT_TOWN_ROOT beats the walk', undefined, { GT_TOWN_ROOT: b }, b],
    ['the walk when neither is given', undefined, {}, c],
    ['an empty GT_TOWN_ROOT counts as unset', undefined, { GT_TOWN_ROOT: '' }, c],
  ])('%s', (_name, explicit, env, expected) => {
    expect(resolveTownRoot(explicit, env, deep)).toBe(expected);
  });

  it('resolves a relative --town and GT_TOWN_ROOT against cwd', () => {
    expect(resolveTownRoot(relative(deep, a), {}, deep)).toBe(a);
    expect(resolveTownRoot(undefined, { GT_TOWN_ROOT: '../town-b' }, a)).toBe(b);
  });

  it('finds the town from its own root', () => {
    expect(resolveTownRoot(undefined, {}, c)).toBe(c);
  });

  it("finds the outermost town when towns are nested, as Gas Town does (a polecat's worktree of a repository holding a mayor/town.json is still in its town)", () => {
    const inner = makeDir('inner', { parent: join(c, 'gt', 'polecats', 'nux', 'gt') });
    mkdirSync(join(inner, 'x', 'y'), { recursive: true });
    expect(resolveTownRoot(undefined, {}, join(inner, 'x', 'y'))).toBe(c);
    expect(resolveTownRoot(undefined, {}, inner)).toBe(c);
    expect(resolveTownRoot(undefined, {}, join(c, 'gt'))).toBe(c);
  });

  it('does not take a directory with only mayor/ (no town.json) for a town', () => {
    const notTown = makeDir('not-a-town', { marker: false, parent: c });
    expect(resolveTownRoot(undefined, {}, notTown)).toBe(c);
  });

  it('works with spaces and unusual characters in the path', () => {
    const spaced = makeDir("my town 'quoted' $x");
    mkdirSync(join(spaced, 'sub dir'), { recursive: true });
    expect(resolveTownRoot(spaced, {}, '/')).toBe(spaced);
    expect(resolveTownRoot(undefined, {}, join(spaced, 'sub dir'))).toBe(spaced);
  });

  it('returns the real path of a town reached through a symlink, however it was given', () => {
    const real = makeDir('real-town');
    mkdirSync(join(real, 'sub'), { recursive: true });
    const link = join(base, 'link-to-town');
    symlinkSync(real, link);
    expect(resolveTownRoot(link, {}, '/')).toBe(real);
    expect(resolveTownRoot(undefined, { GT_TOWN_ROOT: link }, '/')).toBe(real);
    expect(resolveTownRoot(undefined, {}, join(link, 'sub'))).toBe(real);
  });

  it.each<[string, () => string, RegExp]>([
    ['a missing --town', () => resolveTownRoot(join(base, 'nope'), {}, base), /^--town ".*\/nope" does not exist$/],
    ['a missing GT_TOWN_ROOT', () => resolveTownRoot(undefined, { GT_TOWN_ROOT: join(base, 'nope') }, base), /^GT_TOWN_ROOT ".*\/nope" does not exist$/],
    ['a --town that is a file', () => resolveTownRoot(join(a, 'mayor', 'town.json'), {}, base), /^--town ".*town\.json" is not a directory$/],
    ['a GT_TOWN_ROOT that is a file', () => resolveTownRoot(undefined, { GT_TOWN_ROOT: join(a, 'mayor', 'town.json') }, base), /^GT_TOWN_ROOT ".*" is not a directory$/],
    ['a missing --town even when GT_TOWN_ROOT is fine', () => resolveTownRoot(join(base, 'nope'), { GT_TOWN_ROOT: b }, base), /^--town .* does not exist$/],
  ])('refuses %s', (_name, action, message) => {
    expect(refusal(action)).toMatch(message);
  });

  it('refuses when no town is found, saying how to give one', () => {
    const lonely = mkdtempSync(join(base, 'lonely-'));
    // The walk goes up to /: make sure nothing above the temp dir is a town, or this test proves nothing.
    for (let dir = lonely; ; dir = dirname(dir)) {
      expect(existsSync(join(dir, 'mayor', 'town.json')), dir).toBe(false);
      if (dir === dirname(dir)) break;
    }
    const message = refusal(() => resolveTownRoot(undefined, {}, lonely));
    expect(message).toMatch(/no town found/);
    expect(message).toContain('--town');
    expect(message).toContain('GT_TOWN_ROOT');
    expect(message).toContain('mayor/town.json');
  });
});

describe('townSocketName', () => {
  it.each<[string, string]>([
    ['/srv/gastown', 'gastown'],
    ['/srv/My Town', 'my-town'],
    ['/srv/gt_town.v2', 'gt-town-v2'],
    ['/srv/---x---', 'x'],
    ['/srv/a  b', 'a-b'],
    ['/srv/Straße', 'stra-e'],
    ['/srv/名前', 'town'],
    ['/srv/___', 'town'],
    ['/', 'town'],
  ])('%s -> %s-<6 hex of sha256(path)>', (path, basename) => {
    expect(townSocketName(path, undefined)).toBe(`${basename}-${sha6(path)}`);
  });

  it('hashes the real path a resolved town has, so every way of reaching the town gives one server', () => {
    const real = makeDir('Sock Town');
    const link = join(base, 'sock-link');
    symlinkSync(real, link);
    const name = townSocketName(resolveTownRoot(link, {}, '/'), undefined);
    expect(name).toBe(`sock-town-${sha6(real)}`);
    expect(townSocketName(resolveTownRoot(undefined, {}, real), undefined)).toBe(name);
    expect(name).toMatch(/^[a-z0-9-]+-[0-9a-f]{6}$/);
  });

  it('gives towns with the same basename different servers', () => {
    expect(townSocketName('/a/town', undefined)).not.toBe(townSocketName('/b/town', undefined));
  });

  it.each([undefined, '', 'auto'])('%j means per-town', (override) => {
    expect(townSocketName('/srv/gastown', override)).toBe(`gastown-${sha6('/srv/gastown')}`);
  });

  it.each(['mysock', 'A.b_c-1', 'UPPER', 'x', 'default', 'default2', 'auto.sock'])('uses the override %j as it is', (override) => {
    expect(townSocketName('/srv/gastown', override)).toBe(override);
  });

  it.each(['a b', 'a/b', '../x', '/tmp/sock', '$(id)', 'a;b', "a'b", 'é', 'a\nb', '-L x'])('refuses the override %j', (override) => {
    expect(refusal(() => townSocketName('/srv/gastown', override))).toMatch(/^invalid socket name ".*": use letters, digits, '\.', '_' and '-'$/);
  });

  // Was a bug, kept as a regression test: '.' and '..' pass the socket-name check. `tmux -L ..` resolves to the socket directory's parent and fails
  // with "error connecting to <dir>/.. (Is a directory)"; `tmux -L .` fails with "no server running on <dir>/.".
  // classifyStderr maps both texts to 'no-server', so `list` would show an empty town and `stop` would count as done.
  it.each(['.', '..'])('refuses the override %j', (override) => {
    expect(() => townSocketName('/srv/gastown', override)).toThrow(InvalidInputError);
  });
});

describe('polecatPaths', () => {
  const town = makeDir('paths-town');
  const polecatDir = join(town, 'gt', 'polecats', 'nux');
  const common = { townRoot: town, rigDir: join(town, 'gt'), polecatsDir: join(town, 'gt', 'polecats'), polecatDir };

  it('works in <polecat>/<rig> when that worktree exists', () => {
    mkdirSync(join(polecatDir, 'gt'), { recursive: true });
    expect(polecatPaths(town, { rig: 'gt', name: 'nux' })).toEqual({ ...common, workDir: join(polecatDir, 'gt') });
  });

  it('works in the polecat directory when there is no nested worktree', () => {
    const other = join(town, 'gt', 'polecats', 'toast');
    mkdirSync(other, { recursive: true });
    expect(polecatPaths(town, { rig: 'gt', name: 'toast' }).workDir).toBe(other);
  });

  it('ignores a file named like the worktree', () => {
    const dir = join(town, 'gt', 'polecats', 'filey');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'gt'), 'not a directory');
    expect(polecatPaths(town, { rig: 'gt', name: 'filey' }).workDir).toBe(dir);
  });

  it('follows a symlinked worktree directory', () => {
    const dir = join(town, 'gt', 'polecats', 'linked');
    mkdirSync(dir, { recursive: true });
    const target = join(town, 'elsewhere');
    mkdirSync(target);
    symlinkSync(target, join(dir, 'gt'));
    expect(polecatPaths(town, { rig: 'gt', name: 'linked' }).workDir).toBe(join(dir, 'gt'));
  });

  it('still answers (the polecat directory) when nothing exists yet', () => {
    expect(polecatPaths(town, { rig: 'rig2', name: 'ghost' })).toEqual({
      townRoot: town,
      rigDir: join(town, 'rig2'),
      polecatsDir: join(town, 'rig2', 'polecats'),
      polecatDir: join(town, 'rig2', 'polecats', 'ghost'),
      workDir: join(town, 'rig2', 'polecats', 'ghost'),
    });
  });
});

describe('sessionPrefix and sessionName', () => {
  /** A town with the given rigs.json files (undefined: no file). */
  function townWith(mayorRigs: string | undefined, rootRigs?: string): string {
    const town = makeDir();
    if (mayorRigs !== undefined) writeFileSync(join(town, 'mayor', 'rigs.json'), mayorRigs);
    if (rootRigs !== undefined) writeFileSync(join(town, 'rigs.json'), rootRigs);
    return town;
  }
  const rigs = (prefix: unknown, rig = 'gastown') => JSON.stringify({ rigs: { [rig]: { beads: { prefix } } } });

  it.each<[string, string | undefined, string | undefined, string]>([
    ['the prefix from mayor/rigs.json', rigs('gt'), undefined, 'gt'],
    ['the prefix from rigs.json at the town root', undefined, rigs('rt'), 'rt'],
    ['mayor/rigs.json before the root one', rigs('gt'), rigs('rt'), 'gt'],
    ['the root file when mayor/ does not list the rig', rigs('xx', 'other'), rigs('rt'), 'rt'],
    ['the rig name without any rigs.json', undefined, undefined, 'gastown'],
    ['the rig name when the rig is not listed', rigs('gt', 'other'), undefined, 'gastown'],
    ['the rig name for malformed JSON', '{"rigs": {', undefined, 'gastown'],
    ['the rig name for an empty file', '', undefined, 'gastown'],
    ['the rig name for JSON null', 'null', undefined, 'gastown'],
    ['the rig name when beads has no prefix', JSON.stringify({ rigs: { gastown: { beads: {} } } }), undefined, 'gastown'],
    ['the rig name for a numeric prefix', rigs(7), undefined, 'gastown'],
    ['the rig name for an empty prefix', rigs(''), undefined, 'gastown'],
    ['the rig name for a prefix with a dot', rigs('g.t'), undefined, 'gastown'],
    ['the rig name for a prefix with a colon', rigs('g:t'), undefined, 'gastown'],
    ['the rig name for a prefix with a space', rigs('g t'), undefined, 'gastown'],
    ['the rig name for a prefix with shell characters', rigs('$(id)'), undefined, 'gastown'],
    ['a prefix with - and _', rigs('g_t-2'), undefined, 'g_t-2'],
  ])('%s', (_name, mayorRigs, rootRigs, expected) => {
    const town = townWith(mayorRigs, rootRigs);
    expect(sessionPrefix(town, 'gastown')).toBe(expected);
    expect(sessionName(town, { rig: 'gastown', name: 'nux' })).toBe(`${expected}-nux`);
  });

  it('reads the prefix of each rig separately', () => {
    const town = townWith(JSON.stringify({ rigs: { gastown: { beads: { prefix: 'gt' } }, beads: { beads: { prefix: 'bd' } } } }));
    expect(sessionName(town, { rig: 'gastown', name: 'a' })).toBe('gt-a');
    expect(sessionName(town, { rig: 'beads', name: 'a' })).toBe('bd-a');
    expect(sessionName(town, { rig: 'other', name: 'a' })).toBe('other-a');
  });
});

describe("a rig's beads prefix, derived as Gas Town derives it", () => {
  it('takes initials of parts, a compound suffix, or the short name', async () => {
    const { derivePrefix } = await import('../../src/town/rig-add.js');
    expect(derivePrefix('gastown')).toBe('gt');
    expect(derivePrefix('my_project')).toBe('mp');
    expect(derivePrefix('beads_py')).toBe('be');
    expect(derivePrefix('MyProject')).toBe('mp');
    expect(derivePrefix('app')).toBe('app');
    expect(derivePrefix('frontend')).toBe('fr');
    expect(derivePrefix('springfield')).toBe('sf');
  });
});

describe('the name pool', () => {
  it("never holds a name Gas Town keeps for its agents, in its own theme or a rig's list, whatever the case", () => {
    expect(THEMED_POOL).toHaveLength(50);
    expect(new Set(THEMED_POOL).size).toBe(50);
    expect(THEMED_POOL.filter(isReservedName)).toEqual([]);
    const rig = makeDir('pool-rig', { marker: false });
    mkdirSync(join(rig, 'settings'), { recursive: true });
    expect(poolNames(rig)).toEqual(THEMED_POOL);
    writeFileSync(join(rig, 'settings', 'config.json'), JSON.stringify({ namepool: { names: ['Crew', 'ok', 'POLECATS', 'no/slash', 7, 'Deacon', 'fine_2'] } }));
    expect(poolNames(rig)).toEqual(['ok', 'fine_2']);
    writeFileSync(join(rig, 'settings', 'config.json'), JSON.stringify({ namepool: { names: ['mayor'] } }));
    expect(poolNames(rig)).toEqual(THEMED_POOL);
  });
});
