/**
 * Screen reading against real screens.
 *
 * test/fixtures/screens/sim-*.txt were CAPTURED from the sim agent (dist/src/sim/agent.js) in a real tmux pane,
 * 200x50, with `capture-pane -p -J` (sim-ready-nbsp.txt keeps the NBSP byte after `❯`).
 *
 * test/fixtures/screens/claude-2.1.197-*.txt were CAPTURED from the real Claude Code CLI by test/integration/claude.test.ts.
 * claude-api-key.txt is TRANSCRIBED (from field-notes.md section 2): the real-Claude tests sign in with a token, which
 * raises no API-key dialog.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DIALOGS,
  inputLine,
  keysToReach,
  lastLines,
  normalizeScreen,
  parseOptions,
  recognizeDialog,
  showsBusy,
  pickAnswer,
  readScreen,
  showsPrompt,
  type DialogOption,
} from '../../src/agents/screen.js';

const SCREENS = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/screens');
const screen = (name: string): string => readFileSync(join(SCREENS, `${name}.txt`), 'utf8');
const PROMPT = '❯ ';

const TRUST = 'Yes, I trust this folder';
const TRUST_NO = 'No, exit';
const ACCEPT = 'Yes, I accept';

describe('fixtures', () => {
  it('sim-ready-nbsp.txt really holds an NBSP after the prompt and sim-ready.txt does not', () => {
    expect(screen('sim-ready-nbsp')).toContain('❯\u00a0');
    expect(screen('sim-ready')).not.toContain('\u00a0');
  });
});

// --- the whole table: one row per screen ------------------------------------------------------------------------

interface Expectation {
  dialog: string | undefined;
  prompt: boolean;
  busy: boolean;
  /** inputLine(screen, '❯ '); for dialog screens the option under the cursor (why callers check dialogs first). */
  input: string | undefined;
}

const TABLE: Record<string, Expectation> = {
  'sim-trust': { dialog: 'trust', prompt: false, busy: false, input: `1. ${TRUST}` },
  'sim-trust-down': { dialog: 'trust', prompt: false, busy: false, input: `2. ${TRUST_NO}` },
  'sim-bypass': { dialog: 'bypass', prompt: false, busy: false, input: '1. No, exit' },
  'sim-bypass-down': { dialog: 'bypass', prompt: false, busy: false, input: `2. ${ACCEPT}` },
  'sim-ready': { dialog: undefined, prompt: true, busy: false, input: '' },
  'sim-ready-nbsp': { dialog: undefined, prompt: true, busy: false, input: '' },
  'sim-typed': { dialog: undefined, prompt: true, busy: false, input: 'fix the flaky test in src/town' },
  'sim-busy': { dialog: undefined, prompt: true, busy: true, input: '' },
  'sim-hang': { dialog: undefined, prompt: false, busy: false, input: undefined },
  'claude-2.1.197-trust': { dialog: 'trust', prompt: false, busy: false, input: `1. ${TRUST}` },
  'claude-2.1.197-bypass': { dialog: 'bypass', prompt: false, busy: false, input: '1. No, exit' },
  'claude-2.1.197-ready': { dialog: undefined, prompt: true, busy: false, input: '' },
  // The transcript shows the submitted prompt after `❯ `; the input line below it is empty and wins (last line).
  'claude-2.1.197-busy': { dialog: undefined, prompt: true, busy: true, input: '' },
  'claude-api-key': { dialog: 'api-key', prompt: false, busy: false, input: '2. No (recommended)' },
};

describe.each(Object.entries(TABLE))('%s', (name, expected) => {
  const text = screen(name);

  it(`is recognised as ${expected.dialog ?? 'no dialog'}`, () => {
    expect(recognizeDialog(text)?.id).toBe(expected.dialog);
  });

  it(`showsPrompt is ${expected.prompt}`, () => {
    // Dialog cursors also start a line with `❯ `; a numbered option line never counts as the input prompt.
    expect(showsPrompt(text, PROMPT)).toBe(expected.prompt);
  });

  it(`showsBusy is ${expected.busy}`, () => {
    expect(showsBusy(text)).toBe(expected.busy);
  });

  it('inputLine', () => {
    expect(inputLine(text, PROMPT)).toEqual(expected.input);
  });
});

// --- dialogs: options, cursor and keys ---------------------------------------------------------------------------

type Opt = Pick<DialogOption, 'number' | 'label' | 'selected'>;
const opts = (labels: string[], selected: number): Opt[] =>
  labels.map((label, i) => ({ number: i + 1, label, selected: i === selected }));

describe('parseOptions on real screens', () => {
  it.each<[string, Opt[]]>([
    ['sim-trust', opts([TRUST, TRUST_NO], 0)],
    ['sim-trust-down', opts([TRUST, TRUST_NO], 1)],
    ['sim-bypass', opts(['No, exit', ACCEPT], 0)],
    ['sim-bypass-down', opts(['No, exit', ACCEPT], 1)],
    ['claude-2.1.197-trust', opts([TRUST, TRUST_NO], 0)],
    ['claude-2.1.197-bypass', opts(['No, exit', ACCEPT], 0)],
    ['claude-api-key', opts(['Yes', 'No (recommended)'], 1)],
    ['sim-ready', []],
    ['sim-busy', []],
    ['claude-2.1.197-ready', []],
    ['claude-2.1.197-busy', []],
    ['sim-hang', []],
  ])('%s', (name, expected) => {
    const options = parseOptions(screen(name));
    expect(options.map(({ number, label, selected }) => ({ number, label, selected }))).toEqual(expected);
  });

  it('reports the line each option is on', () => {
    const text = screen('sim-bypass');
    const lines = text.split('\n');
    for (const option of parseOptions(text)) expect(lines[option.line]).toContain(`${option.number}. ${option.label}`);
  });
});

describe('keysToReach on real screens', () => {
  it.each<[string, string, string[] | undefined]>([
    ['sim-trust', TRUST, []],
    ['sim-trust', TRUST_NO, ['Down']],
    ['sim-trust-down', TRUST, ['Up']],
    ['sim-trust-down', TRUST_NO, []],
    ['sim-bypass', ACCEPT, ['Down']],
    ['sim-bypass', 'No, exit', []],
    ['sim-bypass-down', ACCEPT, []],
    ['sim-bypass-down', 'No, exit', ['Up']],
    ['claude-2.1.197-trust', TRUST, []],
    ['claude-2.1.197-bypass', ACCEPT, ['Down']],
    ['claude-api-key', 'Yes', ['Up']],
    // Missing label, or no options at all: undefined, never a guess.
    ['sim-bypass', 'Yes, I trust this folder', undefined],
    ['sim-bypass', 'Yes', undefined],
    ['sim-ready', ACCEPT, undefined],
    ['claude-2.1.197-ready', TRUST, undefined],
  ])('%s: to %j -> %j', (name, label, keys) => {
    expect(keysToReach(parseOptions(screen(name)), label)).toEqual(keys);
  });

  it('answers each recognised dialog with its own answer', () => {
    for (const [name, keys] of [
      ['sim-trust', []],
      ['sim-trust-down', ['Up']],
      ['sim-bypass', ['Down']],
      ['sim-bypass-down', []],
      ['claude-2.1.197-trust', []],
      ['claude-2.1.197-bypass', ['Down']],
    ] as const) {
      const text = screen(name);
      const dialog = recognizeDialog(text)!;
      expect(keysToReach(parseOptions(text), pickAnswer(parseOptions(text), dialog)!), name).toEqual(keys);
    }
  });
});

describe('parseOptions (synthetic lines)', () => {
  it.each<[string, string, Opt[]]>([
    ['each cursor glyph', '❯ 1. a\n  2. b', opts(['a', 'b'], 0)],
    ['> as cursor', '  1. a\n> 2. b', opts(['a', 'b'], 1)],
    ['› as cursor', '› 1. a\n  2. b', opts(['a', 'b'], 0)],
    ['▶ as cursor', '  1. a\n▶ 2. b', opts(['a', 'b'], 1)],
    ['cursor without a space', '❯1. a\n 2. b', opts(['a', 'b'], 0)],
    ['NBSP after the cursor', '❯\u00a01. a\n  2. b', opts(['a', 'b'], 0)],
    ['inside a box', '│ ❯ 1. a         │\n│   2. b c       │', opts(['a', 'b c'], 0)],
    ['no cursor at all', '  1. a\n  2. b', opts(['a', 'b'], -1)],
    ['trailing spaces trimmed', '❯ 1. a   \n  2. b\t', opts(['a', 'b'], 0)],
  ])('%s', (_name, text, expected) => {
    expect(parseOptions(text).map(({ number, label, selected }) => ({ number, label, selected }))).toEqual(expected);
  });

  it.each([
    ['a marker that is not a cursor', '* 1. a'],
    ['a decimal number', '  1.5 seconds'],
    ['a word before the number', 'Step 1. do it'],
    ['no label', '  1.'],
    ['a version string', '╭─── Claude Code v2.1.3 ───╮'],
  ])('ignores %s', (_name, text) => {
    expect(parseOptions(text)).toEqual([]);
  });

  // Was a bug, kept as a regression test: an unselected option numbered 10 or more is dropped. In `/^[\s│]*(\S)?\s*(\d+)\./` the optional marker
  // group takes the first digit ("1" of "10"), the marker is then not a cursor glyph, and the line is skipped instead
  // of being read as option 10. keysToReach then counts positions wrongly or returns undefined.
  it('reads options numbered 10 and more', () => {
    const lines = Array.from({ length: 12 }, (_, i) => `${i === 0 ? '❯' : ' '} ${i + 1}. option ${i + 1}`);
    const options = parseOptions(lines.join('\n'));
    expect(options.map((o) => o.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(keysToReach(options, 'option 12')).toEqual(Array(11).fill('Down'));
  });
});

describe('keysToReach (synthetic options)', () => {
  const options = (selected: number): DialogOption[] =>
    ['a', 'b', 'c', 'd'].map((label, i) => ({ number: i + 1, label, selected: i === selected, line: i }));

  it.each<[number, string, string[] | undefined]>([
    [0, 'a', []],
    [0, 'd', ['Down', 'Down', 'Down']],
    [3, 'a', ['Up', 'Up', 'Up']],
    [2, 'b', ['Up']],
    [1, 'c', ['Down']],
    [0, 'e', undefined],
    [-1, 'a', undefined], // nothing selected
    [0, 'A', undefined], // labels are exact
  ])('from option %i to %j', (selected, label, keys) => {
    expect(keysToReach(options(selected), label)).toEqual(keys);
  });

  it('is undefined for no options', () => {
    expect(keysToReach([], 'a')).toBeUndefined();
  });
});

describe('recognizeDialog (synthetic screens)', () => {
  it.each<[string, string, string | undefined]>([
    ['the trust answer alone', '❯ 1. Yes, I trust this folder', 'trust'],
    ['the trust marker without its answer', 'Quick safety check: Is this a project you created?', undefined],
    ['the bypass marker without its answer', 'WARNING: Claude Code running in Bypass Permissions mode', undefined],
    ['the bypass answer without its marker', '❯ 2. Yes, I accept', undefined],
    ['the status line of a ready screen', '⏵⏵ bypass permissions on (shift+tab to cycle)', undefined],
    ['NBSP inside the texts', 'Bypass\u00a0Permissions\u00a0mode\n❯ 2. Yes,\u00a0I accept', 'bypass'],
    ['an empty screen', '', undefined],
  ])('%s', (_name, text, id) => {
    expect(recognizeDialog(text)?.id).toBe(id);
  });

  it('takes the first matching definition and accepts custom definitions', () => {
    const custom = [{ id: 'api-key-no', markers: ['Detected a custom API key'], answers: ['No (recommended)'] }];
    expect(recognizeDialog(screen('claude-api-key'), custom)?.id).toBe('api-key-no');
    expect(recognizeDialog(screen('claude-2.1.197-trust'), custom)).toBeUndefined();
    expect(recognizeDialog(screen('claude-2.1.197-trust'), [...custom, ...DIALOGS])?.id).toBe('trust');
  });
});

// Was a bug (contract between screen.ts and its callers), kept as a regression test: wait-for-ready.ts and accept-bypass.ts take
// `!recognizeDialog(screen) && showsPrompt(screen, '❯ ')` as "the ready prompt is on screen". An unknown dialog whose
// cursor line starts with `❯ ` passes that check: Claude Code's custom-API-key dialog (`❯ 2. No (recommended)`) is
// taken for the ready prompt, so startup reports ready and types the startup text into the dialog, instead of failing
// on "a screen that is neither a known dialog nor the ready prompt". showsPrompt should not count a numbered option
// line (`❯ N. label`) as the input prompt (or callers should also require parseOptions(screen) to be empty).
it('an unknown dialog (custom API key) is not taken for the ready prompt', () => {
  const text = screen('claude-api-key');
  expect(!recognizeDialog(text) && showsPrompt(text, PROMPT)).toBe(false);
});

// --- prompt, busy and input ----------------------------------------------------------------------------------------

describe('showsPrompt', () => {
  it.each<[string, string, string, boolean]>([
    ['the prefix with text after it', '❯ hello', PROMPT, true],
    ['a bare ❯ (capture trims the trailing space)', 'x\n❯\ny', PROMPT, true],
    ['a bare ❯ with the bare prefix', '❯', '❯', true],
    ['NBSP on screen, space in prefix', '❯\u00a0', PROMPT, true],
    ['space on screen, NBSP in prefix', '❯ ', '❯\u00a0', true],
    ['indented and boxed', '│  ❯ hi   │', PROMPT, true],
    ['the glyph glued to text', '❯hello', PROMPT, false],
    ['a different glyph', '> hello', PROMPT, false],
    ['> prompt of older agents', '> ', '> ', true],
    ['the glyph in the middle of a line', 'press ❯ to go', PROMPT, false],
    ['an empty screen', '', PROMPT, false],
  ])('%s', (_name, text, prefix, expected) => {
    expect(showsPrompt(text, prefix)).toBe(expected);
  });

  it.each(['', ' ', '\t', '\u00a0'])('is false for the blank prefix %j, whatever the screen', (prefix) => {
    for (const name of Object.keys(TABLE)) expect(showsPrompt(screen(name), prefix), name).toBe(false);
  });
});

describe('showsBusy', () => {
  it.each<[string, boolean]>([
    ['✻ Working… (esc to interrupt)', true],
    ['  ⏵⏵ bypass permissions on · ESC TO INTERRUPT', true],
    ['Esc to interrupt', true],
    [' Enter to confirm · Esc to cancel', false],
    ['esc to  interrupt', false],
    ['', false],
  ])('%j -> %s', (text, busy) => {
    expect(showsBusy(text)).toBe(busy);
  });
});

describe('inputLine', () => {
  it.each<[string, string, string, string | undefined]>([
    ['typed text', '❯ hello world', PROMPT, 'hello world'],
    ['trailing spaces dropped, inner kept', '❯ a  b   ', PROMPT, 'a  b'],
    ['leading spaces after the prefix kept', '❯   x', PROMPT, '  x'],
    ['a bare prompt', '❯', PROMPT, ''],
    ['NBSP after the glyph', '❯\u00a0typed', PROMPT, 'typed'],
    ['the last prompt line wins', '❯ old prompt\n…\n❯ new', PROMPT, 'new'],
    ['no prompt', 'Starting up…', PROMPT, undefined],
    ['empty screen', '', PROMPT, undefined],
    ['prompt glyph glued to text is not a prompt', '❯x', PROMPT, undefined],
  ])('%s', (_name, text, prefix, expected) => {
    expect(inputLine(text, prefix)).toBe(expected);
  });

  // Was a bug, kept as a regression test: a boxed input line (`│ > text   │`, as older Claude Code versions drew it) keeps the right border in the
  // returned text: the leading `│` is stripped (as showsPrompt does) but the trailing one is not.
  it('drops the right border of a boxed input line', () => {
    expect(inputLine('│ > fix it        │', '> ')).toBe('fix it');
  });
});

// --- helpers -------------------------------------------------------------------------------------------------------

describe('lastLines', () => {
  const numbered = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`).join('\n');

  it.each<[string, string, number | undefined, string]>([
    ['fewer lines than asked', 'a\nb', 5, 'a\nb'],
    ['trailing blank lines dropped', 'a\nb\n\n   \n\t\n', 3, 'a\nb'],
    ['count taken from the end', numbered(10), 3, 'line 8\nline 9\nline 10'],
    ['default of 15', numbered(40), undefined, numbered(40).split('\n').slice(-15).join('\n')],
    ['inner blank lines kept', 'a\n\nb\n', 3, 'a\n\nb'],
    ['empty screen', '\n\n\n', 5, ''],
  ])('%s', (_name, text, count, expected) => {
    expect(count === undefined ? lastLines(text) : lastLines(text, count)).toBe(expected);
  });

  it('shows the bottom of a real screen, without the blank rows below it', () => {
    const last = lastLines(screen('sim-trust'), 3).split('\n');
    expect(last).toEqual(['   2. No, exit', '', ' Enter to confirm · Esc to cancel']);
  });
});

describe('normalizeScreen', () => {
  it.each([
    ['a\u00a0b\u00a0', 'a b '],
    ['no nbsp', 'no nbsp'],
    ['\u2007\u202f', '\u2007\u202f'], // other no-break spaces are left alone
    ['', ''],
  ])('%j -> %j', (text, expected) => {
    expect(normalizeScreen(text)).toBe(expected);
  });

  it('turns the NBSP of a real screen into a space and changes nothing else', () => {
    expect(normalizeScreen(screen('sim-ready-nbsp'))).toBe(screen('sim-ready'));
  });
});

describe('readScreen: dead ends known from the agents\' source', () => {
  // Auggie prints this, then exits, when Augment's server answers 426 (seen in its code, not on a real screen).
  it('Auggie told to upgrade', () => {
    const screen = '› fix the build\n\n❌ Client upgrade required. Please update to the latest version of Augment to continue.\n';
    expect(readScreen(screen, { promptPrefix: '› ', busyMarkers: [] })).toMatchObject({ kind: 'dead-end', deadEnd: { id: 'auggie-upgrade' } });
  });
});

describe('readScreen: the startup text echoed is not the agent speaking', () => {
  const spec = { promptPrefix: '❯ ', busyMarkers: ['esc to interrupt'] };
  const screen = '❯ fix the "Sign in with ChatGPT" button\n\n✻ Working… (esc to interrupt)\n❯ \n';

  it('a dead end quoted in the startup text is read as what the agent does', () => {
    expect(readScreen(screen, spec).kind).toBe('dead-end');
    expect(readScreen(screen, { ...spec, startupHead: 'fix the "Sign in with Cha' }).kind).toBe('busy');
  });
});
