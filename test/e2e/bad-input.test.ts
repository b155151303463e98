/**
 * Bad input, through the built CLI as a user runs it. Each case is either refused with one clear line before any
 * side effect (no tmux call, no file in the town, no bd call, nothing run), or delivered exactly: the sim agent's
 * log is compared byte for byte with what was meant.
 *
 * Anything that reached a shell would `touch` a marker: in MARKERS (every run's working directory, where tmux runs
 * `#(...)`), by absolute path, or by relative name in the directories listed by `markerPlaces`. After every test no
 * marker may exist.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tmuxCallCount, type CliResult } from '../helpers/cli.js';
import { isAlive, makeTown, readSimLog, retryUntil, type TestTown } from '../helpers/town.js';
import { testTmpDir } from '../helpers/tmux-guard.js';

const MARKERS = mkdtempSync(join(testTmpDir, 'markers-'));
const MARK = 'pwned';
/** The absolute marker, for words that may contain '/'. */
const MARK_PATH = join(MARKERS, MARK);
const markerPlaces = new Set<string>([MARKERS, process.env.HOME!]);

afterEach(() => {
  for (const dir of markerPlaces) expect(existsSync(join(dir, MARK)), `a marker in ${dir}: something ran shell code`).toBe(false);
});

function run(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(args, { cwd: MARKERS, env });
}

/** As `--agent` reads it: one single-quoted word. */
function q(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** What a refusal must leave as it was: the town's files (names) and the stand-in bd's call log. */
function sideEffects(root: string): { files: string[]; bdCalls: string[] } {
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).sort();
  const bdCalls = files
    .filter((file) => file.endsWith(join('.beads', 'calls.log')))
    .map((file) => readFileSync(join(root, file), 'utf8'));
  return { files, bdCalls };
}

function expectOneLine(result: CliResult, message: string | RegExp, code = 2): void {
  expect(result.code, result.stderr).toBe(code);
  expect(result.stdout).toBe('');
  const lines = result.stderr.split('\n');
  expect(lines, result.stderr).toHaveLength(2);
  expect(lines[1]).toBe('');
  const line = lines[0]!;
  expect(line).toMatch(/^polecat: /);
  // Whatever was typed, the line cannot carry terminal controls (or forge more lines).
  expect(line).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  if (typeof message === 'string') expect(line).toContain(message);
  else expect(line).toMatch(message);
}

/**
 * Runs each command (at most 4 at a time), each refused with its line; no tmux call by any, and the files under
 * `watched` (a town, or the directory around the towns tried) and bd's call log as they were.
 */
async function expectRefused(watched: string, cases: ReadonlyArray<{ args: readonly string[]; message: string | RegExp; code?: number; env?: NodeJS.ProcessEnv }>): Promise<void> {
  const before = sideEffects(watched);
  const calls = tmuxCallCount();
  const results: CliResult[] = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < cases.length; i = next++) results[i] = await run(cases[i]!.args, cases[i]!.env);
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  cases.forEach((c, i) => {
    try {
      expectOneLine(results[i]!, c.message, c.code);
    } catch (error) {
      (error as Error).message = `${JSON.stringify(c.args)}: ${(error as Error).message}`;
      throw error;
    }
  });
  expect(tmuxCallCount(), 'tmux was called').toBe(calls);
  expect(sideEffects(watched)).toEqual(before);
}

/** A town with one polecat and an issue database, so that a bd call would show in calls.log. */
function refusalTown(): TestTown {
  const town = makeTown({ rig: ['ok'] });
  town.setIssues('rig', { 'gt-1': { status: 'open' } });
  return town;
}

// ---------------------------------------------------------------------------------------------------------------

describe('bad names: polecat and rig names', () => {
  const invalid = (value: string) => (kind: string) => `invalid ${kind} name ${JSON.stringify(value)}: use letters, digits, '_' and '-' (not first)`;
  const BAD: ReadonlyArray<[label: string, value: string, message: (kind: string) => string | RegExp]> = [
    ['a colon (tmux target syntax)', 'a:b', invalid('a:b')],
    ['a dot (tmux rewrites it in session names)', 'a.b', invalid('a.b')],
    ['dot-dot', '..', invalid('..')],
    ['a slash', 'a/b', () => /^polecat: expected <rig>\/<name>, got "(rig\/a\/b|a\/b\/ok)"$/],
    ['a space', 'a b', invalid('a b')],
    ['command substitution', `$(touch ${MARK})`, invalid(`$(touch ${MARK})`)],
    ['backticks', `\`touch ${MARK}\``, invalid(`\`touch ${MARK}\``)],
    ['a semicolon', `a;touch ${MARK}`, invalid(`a;touch ${MARK}`)],
    ['a single quote', "a'b", invalid("a'b")],
    ['a double quote', 'a"b', invalid('a"b')],
    ['a leading dash', '-x', invalid('-x')],
    ['a tmux format', `#(touch ${MARK})#{pane_id}`, invalid(`#(touch ${MARK})#{pane_id}`)],
    ['accented letters', 'café', invalid('café')],
    ['an emoji', '😀', invalid('😀')],
    ['a newline and an escape sequence', 'a\nb\x1b[31m', invalid('a\nb\x1b[31m')],
    ['300 characters', 'x'.repeat(300), (kind) => new RegExp(`^polecat: ${kind} name is 300 characters long; at most 64 are allowed$`)],
    ['empty', '', (kind) => new RegExp(`^polecat: ${kind} name is empty$`)],
  ];

  // Every command that takes <rig>/<name>; options first and `--` before the address, so that a name starting with
  // '-' reaches polecat's own check rather than the option parser (see the next test for the form without `--`).
  const ADDRESSED: ReadonlyArray<(town: string, address: string) => string[]> = [
    (t, a) => ['start', '--town', t, '--agent', 'sim', '--issue', 'gt-1', '--', a],
    (t, a) => ['start', '--town', t, '--agent', 'sim', '--', 'rig/ok', a],
    (t, a) => ['stop', '--town', t, '--', a],
    (t, a) => ['status', '--town', t, '--', a],
    (t, a) => ['inject', '--town', t, '--', a, 'hello'],
    (t, a) => ['attach', '--town', t, '--', a],
    (t, a) => ['capture', '--town', t, '--', a],
    (t, a) => ['runs', '--town', t, '--', a],
  ];
  // Commands that take a rig alone.
  const RIG_ONLY: ReadonlyArray<(town: string, rig: string) => string[]> = [
    (t, r) => ['list', '--town', t, '--', r],
    (t, r) => ['stop-all', '--town', t, '--', r],
    (t, r) => ['start', '--all', '--town', t, '--agent', 'sim', '--', r],
  ];

  it.each(BAD)('refuses %s as the polecat name, in every command: one line, exit 2, nothing touched', async (_label, value, message) => {
    const town = refusalTown();
    await expectRefused(
      town.root,
      ADDRESSED.map((args) => ({ args: args(town.root, `rig/${value}`), message: message('polecat') })),
    );
  });

  it.each(BAD)('refuses %s as the rig name, in every command: one line, exit 2, nothing touched', async (_label, value, message) => {
    const town = refusalTown();
    const rigOnly = value.includes('/') ? /^polecat: (invalid rig name "a\/b"|--all takes one rig and no polecat names)/ : message('rig');
    await expectRefused(town.root, [
      ...ADDRESSED.map((args) => ({ args: args(town.root, `${value}/ok`), message: message('rig') })),
      ...RIG_ONLY.map((args) => ({ args: args(town.root, value), message: rigOnly })),
    ]);
  });

  it('refuses the shapes that are not <rig>/<name> at all', async () => {
    const town = refusalTown();
    await expectRefused(
      town.root,
      ['', 'rig', 'rig/', '/', 'rig/ok/', '/rig/ok', 'rig//ok'].flatMap((address) =>
        ['status', 'stop', 'capture'].map((command) => ({ args: [command, '--town', town.root, '--', address], message: /^polecat: (expected <rig>\/<name>|rig name is empty|polecat name is empty)/ })),
      ),
    );
  });

  it('refuses a name starting with "-" given without "--": the option parser names it, in one line', async () => {
    const town = refusalTown();
    await expectRefused(town.root, [
      { args: ['status', '-x/ok', '--town', town.root], message: "unknown option '-x/ok'" },
      { args: ['start', '-rig/ok', '--town', town.root, '--agent', 'sim'], message: "unknown option '-rig/ok'" },
      { args: ['stop', 'rig/-x', '--town', town.root], message: 'invalid polecat name "-x"' },
      { args: ['list', '-x', '--town', town.root], message: "unknown option '-x'" },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('other options and arguments', () => {
  it.each<[string[], string]>([
    [['start', 'rig/ok', '--town', ''], '--town is empty'],
    [['start', 'rig/ok', '--town', '<town>', '--agent', 'nosuchagent'], 'unknown agent "nosuchagent": known agents are'],
    [['start', 'rig/ok', '--town', '<town>', '--socket', 'bad/socket'], 'invalid socket name "bad/socket"'],
    [['start', 'rig/ok', '--town', '<town>', '--socket', '..'], 'invalid socket name ".."'],
    [['start', 'rig/ok', '--town', '<town>', '--timeout', 'ready=0'], 'invalid --timeout "ready=0"'],
    [['start', 'rig/ok', '--town', '<town>', '--timeout', 'ready=1;touch pwned'], 'invalid --timeout'],
    [['start', 'rig/ok', '--town', '<town>', '--parallel', '0'], 'invalid --parallel "0"'],
    [['start', 'rig/ok', '--town', '<town>', '--inspect', '--inspect-port', '0'], 'invalid --inspect-port "0"'],
    [['start', 'rig/ok', '--town', '<town>', '--bogus'], "unknown option '--bogus'"],
    [['start', 'rig/ok', 'rig/ok', '--town', '<town>', '--agent', 'sim'], 'rig/ok is given twice'],
    [['start', 'rig', '--all', '--town', '<town>', '--issue', 'gt-1'], '--issue hooks an issue to one polecat'],
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['graph', 'nosuch'], 'unknown machine'],
    [['graph', '--format', 'png'], 'Allowed choices'],
    [['inspect', '../../etc', '--town', '<town>'], 'invalid run id'],
    [['resume', 'x;y', '--town', '<town>'], 'invalid run id'],
    [['rollback', '', '--town', '<town>'], 'invalid run id'],
    [['stop', 'rig/ok', '--town', '<town>', '--timeout', 'graceful=0'], 'invalid --timeout'],
    [['status', 'rig/ok', '--town', '<town>', '--hung-after', '-1'], 'invalid --hung-after'],
    [['capture', 'rig/ok', '--town', '<town>', '-n', '-5'], 'invalid -n'],
    [['capture', 'rig/ok', '--town', '<town>', '-n', '1e9'], 'invalid -n'],
  ])('refuses %j: one line, exit 2, nothing touched', async (args, message) => {
    const town = refusalTown();
    await expectRefused(town.root, [{ args: args.map((arg) => (arg === '<town>' ? town.root : arg)), message }]);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('--town', () => {
  const scratch = mkdtempSync(join(testTmpDir, 'town-paths-'));
  const file = join(scratch, 'a file');
  writeFileSync(file, 'not a town\n');
  const notTown = join(scratch, 'not a town');
  mkdirSync(notTown);
  const missing = join(scratch, 'no such town');
  const missingOdd = join(scratch, `no such $(touch ${MARK})`, "town 'q'\nnext");

  const COMMANDS: ReadonlyArray<(town: string) => string[]> = [
    (t) => ['start', 'rig/ok', '--town', t, '--agent', 'sim', '--issue', 'gt-1'],
    (t) => ['stop', 'rig/ok', '--town', t],
    (t) => ['status', 'rig/ok', '--town', t],
    (t) => ['list', '--town', t],
    (t) => ['inject', 'rig/ok', 'hello', '--town', t],
    (t) => ['attach', 'rig/ok', '--town', t],
    (t) => ['capture', 'rig/ok', '--town', t],
    (t) => ['runs', '--town', t],
    (t) => ['stop-all', 'rig', '--town', t],
  ];

  it.each<[string, string, string]>([
    ['a file', file, 'is not a directory'],
    ['a missing path', missing, 'does not exist'],
    ['a missing path with spaces, quotes, $() and a newline', missingOdd, 'does not exist'],
    ['a directory that is not a town', notTown, 'is not a town: it has no mayor/town.json'],
  ])('refuses --town at %s in every command: one line naming it, nothing created', async (_label, path, why) => {
    await expectRefused(
      scratch,
      COMMANDS.map((args) => ({ args: args(path), message: `polecat: --town ${JSON.stringify(path)} ${why}` })),
    );
  });

  it('refuses GT_TOWN_ROOT at a file or a missing path the same way, naming the variable', async () => {
    await expectRefused(scratch, [
      { args: ['status', 'rig/ok'], env: { GT_TOWN_ROOT: file }, message: `polecat: GT_TOWN_ROOT ${JSON.stringify(file)} is not a directory` },
      { args: ['list'], env: { GT_TOWN_ROOT: missing }, message: `polecat: GT_TOWN_ROOT ${JSON.stringify(missing)} does not exist` },
    ]);
  });

  it('works end to end in a town whose path has spaces, quotes, $(), tmux formats and unicode; nothing left running', async () => {
    const root = join(scratch, `my town $(touch ${MARK}) 'q' "d" #(touch ${MARK}) #{pane_id} ## é`);
    mkdirSync(join(root, 'mayor'), { recursive: true });
    writeFileSync(join(root, 'mayor', 'town.json'), '{"name":"odd"}\n');
    const workDir = join(root, 'rig', 'polecats', 'ok');
    mkdirSync(workDir, { recursive: true });
    for (const dir of [root, workDir]) markerPlaces.add(dir);
    const log = join(root, 'sim log.jsonl');

    const started = await run(['start', 'rig/ok', '--town', root, '--agent', `sim --log ${q(log)}`, '--prompt', 'hi']);
    expect(started.code, started.stderr).toBe(0);
    const start = readSimLog(log).find((e) => e.event === 'start')!;
    const pid = Number(start.pid);
    // Exactly the directory asked for: not rewritten by tmux's format expansion of -c.
    expect(start.cwd).toBe(realpathSync(workDir));
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    expect(environ).toContain(`GT_ROOT=${realpathSync(root)}`);

    const status = await run(['status', 'rig/ok', '--json', '--town', root]);
    expect(JSON.parse(status.stdout)).toMatchObject({ polecat: 'rig/ok', running: true, health: 'healthy', agentPid: pid });
    const captured = await run(['capture', 'rig/ok', '--town', root]);
    expect(captured.code, captured.stderr).toBe(0);
    expect(captured.stdout).toContain('> hi');

    const stopped = await run(['stop', 'rig/ok', '--town', root]);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect(JSON.parse((await run(['list', '--json', '--town', root])).stdout)).toEqual([]);
    expect(JSON.parse((await run(['status', 'rig/ok', '--json', '--town', root])).stdout)).toMatchObject({ running: false, sessionExists: false });
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('--issue', () => {
  // polecat checks ids against beads' form (prefix-hash, children with '.') before anything runs.
  it.each([
    `gt-1;touch ${MARK_PATH}`,
    `$(touch ${MARK_PATH})`,
    `\`touch ${MARK_PATH}\``,
    "gt-'1'",
    'gt-"1"',
    'gt 1',
    `gt-1\ntouch ${MARK_PATH}`,
    `gt-1|touch ${MARK_PATH}`,
    `gt-1&&touch ${MARK_PATH}`,
    `#(touch ${MARK})`,
    '-x',
    '--help',
    '.hidden',
    '../gt-1',
    'gt-1/../../x',
    'gt-é',
    '',
  ])('refuses %j: one line, exit 2, before bd or tmux runs', async (id) => {
    const town = refusalTown();
    await expectRefused(town.root, [
      { args: ['start', 'rig/ok', '--town', town.root, '--agent', 'sim', '--issue', id], message: `polecat: invalid issue id ${JSON.stringify(id)}: expected a beads id` },
      { args: ['start', 'rig/ok', '--town', town.root, '--agent', 'sim', `--issue=${id}`], message: `polecat: invalid issue id ${JSON.stringify(id)}: expected a beads id` },
    ]);
  });

  it.each(['gt-abc', 'gt-abc.1', 'bd-a1b2'])('takes the beads id %s and passes it to bd as one argument', async (id) => {
    const town = makeTown({ rig: ['ok'] });
    town.setIssues('rig', { [id]: { status: 'open' } });
    const log = town.logPath('sim');
    const started = await run(['start', 'rig/ok', '--town', town.root, '--agent', `sim --log ${q(log)}`, '--issue', id]);
    expect(started.code, started.stderr).toBe(0);
    const calls = readFileSync(join(town.root, 'rig', '.beads', 'calls.log'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as string[]);
    expect(calls).toContainEqual(['show', id, '--json']);
    expect(calls).toContainEqual(['update', id, '--status=hooked', '--assignee=rig/polecats/ok']);
    for (const call of calls) expect(call[1]).toBe(id);
    expect(town.issue('rig', id)).toMatchObject({ status: 'hooked', assignee: 'rig/polecats/ok' });
    expect(readSimLog(log).filter((e) => e.event === 'submit').map((e) => e.text)).toEqual([
      `You are polecat ok of rig rig. Your issue is ${id}: run bd show ${id} and begin work.`,
    ]);
    expect((await run(['stop', 'rig/ok', '--town', town.root])).code).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('--agent', () => {
  it('refuses an agent whose name is shell code, an unbalanced quote and an empty string: one line, nothing run', async () => {
    const town = refusalTown();
    const start = (agent: string) => ['start', 'rig/ok', '--town', town.root, '--issue', 'gt-1', '--agent', agent];
    await expectRefused(town.root, [
      { args: start(`$(touch ${MARK_PATH})`), message: 'polecat: unknown agent "$(touch": known agents are ' },
      { args: start(`sim;touch ${MARK_PATH}`), message: 'polecat: unknown agent "sim;touch": known agents are ' },
      { args: start(`\`touch ${MARK_PATH}\``), message: 'polecat: unknown agent "`touch": known agents are ' },
      { args: start(`'sim;touch ${MARK_PATH}'`), message: `polecat: unknown agent ${JSON.stringify(`sim;touch ${MARK_PATH}`)}` },
      { args: start(`sim it's`), message: `polecat: unbalanced ' in ${JSON.stringify("sim it's")}` },
      { args: start('sim "a\nb'), message: 'polecat: unbalanced " in "sim \\"a\\nb"' },
      { args: start(''), message: 'polecat: --agent is empty' },
      { args: start(' \n\t'), message: 'polecat: --agent is empty' },
    ]);
  });

  // [as typed in --agent, the words meant], by the documented rules: split like sh, nothing expanded or run.
  const WORDS: ReadonlyArray<[string, string[]]> = [
    [`"it's"`, ["it's"]],
    [`'say "hi"'`, ['say "hi"']],
    [`'$(touch ${MARK_PATH})'`, [`$(touch ${MARK_PATH})`]],
    [`"$(touch ${MARK_PATH})"`, [`$(touch ${MARK_PATH})`]],
    [`$(touch\\ ${MARK_PATH})`, [`$(touch ${MARK_PATH})`]],
    [`\`touch ${MARK_PATH}\``, ['`touch', `${MARK_PATH}\``]],
    [`"\`touch ${MARK_PATH}\`"`, [`\`touch ${MARK_PATH}\``]],
    [`a;touch\\ ${MARK_PATH}`, [`a;touch ${MARK_PATH}`]],
    [`; | && || * ? > < & ( ) { }`, [';', '|', '&&', '||', '*', '?', '>', '<', '&', '(', ')', '{', '}']],
    [`'x|touch ${MARK_PATH}' x&&touch\\ ${MARK_PATH}`, [`x|touch ${MARK_PATH}`, `x&&touch ${MARK_PATH}`]],
    [`$HOME \${HOME} ~ ~/x "$HOME" \\$HOME`, ['$HOME', '${HOME}', '~', '~/x', '$HOME', '$HOME']],
    [`'#(touch ${MARK}) #{pane_id} ##'`, [`#(touch ${MARK}) #{pane_id} ##`]],
    [`'line one\nline two'`, ['line one\nline two']],
    [`before\nafter\ttab`, ['before', 'after', 'tab']],
    [`é 名前 😀 'a b' "👩‍👩‍👧"`, ['é', '名前', '😀', 'a b', '👩‍👩‍👧']],
    [`'' ""`, ['', '']],
    [`a\\ b \\' \\" '\\'`, ['a b', "'", '"', '\\']],
    [`"a\\"b" "c\\\\d" "e\\$f" "g\\\`h" "i\\nj"`, ['a"b', 'c\\d', 'e$f', 'g`h', 'i\\nj']],
    [`-x --dialogs bypass --exit-at start`, ['-x', '--dialogs', 'bypass', '--exit-at', 'start']],
  ];

  it('hands the agent exactly the words meant, as arguments, never as shell code', async () => {
    const town = makeTown({ rig: ['ok'] });
    const log = town.logPath('sim');
    const typed = WORDS.map(([text]) => text).join(' ');
    const meant = WORDS.flatMap(([, words]) => words);
    // And a startup text full of shell code, typed to the agent literally.
    const prompt = `$(touch ${MARK_PATH}); \`touch ${MARK_PATH}\` 'q' "d" #(touch ${MARK}) && touch ${MARK_PATH} | x ;`;
    const started = await run(['start', 'rig/ok', '--town', town.root, '--agent', `sim --log ${q(log)} -- ${typed}`, '--prompt', prompt]);
    expect(started.code, started.stderr).toBe(0);
    const events = readSimLog(log);
    const start = events.find((e) => e.event === 'start')!;
    expect(start.argv).toEqual(['--log', log, '--', ...meant]);
    expect(start.extra).toEqual(meant);
    expect(events.filter((e) => e.event === 'submit').map((e) => e.text)).toEqual([prompt]);
    expect((await run(['stop', 'rig/ok', '--town', town.root])).code).toBe(0);
    expect(isAlive(Number(start.pid))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('inject text', () => {
  let town: TestTown;
  let log: string;
  const submits = () => readSimLog(log).filter((e) => e.event === 'submit').map((e) => String(e.text));

  beforeAll(async () => {
    town = makeTown({ gastown: ['Toast'] });
    log = town.logPath('sim');
    const started = await run(['start', 'gastown/Toast', '--town', town.root, '--agent', `sim --log ${q(log)}`, '--prompt', 'hello']);
    expect(started.code, started.stderr).toBe(0);
  });
  afterAll(async () => {
    await run(['stop', 'gastown/Toast', '--town', town.root]);
  });

  /** Injects (words, or a file) and expects exactly one submission, byte for byte the text expected. */
  async function delivered(input: { words: readonly string[] } | { file: string }, expected: string): Promise<void> {
    const before = submits().length;
    let args: string[];
    if ('file' in input) {
      const file = join(town.root, 'message.txt');
      writeFileSync(file, input.file);
      args = ['inject', '--town', town.root, '--file', file, '--', 'gastown/Toast'];
    } else {
      args = ['inject', '--town', town.root, '--', 'gastown/Toast', ...input.words];
    }
    const result = await run(args);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`gastown/Toast: ${Buffer.byteLength(expected)} bytes delivered and submitted\n`);
    await retryUntil('the submission', () => submits().length > before || undefined);
    const got = submits().slice(before);
    expect(got).toEqual([expected]);
    expect(Buffer.from(got[0]!, 'utf8').equals(Buffer.from(expected, 'utf8'))).toBe(true);
  }

  const a = (n: number) => 'a'.repeat(n);
  // Words on the command line (one line, typed with send-keys in pieces of 4,000 bytes).
  it.each<[string, string[], string]>([
    ['a trailing semicolon (tmux would take it as a command separator)', ['run this;'], 'run this;'],
    ['a lone semicolon', [';'], ';'],
    ['only semicolons', [';;;'], ';;;'],
    ["tmux's own escaped semicolon, typed as it is", ['a \\; b\\;'], 'a \\; b\\;'],
    ['a trailing backslash', ['a\\'], 'a\\'],
    ['words that are tmux key names', ['C-c', 'Enter', 'Escape', 'BSpace'], 'C-c Enter Escape BSpace'],
    ['one tmux key name alone', ['Enter'], 'Enter'],
    ['words that are send-keys options', ['-t', '%0', '-l', '-X', 'cancel'], '-t %0 -l -X cancel'],
    ['a lone --', ['--'], '--'],
    ['tmux formats', [`#{pane_id} #(touch ${MARK}) ## #[fg=red]`], `#{pane_id} #(touch ${MARK}) ## #[fg=red]`],
    ['shell code', [`$(touch ${MARK_PATH}) \`touch ${MARK_PATH}\` 'q' "d"; touch ${MARK_PATH} && touch ${MARK_PATH} | tee ${MARK_PATH}`], `$(touch ${MARK_PATH}) \`touch ${MARK_PATH}\` 'q' "d"; touch ${MARK_PATH} && touch ${MARK_PATH} | tee ${MARK_PATH}`],
    ['leading and trailing spaces', ['  padded  '], '  padded  '],
    ['control characters and escape sequences (removed), unicode kept', ['a\x1b[31mb\x07c\x7fd\x1b]0;title\x07e ✓ 😀 名前'], 'a[31mbcd]0;titlee ✓ 😀 名前'],
    ['C1 controls (the one-character CSI, NEL), removed', ['a\u009b31mb\u0085c\u0090d'], 'a31mbcd'],
    ['a tab, which becomes a space', ['a\tb'], 'a b'],
    ['combining marks, ZWJ sequences, flags, variation selectors', ['e\u0301 👩‍👩‍👧 🇫🇷 ❤️ 👍🏽'], 'e\u0301 👩‍👩‍👧 🇫🇷 ❤️ 👍🏽'],
    // tmux may draw none of these: the delivery check must not wait for them on screen.
    ['characters tmux may not draw', ['zero\u200dwidth, line\u2028sep, para\u2029sep, bidi \u202eabc\u202c, bom \ufeff, new emoji 🪿🫨, unassigned \u0378.'], 'zero\u200dwidth, line\u2028sep, para\u2029sep, bidi \u202eabc\u202c, bom \ufeff, new emoji 🪿🫨, unassigned \u0378.'],
    ['only an emoji tmux may not draw', ['🪿'], '🪿'],
    // At the 4,000-byte piece boundary.
    ['a semicolon ending a piece', [`${a(3_999)};b`], `${a(3_999)};b`],
    ['a backslash ending a piece, a semicolon starting the next', [`${a(3_999)}\\;`], `${a(3_999)}\\;`],
    ['only semicolons across pieces', [';'.repeat(4_100)], ';'.repeat(4_100)],
    ['a 4-byte emoji across the boundary', [`${a(3_998)}😀z`], `${a(3_998)}😀z`],
    ['a ZWJ sequence across the boundary', [`${a(3_999)}👩‍👩‍👧z`], `${a(3_999)}👩‍👩‍👧z`],
  ])('delivers %s exactly', (_label, words, expected) => delivered({ words }, expected));

  // Files (anything, NUL included; several lines are pasted through a tmux buffer).
  it.each<[string, string, string]>([
    ['CRLF line endings (CR removed, the last newline dropped)', 'one\r\ntwo\r\n', 'one\ntwo'],
    ['NUL and escape sequences in a file', 'a\0b\x1b[2Jc\x1b]0;title\x07d\n', 'ab[2Jc]0;titled'],
    ['a paste carrying the bracketed-paste end marker (it cannot end the paste early)', 'one\n\x1b[201~\nEnter\n;\nC-c\n\x1b[200~last', 'one\n[201~\nEnter\n;\nC-c\n[200~last'],
    ['lines of shell code and tmux syntax', `a; touch ${MARK_PATH}\n$(touch ${MARK_PATH})\n#(touch ${MARK})\n\\;\n-t x;`, `a; touch ${MARK_PATH}\n$(touch ${MARK_PATH})\n#(touch ${MARK})\n\\;\n-t x;`],
    ['blank lines inside', 'a\n\n\nb', 'a\n\n\nb'],
  ])('delivers %s exactly', (_label, file, expected) => delivered({ file }, expected));

  it('delivers 3,000 lines of key names and semicolons exactly, in one submission', async () => {
    const lines = Array.from({ length: 3_000 }, (_, i) => (i % 3 === 0 ? 'Enter' : i % 3 === 1 ? ';' : `C-c ${i} \\; 😀`)).join('\n');
    await delivered({ file: lines }, lines);
  });

  // 100 KB: the issue's size. Emoji are 4 bytes and the pieces are 4,000 bytes, so a cut inside one would show.
  it('types a 100 KB line (emoji at piece boundaries) whole, and pastes 100 KB of lines whole', async () => {
    const line = `start ${'😀é'.repeat(16_700)} end`;
    expect(Buffer.byteLength(line)).toBeGreaterThan(100_000);
    await delivered({ file: line }, line);
    const lines = Array.from({ length: 1_400 }, (_, i) => `line ${i} ${'😀名'.repeat(10)} ;`).join('\n');
    expect(Buffer.byteLength(lines)).toBeGreaterThan(100_000);
    await delivered({ file: lines }, lines);
  }, 60_000);

  it('refuses text with nothing visible in it: one line, exit 2, no tmux call, nothing written', async () => {
    const blank = join(town.root, 'blank.txt');
    writeFileSync(blank, '\n');
    const before = submits().length;
    const inject = (...rest: string[]) => ['inject', '--town', town.root, ...rest];
    const message = 'polecat: nothing to inject: the text is empty once control and zero-width characters are removed';
    await expectRefused(town.root, [
      { args: inject('gastown/Toast', ''), message },
      { args: inject('gastown/Toast', '   ', '\t'), message },
      { args: inject('gastown/Toast', '\x07\x1b\x7f\u009b'), message },
      { args: inject('gastown/Toast', '\u200b\u2028\ufeff'), message },
      { args: inject('--file', blank, 'gastown/Toast'), message },
      { args: inject('--file', blank, 'gastown/Toast', 'words'), message: 'polecat: give the text as words or with --file, not both' },
      { args: inject('--file', join(town.root, 'no such file'), 'gastown/Toast'), message: `polecat: --file ${JSON.stringify(join(town.root, 'no such file'))} cannot be read: ENOENT` },
    ]);
    expect(submits().length).toBe(before);
  });
});
