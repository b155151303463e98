/** Rig and polecat names: one safe alphabet, because they become tmux session names, paths and env values. */
import { describe, expect, it } from 'vitest';
import { checkName, formatAddress, InvalidInputError, MAX_NAME_LENGTH, parseAddress } from '../../src/town/names.js';

function refusal(action: () => unknown): InvalidInputError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected a refusal, got none');
}

describe('parseAddress accepts', () => {
  it.each<[string, string, string]>([
    ['gastown/nux', 'gastown', 'nux'],
    ['rig/a', 'rig', 'a'],
    ['r/_x', 'r', '_x'],
    ['_rig/x', '_rig', 'x'],
    ['Rig-2/Name_3-x', 'Rig-2', 'Name_3-x'],
    ['0/9', '0', '9'],
    ['rig/a-', 'rig', 'a-'],
    [`${'r'.repeat(MAX_NAME_LENGTH)}/${'n'.repeat(MAX_NAME_LENGTH)}`, 'r'.repeat(MAX_NAME_LENGTH), 'n'.repeat(MAX_NAME_LENGTH)],
  ])('%j', (text, rig, name) => {
    expect(parseAddress(text)).toEqual({ rig, name });
    expect(formatAddress(parseAddress(text))).toBe(text);
  });
});

describe('parseAddress refuses', () => {
  it.each<[string, string, RegExp]>([
    // shape
    ['no slash', 'rig', /expected <rig>\/<name>, got "rig"/],
    ['two slashes', 'a/b/c', /expected <rig>\/<name>, got "a\/b\/c"/],
    ['a path', 'rig/../x', /expected <rig>\/<name>/],
    ['empty text', '', /expected <rig>\/<name>, got ""/],
    ['trailing slash', 'rig/x/', /expected <rig>\/<name>/],
    // empty parts
    ['empty rig', '/x', /^rig name is empty$/],
    ['empty name', 'rig/', /^polecat name is empty$/],
    ['both empty', '/', /^rig name is empty$/],
    // characters
    ['a colon (tmux target syntax)', 'rig/a:b', /invalid polecat name "a:b"/],
    ['a dot', 'rig/a.b', /invalid polecat name "a\.b"/],
    ['dot', 'rig/.', /invalid polecat name "\."/],
    ['dot-dot', 'rig/..', /invalid polecat name "\.\."/],
    ['a space', 'rig/a b', /invalid polecat name "a b"/],
    ['a leading dash', 'rig/-x', /invalid polecat name "-x"/],
    ['a leading dash in the rig', '-rig/x', /invalid rig name "-rig"/],
    ['command substitution', 'rig/$(id)', /invalid polecat name "\$\(id\)"/],
    ['backticks', 'rig/`id`', /invalid polecat name "`id`"/],
    ['a semicolon', 'rig/a;b', /invalid polecat name "a;b"/],
    ['a single quote', "rig/a'b", /invalid polecat name "a'b"/],
    ['a double quote', 'rig/a"b', /invalid polecat name "a\\"b"/],
    ['a dollar', 'rig/$HOME', /invalid polecat name "\$HOME"/],
    ['a glob', 'rig/*', /invalid polecat name "\*"/],
    ['a tilde', '~/x', /invalid rig name "~"/],
    ['unicode letters', 'rig/café', /invalid polecat name "café"/],
    ['an emoji', 'rig/😀', /invalid polecat name "😀"/],
    ['an NBSP', 'rig/a\u00a0b', /invalid polecat name/],
    ['fullwidth letters', 'rig/ａｂ', /invalid polecat name/],
    ['a tab', 'rig/a\tb', /invalid polecat name "a\\tb"/],
    ['a newline', 'rig/a\nb', /invalid polecat name "a\\nb"/],
    ['a NUL', 'rig/a\0b', /invalid polecat name "a\\u0000b"/],
    ['an escape sequence', 'rig/\x1b[31m', /invalid polecat name "\\u001b\[31m"/],
    // length
    ['300 characters', `rig/${'a'.repeat(300)}`, /^polecat name is 300 characters long; at most 64 are allowed$/],
    ['65 characters', `${'r'.repeat(65)}/x`, /^rig name is 65 characters long; at most 64 are allowed$/],
  ])('%s (%j)', (_name, text, message) => {
    const error = refusal(() => parseAddress(text));
    expect(error.message).toMatch(message);
    expect(error.name).toBe('InvalidInputError');
    // One line, whatever was typed: a refusal must not forge extra lines in a terminal or log.
    expect(error.message).not.toMatch(/[\n\r]/);
    expect(error.message).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });

  it('names the part that is wrong: rig before polecat', () => {
    expect(refusal(() => parseAddress('a b/c d')).message).toMatch(/^invalid rig name/);
    expect(refusal(() => parseAddress('ab/c d')).message).toMatch(/^invalid polecat name/);
  });

  it('reports length before alphabet for a long bad name', () => {
    expect(refusal(() => parseAddress(`rig/${'$'.repeat(300)}`)).message).toMatch(/300 characters long/);
  });
});

describe('checkName', () => {
  it.each(['a', 'A', '0', '_', '_-', 'a-b_c', 'x'.repeat(MAX_NAME_LENGTH)])('accepts %j and returns it', (value) => {
    expect(checkName('rig', value)).toBe(value);
  });

  it.each<[string, RegExp]>([
    ['', /^rig name is empty$/],
    ['-a', /^invalid rig name "-a": use letters, digits, '_' and '-' \(not first\)$/],
    ['a/b', /^invalid rig name "a\/b"/],
    ['x'.repeat(MAX_NAME_LENGTH + 1), /^rig name is 65 characters long; at most 64 are allowed$/],
  ])('refuses %j', (value, message) => {
    expect(refusal(() => checkName('rig', value)).message).toMatch(message);
  });

  it('uses the kind in its message', () => {
    expect(refusal(() => checkName('session', '')).message).toBe('session name is empty');
  });
});
