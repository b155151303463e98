/** `--agent "NAME [ARGS...]"`: splitting into words (like a shell, never expanding) and resolving the preset. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveAgent } from '../../src/agents/launch.js';
import { BUILTIN_PRESETS, simAgentScript } from '../../src/agents/presets.js';
import { splitWords } from '../../src/agents/words.js';
import { InvalidInputError } from '../../src/town/names.js';

function refusal(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as Error).message;
  }
  throw new Error('expected InvalidInputError, got none');
}

describe('splitWords', () => {
  it.each<[string, string, string[]]>([
    // whitespace
    ['plain words', 'sim --dialogs trust', ['sim', '--dialogs', 'trust']],
    ['runs of blanks, tabs and newlines', '  a \t b\n\nc  ', ['a', 'b', 'c']],
    ['nothing', '', []],
    ['only blanks', ' \t\n ', []],
    // single quotes: everything literal
    ['single quotes', "'a b'", ['a b']],
    ['backslash inside single quotes', "'a\\b'", ['a\\b']],
    ['double quote inside single quotes', `'say "hi"'`, ['say "hi"']],
    ['empty single quotes make an empty word', "''", ['']],
    ['empty word between others', "a '' b", ['a', '', 'b']],
    // double quotes
    ['double quotes', '"a b"', ['a b']],
    ['escaped quote inside double quotes', '"a\\"b"', ['a"b']],
    ['escaped backslash inside double quotes', '"a\\\\b"', ['a\\b']],
    ['escaped dollar and backtick inside double quotes', '"\\$x \\`y\\`"', ['$x `y`']],
    ['other backslashes kept inside double quotes', '"a\\nb\\t"', ['a\\nb\\t']],
    ["single quote inside double quotes", `"it's"`, ["it's"]],
    ['empty double quotes make an empty word', '""', ['']],
    // concatenation
    ['quoted parts glued together', `a"b c"'d e'f`, ['ab cd ef']],
    ['quotes in the middle of a word', `--prompt="fix it"`, ['--prompt=fix it']],
    // backslash outside quotes
    ['escaped space', 'a\\ b c', ['a b', 'c']],
    ['escaped quote', "\\'a", ["'a"]],
    ['escaped backslash', 'a\\\\b', ['a\\b']],
    ['a trailing lone backslash stays', 'a\\', ['a\\']],
    // nothing is expanded
    ['no variable expansion', '$HOME ${X} $(id)', ['$HOME', '${X}', '$(id)']],
    ['no command substitution', '`id`', ['`id`']],
    ['no globbing', '* ?.ts [ab]', ['*', '?.ts', '[ab]']],
    ['no tilde expansion', '~ ~/x', ['~', '~/x']],
    ['# is not a comment', 'a #b', ['a', '#b']],
    ['operators are just characters', 'a;b && c|d > e', ['a;b', '&&', 'c|d', '>', 'e']],
    // unicode
    ['unicode words', 'é 名前 😀', ['é', '名前', '😀']],
    ['NBSP splits words (it is whitespace to JavaScript)', 'a\u00a0b', ['a', 'b']],
  ])('%s: %j', (_name, text, words) => {
    expect(splitWords(text)).toEqual(words);
  });

  it.each([`'abc`, `"abc`, `a 'b c`, `"a\\"`, `'it\\'s'`, `"`, `'`, `a"b`])('refuses the unbalanced %j', (text) => {
    expect(refusal(() => splitWords(text))).toMatch(/^unbalanced ['"] in ".*"$/);
  });

  it('names the kind of quote that is open', () => {
    expect(refusal(() => splitWords(`a 'b`))).toContain("unbalanced '");
    expect(refusal(() => splitWords(`a "b`))).toContain('unbalanced "');
  });

  // Differential: for text made only of characters whose meaning in sh is quoting or splitting, splitWords must agree
  // with a real sh (and refuse exactly what sh refuses).
  it('agrees with a real sh on random quoting', () => {
    let seed = 7;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) / 2 ** 24;
    // No `$`, backtick or newline: sh would expand or separate there, which splitWords deliberately does not do.
    const alphabet = ['a', 'b', ' ', '\t', "'", '"', '\\', 'é', '-', '='];
    const cases: string[] = [];
    while (cases.length < 400) {
      const length = 1 + Math.floor(rand() * 12);
      let text = '';
      for (let i = 0; i < length; i += 1) text += alphabet[Math.floor(rand() * alphabet.length)]!;
      cases.push(text);
    }
    let compared = 0;
    for (const text of cases) {
      const sh = spawnSync('/bin/sh', ['-c', `printf '%s\\0' ${text}`], { encoding: 'utf8' });
      let ours: string[] | Error;
      try {
        ours = splitWords(text);
      } catch (error) {
        ours = error as Error;
      }
      if (sh.status !== 0) {
        expect(ours, `sh refused ${JSON.stringify(text)}`).toBeInstanceOf(InvalidInputError);
        continue;
      }
      const expected = sh.stdout.split('\0').slice(0, -1);
      // printf with no arguments still prints its format once: zero words reads as one empty word.
      const got = ours instanceof Error ? ours : ours.length === 0 ? [''] : ours;
      expect(got, `text ${JSON.stringify(text)}`).toEqual(expected);
      compared += 1;
    }
    expect(compared).toBeGreaterThan(100);
  });
});

describe('resolveAgent', () => {
  const claude = BUILTIN_PRESETS.claude!;
  const sim = BUILTIN_PRESETS.sim!;

  it.each<[string | undefined, string, string[]]>([
    [undefined, 'claude', ['claude', '--dangerously-skip-permissions']],
    ['claude', 'claude', ['claude', '--dangerously-skip-permissions']],
    ['  claude  ', 'claude', ['claude', '--dangerously-skip-permissions']],
    ['"claude"', 'claude', ['claude', '--dangerously-skip-permissions']],
    ['claude --model opus', 'claude', ['claude', '--dangerously-skip-permissions', '--model', 'opus']],
    [`claude --append-system-prompt 'be brief; no $HOME'`, 'claude', ['claude', '--dangerously-skip-permissions', '--append-system-prompt', 'be brief; no $HOME']],
    ["claude ''", 'claude', ['claude', '--dangerously-skip-permissions', '']],
  ])('%j -> %s %j', (spec, preset, argv) => {
    const launch = resolveAgent(spec);
    expect(launch.preset.name).toBe(preset);
    expect(launch.argv).toEqual(argv);
  });

  it('resolves sim to this node and the built sim script, with extra words after it', () => {
    const launch = resolveAgent('sim --dialogs trust,bypass --busy-ms 500');
    expect(launch.preset).toBe(sim);
    expect(launch.argv).toEqual([process.execPath, simAgentScript(), '--dialogs', 'trust,bypass', '--busy-ms', '500']);
    expect(launch.argv[1]).toMatch(/\/dist\/src\/sim\/agent\.js$/);
    expect(existsSync(launch.argv[1]!)).toBe(true);
  });

  it('does not change the preset: extra words are appended to a copy', () => {
    resolveAgent('claude --extra');
    expect(claude.args).toEqual(['--dangerously-skip-permissions']);
    expect(resolveAgent('claude').argv).toEqual(['claude', '--dangerously-skip-permissions']);
  });

  it.each(['', '   ', '\t\n'])('refuses the empty spec %j', (spec) => {
    expect(refusal(() => resolveAgent(spec))).toBe('--agent is empty: give an agent name, e.g. --agent claude');
  });

  it.each(['kodex', 'Claude', 'claude-code', 'sim2', "''", '/usr/bin/claude'])('refuses the unknown agent %j, naming the known ones', (spec) => {
    const message = refusal(() => resolveAgent(spec));
    expect(message).toMatch(/^unknown agent ".*": known agents are /);
    for (const name of Object.keys(BUILTIN_PRESETS)) expect(message).toContain(name);
  });

  it.each([`claude 'x`, `sim "--dialogs`])('refuses unbalanced quotes in %j', (spec) => {
    expect(refusal(() => resolveAgent(spec))).toMatch(/unbalanced/);
  });

  // Was a bug, kept as a regression test: BUILTIN_PRESETS is a plain object, so a name that is an Object.prototype property finds an inherited value:
  // `--agent constructor` (or toString, __proto__, hasOwnProperty, valueOf) passes the "unknown agent" check and then
  // crashes with "TypeError: preset.args is not iterable" instead of the InvalidInputError naming the known agents.
  // Fix: look names up with Object.hasOwn(BUILTIN_PRESETS, name).
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('refuses %j as an unknown agent', (spec) => {
    expect(refusal(() => resolveAgent(spec))).toMatch(/^unknown agent/);
  });
});

describe('resolveProgram', () => {
  it("falls back to Claude's own install under HOME when claude is not on PATH", async () => {
    const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { resolveProgram } = await import('../../src/agents/program.js');
    const home = mkdtempSync(join(tmpdir(), 'polecat-home-'));
    expect(resolveProgram('claude', '/nonexistent', '/', home)).toBeUndefined();
    mkdirSync(join(home, '.claude', 'local'), { recursive: true });
    writeFileSync(join(home, '.claude', 'local', 'claude'), '#!/bin/sh\n', { mode: 0o755 });
    expect(resolveProgram('claude', '/nonexistent', '/', home)).toBe(join(home, '.claude', 'local', 'claude'));
    expect(resolveProgram('codex', '/nonexistent', '/', home)).toBeUndefined();
  });
});
