/**
 * shellQuote / buildStartupCommand: table-driven checks, then a differential test through real shells: thousands of
 * random words (seeded, so a failure names a reproducible seed) go through buildStartupCommand and `sh -c`, and what
 * the program receives must be exactly what was given.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { agentInheritance } from '../../src/agents/environment.js';
import { buildStartupCommand as buildWith, shellQuote } from '../../src/agents/shell.js';

/** The startup command as createSession builds it for a caller with no credentials. */
const buildStartupCommand = (env: Record<string, string>, argv: readonly string[]) => buildWith(env, argv, { keep: agentInheritance([]) });
/** The part after the environment sweep. */
const execPart = (command: string) => command.slice(command.indexOf('exec env'));

// --- seeded random strings ---------------------------------------------------------------------------------------

/** mulberry32: tiny, fast, good enough for test data, and the same sequence for the same seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Characters a shell treats specially, plus whitespace, unicode and controls (never NUL). */
const SPECIAL = [
  "'", '"', '$', '`', '\\', '\n', '\t', '\r', ' ', '!', '*', '?', '[', ']', '{', '}', '(', ')', '<', '>', ';', '&', '|',
  '#', '~', '-', '=', '%', '^', ',', ':', '@', '+', '/', '.',
  '\u00a0', // NBSP
  'é', 'ß', '名', '前', '\u0301', // combining acute
  '😀', '👩‍💻', '🇫🇷', // astral, ZWJ sequence, flag
  '\u200b', '\u2028', '\ufeff', '\u0085', '\u009b',
  '$(', '${', '$((', "'\\''", '\\\n', '--', '-e', 'a=b', '${IFS}', '$0', '$@', '"$@"', '!!',
];

function randomWord(rand: () => number): string {
  const pick = rand();
  if (pick < 0.03) return '';
  const length = 1 + Math.floor(rand() * 24);
  let word = '';
  for (let i = 0; i < length; i += 1) {
    const r = rand();
    if (r < 0.45) word += SPECIAL[Math.floor(rand() * SPECIAL.length)]!;
    else if (r < 0.75) word += String.fromCharCode(0x61 + Math.floor(rand() * 26));
    else if (r < 0.85) word += String.fromCharCode(1 + Math.floor(rand() * 31)); // C0 controls, never NUL
    else if (r < 0.87) word += '\x7f';
    else if (r < 0.95) word += String.fromCharCode(0x20 + Math.floor(rand() * 95)); // any printable ASCII
    else word += String.fromCodePoint(0xa0 + Math.floor(rand() * 0x2f00)); // BMP letters, symbols, etc.
  }
  // Leading `-` and `=` are interesting for option parsers and `env`.
  if (pick < 0.08) word = `-${word}`;
  else if (pick < 0.11) word = `=${word}`;
  else if (pick < 0.13) word = `~${word}`;
  return word;
}

// --- running real shells -----------------------------------------------------------------------------------------

/** /bin/sh first (what tmux runs), then other shells present, each real shell once. */
const SHELLS = [...new Map(['/bin/sh', '/bin/dash', '/bin/bash'].filter((s) => existsSync(s)).map((s) => [realpathSync(s), s])).values()];

/** Runs the command the way tmux does (`$SHELL -c <command>`), returning the NUL-separated fields of stdout. */
function runFields(shell: string, command: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const result = spawnSync(shell, ['-c', command], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, env });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${shell} exited ${result.status}: ${result.stderr.toString('utf8')}\ncommand: ${JSON.stringify(command)}`);
  }
  const fields = result.stdout.toString('utf8').split('\0');
  expect(fields.pop()).toBe(''); // every field ends with NUL
  return fields;
}

// --- shellQuote ---------------------------------------------------------------------------------------------------

describe('shellQuote', () => {
  it.each([
    'abc',
    'ABC_123',
    '/usr/local/bin/node',
    './dist/src/sim/agent.js',
    '--dangerously-skip-permissions',
    '--flag=value',
    'a=b',
    'user@host:path,x+y%z',
    '-',
    '.',
  ])('leaves the plain word %j unquoted', (word) => {
    expect(shellQuote(word)).toBe(word);
  });

  it.each([
    ['', "''"],
    ['hello world', "'hello world'"],
    ["it's", "'it'\\''s'"],
    ["'", "''\\'''"],
    ['$HOME', "'$HOME'"],
    ['`id`', "'`id`'"],
    ['a\nb', "'a\nb'"],
    ['back\\slash', "'back\\slash'"],
    ['*', "'*'"],
    ['~', "'~'"],
    ['#x', "'#x'"],
    ['a;b', "'a;b'"],
    ['é', "'é'"],
    ['a\u00a0b', "'a\u00a0b'"],
    ['!', "'!'"],
  ])('quotes %j as %j', (word, quoted) => {
    expect(shellQuote(word)).toBe(quoted);
  });

  it.each(['\0', 'a\0b', 'abc\0'])('refuses a word with NUL (%j)', (word) => {
    expect(() => shellQuote(word)).toThrow(/NUL/);
  });
});

// --- buildStartupCommand ------------------------------------------------------------------------------------------

describe('buildStartupCommand', () => {
  it.each<[Record<string, string>, string[], string]>([
    [{}, ['claude'], 'exec env "$@" claude'],
    [{}, ['claude', '--dangerously-skip-permissions', 'fix it'], `exec env "$@" claude --dangerously-skip-permissions 'fix it'`],
    [{ B: '2', A: '1', _Z: 'z', a: 'lower' }, ['x'], 'exec env "$@" A=1 B=2 _Z=z a=lower x'],
    [{ K: '' }, ['x'], `exec env "$@" K='' x`],
    [{ K: 'two words' }, ['x'], `exec env "$@" K='two words' x`],
    [{ K: "it's" }, ['x'], `exec env "$@" K='it'\\''s' x`],
    [{ K: 'a=b' }, ['x'], 'exec env "$@" K=a=b x'],
  ])('env %j argv %j -> %s', (env, argv, expected) => {
    expect(execPart(buildStartupCommand(env, argv))).toBe(expected);
  });

  it('refuses a kept name that is not a variable name (it goes into a case pattern)', () => {
    expect(() => buildWith({}, ['x'], { keep: { names: ['A|*'], prefixes: [] } })).toThrow(/invalid environment variable name/);
    expect(() => buildWith({}, ['x'], { keep: { names: [], prefixes: ['LC_)'] } })).toThrow(/invalid environment variable name/);
  });

  it('sorts keys whatever order they were inserted in', () => {
    const keys = ['ZED', 'alpha', 'Beta', '_under', 'GT_RIG', 'A1'];
    const env = Object.fromEntries(keys.map((k) => [k, 'v']));
    const command = execPart(buildStartupCommand(env, ['x']));
    const shown = command.split(' ').slice(3, -1).map((pair) => pair.split('=')[0]);
    expect(shown).toEqual([...keys].sort());
  });

  it.each(['', '1ABC', 'A-B', 'A B', 'A=B', 'É', 'A;rm', '$A', 'A\n'])('refuses the env key %j', (key) => {
    expect(() => buildStartupCommand({ [key]: 'v' }, ['x'])).toThrow(/invalid environment variable name/);
  });

  it('refuses an empty argv', () => {
    expect(() => buildStartupCommand({}, [])).toThrow(/needs a program/);
  });

  it.each([
    [{ K: 'a\0b' }, ['x']],
    [{}, ['x', 'a\0b']],
    [{}, ['\0']],
  ])('refuses NUL in env %j / argv %j', (env, argv) => {
    expect(() => buildStartupCommand(env, argv)).toThrow(/NUL/);
  });

  // `env` takes every leading word with '=' for an assignment, whatever the quoting, so such a program would never
  // run: the builder refuses it instead of starting the wrong thing.
  it('refuses a program whose path contains "="', () => {
    expect(() => buildStartupCommand({ K: 'v' }, ['/opt/run=me', 'arg'])).toThrow(/cannot contain '='/);
  });
});

describe.each(SHELLS)('through a real %s', (shell) => {
  it('passes 5,000 random words to the program unchanged', () => {
    for (let seed = 1; seed <= 50; seed += 1) {
      const rand = prng(seed);
      const words = Array.from({ length: 100 }, () => randomWord(rand));
      expect(runFields(shell, buildStartupCommand({}, ['printf', '%s\\0', ...words])), `seed ${seed}`).toEqual(words);
    }
  });

  it('passes random environment values through unchanged', () => {
    for (let seed = 1001; seed <= 1030; seed += 1) {
      const rand = prng(seed);
      const env: Record<string, string> = {};
      for (let i = 0; i < 40; i += 1) env[`POLECAT_K${i}`] = randomWord(rand);
      const keys = Object.keys(env);
      const script = `printf '%s\\0' ${keys.map((k) => `"$${k}"`).join(' ')}`;
      const fields = runFields(shell, buildStartupCommand(env, ['sh', '-c', script]));
      expect(fields, `seed ${seed}`).toEqual(keys.map((k) => env[k]));
    }
  });

  it('passes random environment values through `env -0` unchanged', () => {
    const rand = prng(4242);
    const env: Record<string, string> = {};
    for (let i = 0; i < 60; i += 1) env[`POLECAT_E${i}`] = randomWord(rand);
    const fields = runFields(shell, buildStartupCommand(env, ['env', '-0']));
    const seen = new Map<string, string>();
    for (const field of fields) {
      const eq = field.indexOf('=');
      seen.set(field.slice(0, eq), field.slice(eq + 1));
    }
    for (const [key, value] of Object.entries(env)) expect(seen.get(key), key).toBe(value);
  });

  it.each([
    ["quotes ' and \"", ["'", '"', "''", '""', "a'b\"c"]],
    ['dollar and backticks', ['$HOME', '${PATH}', '$(id)', '`id`', '$$', '$?', '$1']],
    ['backslashes', ['\\', '\\\\', 'a\\', '\\n', '\\\n', '\\0']],
    ['whitespace and newlines', [' ', '\t', '\n', '\r\n', '  a  ', '\n\n']],
    ['globs and operators', ['*', '?', '[a]', ';', '&', '&&', '|', '||', '>', '<', '2>&1', '!']],
    ['comments and tilde', ['#', '#x', 'a#b', '~', '~root', '~/x']],
    ['option-like and assignment-like', ['-', '--', '-n', '-e', '--help', '=', 'A=B', '=x']],
    ['empty', ['', '', 'x', '']],
    ['unicode', ['é', '名前', '😀', '👩‍💻', '\u00a0', 'a\u00a0b', '\u200b', '\ufeff']],
    ['controls', ['\x01', '\x1b[31m', '\x07', '\x7f', '\x1f']],
  ])('keeps %s', (_name, words) => {
    expect(runFields(shell, buildStartupCommand({}, ['printf', '%s\\0', ...words]))).toEqual(words);
  });

  it('removes every inherited variable that is not kept, whatever its name or value, and keeps the rest byte for byte', () => {
    const inherited: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: '/home/with space',
      LC_ALL: 'C.UTF-8',
      TERM: 'tmux-256color',
      SECRET_OF_ANOTHER_CALLER: 'sk-leak',
      ANTHROPIC_BASE_URL: 'https://elsewhere.example',
      GT_CREW: 'joe',
      'odd-name': 'x',
      'with space': 'y',
      'glob*': 'z',
      // A value that looks like more variables: the false names are only ever removed, never kept by mistake.
      MULTI: 'first\nPATH=/evil\nFAKE_NAME=1\n=x',
      GT_ROLE: 'mayor',
    };
    const command = buildWith({ GT_ROLE: 'gastown/polecats/Toast' }, ['env', '-0'], { keep: agentInheritance(['ANTHROPIC_API_KEY']) });
    const seen = Object.fromEntries(
      runFields(shell, command, { ...inherited, ANTHROPIC_API_KEY: 'sk-mine' }).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    );
    // bash adds PWD, SHLVL and `_` to what it exports, dash PWD: the shell's own, not inherited.
    for (const own of ['PWD', 'SHLVL', '_', 'OLDPWD']) delete seen[own];
    expect(seen).toEqual({
      PATH: process.env.PATH,
      HOME: '/home/with space',
      LC_ALL: 'C.UTF-8',
      TERM: 'tmux-256color',
      ANTHROPIC_API_KEY: 'sk-mine',
      GT_ROLE: 'gastown/polecats/Toast',
    });
  });

  it('execs the program so it replaces the shell', () => {
    // With exec, the program's parent is whatever started the shell: here, this test process.
    const fields = runFields(shell, buildStartupCommand({}, ['sh', '-c', 'printf "%s\\0" "$PPID"']));
    expect(fields).toEqual([String(process.pid)]);
  });
});
