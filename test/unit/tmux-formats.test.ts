/** tmux -F templates and their parsers (one field table for both), and tmux error classification and display. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyStderr, formatCommand, TmuxError, type TmuxCallResult } from '../../src/tmux/errors.js';
import { FIELD_SEPARATOR, formatLiteral, formatTemplate, PANE_FIELDS, parseRow, parseRows, SESSION_FIELDS, type FieldTable } from '../../src/tmux/formats.js';
import { checkName, InvalidInputError } from '../../src/town/names.js';
import { sessionName } from '../../src/town/town.js';
import { makeTown } from '../helpers/town.js';

const US = FIELD_SEPARATOR;
const TABLE = {
  name: ['session_name', 'string'],
  pid: ['pane_pid', 'int'],
  dead: ['pane_dead', 'bool'],
} as const satisfies FieldTable;

describe('formatLiteral', () => {
  // tmux expands -c and status-left as formats: '#(...)' would run a shell command, '#{...}' would be replaced.
  it.each([
    ['/srv/town', '/srv/town'],
    ['/srv/#(touch x)', '/srv/##(touch x)'],
    ['#{pane_id} ## #[fg=red] #', '##{pane_id} #### ##[fg=red] ##'],
    ['', ''],
  ])('%j becomes %j', (text, literal) => {
    expect(formatLiteral(text)).toBe(literal);
  });
});

describe('formatTemplate', () => {
  it.each<[string, FieldTable, string]>([
    ['one field', { a: ['pane_id', 'string'] }, '#{pane_id}'],
    ['fields in table order, joined by \\x1f', TABLE, `#{session_name}${US}#{pane_pid}${US}#{pane_dead}`],
    ['user options', { rig: ['@polecat_rig', 'string'] }, '#{@polecat_rig}'],
    ['an empty table', {}, ''],
  ])('%s', (_name, table, template) => {
    expect(formatTemplate(table)).toBe(template);
  });

  // Names polecat accepts cannot hold the separator; paths and program names hold spaces, tabs and punctuation, never
  // (outside a hostile path) a unit separator. A separator such values can contain fails the round trips below.
  describe('the separator: none of the characters the values read back hold', () => {
    /** What tmux prints for a template: each `#{variable}` replaced by its value, the separators between kept. */
    const expand = (table: FieldTable, values: Record<string, string>) => formatTemplate(table).replace(/#\{([^}]+)\}/g, (_, variable: string) => values[variable]!);
    const STRINGS = { a: ['session_name', 'string'], b: ['pane_current_command', 'string'], c: ['@polecat_town', 'string'] } as const satisfies FieldTable;

    it.each([
      ['spaces and tabs', { session_name: 'gt-Toast', pane_current_command: 'my agent', '@polecat_town': '/srv/my town\there' }],
      ["'|', ':' and ','", { session_name: 'gt-a:b', pane_current_command: 'a|b', '@polecat_town': '/srv/a,b:c|d' }],
      ["tmux's own punctuation", { session_name: '$3', pane_current_command: '%7', '@polecat_town': '/srv/#{x}/@y=z;' }],
      ['empty values', { session_name: '', pane_current_command: '', '@polecat_town': '' }],
    ])('a row whose values hold %s parses back to those values', (_name, values) => {
      expect(parseRow(STRINGS, expand(STRINGS, values))).toEqual({ a: values.session_name, b: values.pane_current_command, c: values['@polecat_town'] });
    });

    it('is what parseRow splits on', () => {
      expect(parseRow(STRINGS, ['x', 'y', 'z'].join(FIELD_SEPARATOR))).toEqual({ a: 'x', b: 'y', c: 'z' });
    });

    it('is refused in rig and polecat names, which session names are made of', () => {
      for (const name of [`Toast${FIELD_SEPARATOR}`, `a${FIELD_SEPARATOR}b`, FIELD_SEPARATOR]) {
        expect(() => checkName('polecat', name)).toThrow(InvalidInputError);
      }
    });

    it("is kept out of a session name by the rig's beads prefix too", () => {
      const town = makeTown({ gastown: ['Toast'] });
      writeFileSync(join(town.root, 'mayor', 'rigs.json'), JSON.stringify({ rigs: { gastown: { beads: { prefix: `g${FIELD_SEPARATOR}t` } } } }));
      expect(sessionName(town.root, { rig: 'gastown', name: 'Toast' })).toBe('gastown-Toast');
    });
  });

  it.each([
    ['PANE_FIELDS', PANE_FIELDS],
    ['SESSION_FIELDS', SESSION_FIELDS],
  ] as const)('%s: template and parser agree on the field count', (_name, table) => {
    const template = formatTemplate(table);
    const count = Object.keys(table).length;
    expect(template.split(US)).toHaveLength(count);
    for (const [variable] of Object.values(table)) expect(template).toContain(`#{${variable}}`);
    // A row of empty values, as tmux prints for unset options, parses.
    expect(() => parseRow(table, Array(count).fill('').join(US))).not.toThrow();
  });
});

describe('parseRow', () => {
  it.each<[string, string, { name: string; pid: number | undefined; dead: boolean }]>([
    ['a normal row', `gt-nux${US}4242${US}0`, { name: 'gt-nux', pid: 4242, dead: false }],
    ['a dead pane', `x${US}1${US}1`, { name: 'x', pid: 1, dead: true }],
    ['an empty int', `x${US}${US}0`, { name: 'x', pid: undefined, dead: false }],
    ['a negative int', `x${US}-3${US}0`, { name: 'x', pid: -3, dead: false }],
    ['zero', `x${US}0${US}0`, { name: 'x', pid: 0, dead: false }],
    ['a non-numeric int', `x${US}abc${US}0`, { name: 'x', pid: undefined, dead: false }],
    ['a decimal int', `x${US}1.5${US}0`, { name: 'x', pid: undefined, dead: false }],
    ['an int with blanks', `x${US} 12${US}0`, { name: 'x', pid: undefined, dead: false }],
    ['an int with a sign only', `x${US}-${US}0`, { name: 'x', pid: undefined, dead: false }],
    ['an int in hex', `x${US}0x10${US}0`, { name: 'x', pid: undefined, dead: false }],
    ['bool from an empty value', `x${US}1${US}`, { name: 'x', pid: 1, dead: false }],
    ['bool only "1" is true', `x${US}1${US}true`, { name: 'x', pid: 1, dead: false }],
    ['bool " 1" is not "1"', `x${US}1${US} 1`, { name: 'x', pid: 1, dead: false }],
    ['strings are kept as they are', ` a b ${US}1${US}0`, { name: ' a b ', pid: 1, dead: false }],
    ['an empty string', `${US}1${US}0`, { name: '', pid: 1, dead: false }],
    ['unicode string', `名前😀${US}1${US}0`, { name: '名前😀', pid: 1, dead: false }],
  ])('%s', (_name, line, expected) => {
    expect(parseRow(TABLE, line)).toEqual(expected);
  });

  it.each<[string, string, number]>([
    ['too few fields', `x${US}1`, 2],
    ['too many fields', `x${US}1${US}0${US}extra`, 4],
    ['one field', 'x', 1],
    ['a separator inside a value', `a${US}b${US}1${US}0`, 4],
    ['tab-separated instead', 'x\t1\t0', 1],
  ])('throws on %s', (_name, line, count) => {
    expect(() => parseRow(TABLE, line)).toThrow(`tmux format row has ${count} fields, expected 3: ${JSON.stringify(line)}`);
  });

  it('parses a real list-panes row with every PANE_FIELDS field', () => {
    const line = ['$3', 'gt-nux', '%7', '12345', 'node', '1', '', '9', '200', '50'].join(US);
    expect(parseRow(PANE_FIELDS, line)).toEqual({
      sessionId: '$3',
      sessionName: 'gt-nux',
      paneId: '%7',
      panePid: 12345,
      currentCommand: 'node',
      dead: true,
      deadStatus: undefined,
      deadSignal: 9,
      width: 200,
      height: 50,
    });
  });
});

describe('parseRows', () => {
  it.each<[string, string, number]>([
    ['no output', '', 0],
    ['only newlines', '\n\n', 0],
    ['one row with a trailing newline', `a${US}1${US}0\n`, 1],
    ['one row without a trailing newline', `a${US}1${US}0`, 1],
    ['blank lines between rows', `a${US}1${US}0\n\nb${US}2${US}1\n`, 2],
  ])('%s', (_name, output, rows) => {
    expect(parseRows(TABLE, output)).toHaveLength(rows);
  });

  it('keeps row order and values', () => {
    expect(parseRows(TABLE, `a${US}1${US}0\nb${US}${US}1\n`)).toEqual([
      { name: 'a', pid: 1, dead: false },
      { name: 'b', pid: undefined, dead: true },
    ]);
  });

  it('throws on any malformed row, naming it', () => {
    expect(() => parseRows(TABLE, `a${US}1${US}0\nbroken\n`)).toThrow(/has 1 fields, expected 3: "broken"/);
  });
});

describe('classifyStderr', () => {
  it.each([
    // tmux's own texts, as it prints them
    ['no server running on /tmp/tmux-0/x\n', 'no-server'],
    ['error connecting to /tmp/x (No such file or directory)\n', 'no-server'],
    ['server exited unexpectedly\n', 'no-server'],
    ['no current target\n', 'no-server'],
    ["can't find session: x\n", 'session-not-found'],
    ["can't find session: gt-nux\n", 'session-not-found'],
    ["can't find pane: %9\n", 'session-not-found'],
    ["can't find window: @3\n", 'session-not-found'],
    ['session not found: x\n', 'session-not-found'],
    ['duplicate session: x\n', 'session-exists'],
    ['duplicate session: gt-nux\n', 'session-exists'],
    // everything else
    ['unknown command: frobnicate\n', 'failed'],
    ['invalid option: -Q\n', 'failed'],
    ['create window failed: fork failed: Resource temporarily unavailable\n', 'failed'],
    ['', 'failed'],
    // case does not matter
    ["CAN'T FIND SESSION: X", 'session-not-found'],
    ['No Server Running on /tmp/x', 'no-server'],
  ])('%j -> %s', (stderr, code) => {
    expect(classifyStderr(stderr)).toBe(code);
  });

  it('marks no-server and session-not-found (only) as gone', () => {
    const result: TmuxCallResult = { argv: ['tmux', '-L', 'x', 'kill-session'], exitCode: 1, stdout: '', stderr: 'x', durationMs: 1 };
    const gone = (['no-server', 'session-not-found', 'session-exists', 'failed', 'timeout', 'cancelled', 'tmux-missing'] as const).filter(
      (code) => new TmuxError(code, 'kill-session', result).isGone,
    );
    expect(gone).toEqual(['no-server', 'session-not-found']);
  });

  // Was a bug, kept as a regression test: tmux prints "error connecting to <socket> (<strerror>)" for every connect() failure other than
  // ECONNREFUSED, not only for a missing socket: "(Permission denied)" (someone else's server) and
  // "(Is a directory)" (`-L ..`, which townSocketName accepts) are classified 'no-server' too, so isGone is true and a
  // stop against a server polecat cannot reach reports success. Only ENOENT/ECONNREFUSED mean "no server".
  it.each([
    'error connecting to /tmp/tmux-1000/gt (Permission denied)\n',
    'error connecting to /tmp/tmux-0/.. (Is a directory)\n',
  ])('does not take %j for a missing server', (stderr) => {
    expect(classifyStderr(stderr)).not.toBe('no-server');
  });
});

describe('formatCommand', () => {
  it.each<[string[], string]>([
    [['tmux', '-L', 'gt-1a2b3c', 'list-panes', '-a', '-F', '#{pane_id}'], 'tmux -L gt-1a2b3c list-panes -a -F #{pane_id}'],
    [['tmux', 'send-keys', '-t', '%1', '-l', 'hello world'], "tmux send-keys -t %1 -l 'hello world'"],
    [['a', ''], "a ''"],
    [["it's"], "'it'\\''s'"],
    [['$HOME'], "'$HOME'"],
    [['`id`;rm'], "'`id`;rm'"],
    [['a\nb'], "'a\\x0ab'"],
    [['a\r\n'], "'a\\x0d\\x0a'"],
    [['\x1b[31mred'], "'\\x1b[31mred'"],
    [['tab\there'], "'tab\\x09here'"],
    [['nul\0'], "'nul\\x00'"],
    [['del\x7f'], "'del\\x7f'"],
    [['é'], "'é'"],
    [['#{session_name}\x1f#{pane_id}'], "'#{session_name}\\x1f#{pane_id}'"],
    [[], ''],
  ])('%j -> %s', (argv, shown) => {
    expect(formatCommand(argv)).toBe(shown);
  });

  it('never prints a raw C0 control character or newline, whatever the argv', () => {
    const argv = Array.from({ length: 0x20 }, (_, i) => `x${String.fromCharCode(i)}y`).concat(['\x7f']);
    const shown = formatCommand(argv);
    expect(shown).not.toMatch(/[\x00-\x1f\x7f]/);
  });

  it('shortens long arguments to 200 characters and an ellipsis', () => {
    const shown = formatCommand(['send-keys', 'x'.repeat(500)]);
    expect(shown).toBe(`send-keys '${'x'.repeat(200)}…'`);
  });

  it('is used for TmuxError messages, with stderr as the reason', () => {
    const result: TmuxCallResult = { argv: ['tmux', '-L', 's', 'has-session', '-t', 'a b'], exitCode: 1, stdout: '', stderr: "can't find session: a b\n", durationMs: 3 };
    const error = new TmuxError(classifyStderr(result.stderr), 'has-session', result);
    expect(error.code).toBe('session-not-found');
    expect(error.message).toBe("tmux -L s has-session -t 'a b': can't find session: a b");
    expect(new TmuxError('failed', 'x', { ...result, stderr: '', exitCode: 2 }).message).toMatch(/: exit code 2$/);
    expect(new TmuxError('timeout', 'x', result).message).toBe("tmux timed out: tmux -L s has-session -t 'a b'");
  });

  // Was a bug, kept as a regression test: only C0 controls and DEL are escaped. C1 controls (U+0080-U+009F) go through as they are, and terminals that
  // honour them read U+009B as CSI and U+0085 as NEL (a new line): a session name or text shown in an error can then
  // still forge lines or colours, which the function says it prevents.
  it.each(['\u0085', '\u009b31m'])('escapes the C1 control in %j', (arg) => {
    expect(formatCommand([arg])).not.toMatch(/[\u0080-\u009f]/);
  });
});
