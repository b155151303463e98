/**
 * A stand-in for the Claude Code CLI at startup, for testing the tmux session manager against a real pane.
 * It draws Claude Code 2.1's trust and bypass dialogs and its ready prompt, reads keys in raw mode,
 * and records what it saw and did as JSON lines (see --log).
 *
 *   node dist/src/sim/agent.js [--dialogs trust,bypass,login] [--startup-ms N] [--prompt-nbsp] [--busy-ms N]
 *     [--exit-at start|trust|bypass|login|prompt] [--exit-code N] [--hang] [--ignore-input] [--ignore-term]
 *     [--ignore-ctrl-c] [--ignore-answers] [--dialogs-again] [--echo-answers] [--spawn-child] [--log FILE] [-- ARGS...]
 *
 * --ignore-input: at the prompt, keys are read and logged but nothing is typed or submitted (an agent that has hung).
 * --ignore-answers: Enter on a dialog is logged but the dialog stays as it was (an agent that does not take answers).
 * --dialogs-again: once every dialog is answered, the first one shows again, unchanged, and is then taken.
 * --echo-answers: each answered dialog stays printed above the prompt, as a transcript line would.
 * The login dialog is Claude Code's sign-in screen: none of its options gets past it.
 * --settings FILE: a Claude settings file whose hooks the sim runs as Claude does (`sh -c`, the payload JSON on
 * stdin): SessionStart at its first prompt, UserPromptSubmit, PreToolUse and PostToolUse of --tool NAME (once a
 * turn), Stop when the turn ends (not when Esc interrupts it: Claude fires none then), SessionEnd on exit.
 * --turn-ms N (or --busy-ms): each turn is busy this long, then ends; Esc interrupts it.
 * --ask-permission: the --tool asks first, as Claude without bypassed permissions does: PermissionRequest and a
 * permission_prompt Notification, a "Do you want to proceed?" prompt in place of the input; Enter or 1 allows (the
 * tool runs and the turn goes on), Esc or 2 denies (the turn ends, no hook).
 * --resume ID: continues session ID as Claude's --resume does, as far as hooks show it: every payload carries that
 * session_id, and SessionStart's source is `resume`.
 * --fail-turn rate_limit|server_error|authentication_failed: each turn ends in StopFailure with that error, its
 * `API Error:` line on screen.
 * --fail-screen-after MS: with --fail-turn, StopFailure fires first and the screen goes on showing the turn busy for
 * MS before the `API Error:` line, as real Claude's screen lags behind its hooks under load.
 * Everything after `--` is accepted as it is (never read as a flag) and logged in the `start` event as `extra`, so
 * tests can check exactly which arguments reached the agent.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';

// ---------------------------------------------------------------------------------------------------------------
// Options

type DialogName = 'trust' | 'bypass' | 'login';
type ExitPoint = 'start' | DialogName | 'prompt';
type FailKind = 'rate_limit' | 'server_error' | 'authentication_failed';
const FAIL_KINDS: readonly FailKind[] = ['rate_limit', 'server_error', 'authentication_failed'];
/** What Claude prints for each failure, as far as the screen reader needs: its `API Error:` line. */
const FAIL_LINES: Record<FailKind, string> = {
  rate_limit: '  ⎿  API Error: 429 {"type":"error","error":{"type":"rate_limit_error","message":"rate limited"}}',
  server_error: '  ⎿  API Error: 500 {"type":"error","error":{"type":"api_error","message":"Internal server error"}}',
  authentication_failed: '  ⎿  API Error: 401 {"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}',
};

interface Options {
  dialogs: DialogName[];
  startupMs: number;
  promptNbsp: boolean;
  busyMs: number;
  exitAt: ExitPoint | undefined;
  exitCode: number;
  hang: boolean;
  ignoreInput: boolean;
  ignoreTerm: boolean;
  /** At the prompt, Ctrl-C is read (and logged) but never exits: an agent that does not leave when asked. */
  ignoreCtrlC: boolean;
  ignoreAnswers: boolean;
  dialogsAgain: boolean;
  settingsFile: string | undefined;
  tool: string | undefined;
  /** The tool asks before it runs: a permission prompt, answered with Enter or 1 (allowed) or Esc or 2 (denied). */
  askPermission: boolean;
  /** Each turn fails as Claude's do when the API does: StopFailure with this error and an `API Error:` line. */
  failTurn: FailKind | undefined;
  /** How long after StopFailure the screen still shows the turn busy before the error line (0: none). */
  failScreenAfterMs: number;
  echoAnswers: boolean;
  spawnChild: boolean;
  logFile: string | undefined;
  /** --resume ID: the session it continues, as Claude's --resume: its hooks carry that id, SessionStart says `resume`. */
  resume: string | undefined;
  /** The arguments after `--`, taken as they are. */
  extra: string[];
}

class UsageError extends Error {}

const DIALOG_NAMES: readonly DialogName[] = ['trust', 'bypass', 'login'];
const EXIT_POINTS: readonly ExitPoint[] = ['start', 'trust', 'bypass', 'login', 'prompt'];

interface FlagSpec {
  /** Present for flags that take a value. */
  set?: (options: Options, value: string) => void;
  /** Present for boolean flags. */
  enable?: (options: Options) => void;
}

const FLAGS: Record<string, FlagSpec> = {
  '--dialogs': { set: (o, v) => (o.dialogs = parseDialogs(v)) },
  '--startup-ms': { set: (o, v) => (o.startupMs = parseCount('--startup-ms', v)) },
  '--busy-ms': { set: (o, v) => (o.busyMs = parseCount('--busy-ms', v)) },
  '--turn-ms': { set: (o, v) => (o.busyMs = parseCount('--turn-ms', v)) },
  '--ask-permission': { enable: (o) => (o.askPermission = true) },
  '--fail-turn': { set: (o, v) => (o.failTurn = parseChoice('--fail-turn', v, FAIL_KINDS)) },
  '--fail-screen-after': { set: (o, v) => (o.failScreenAfterMs = parseCount('--fail-screen-after', v)) },
  '--exit-at': { set: (o, v) => (o.exitAt = parseChoice('--exit-at', v, EXIT_POINTS)) },
  '--exit-code': { set: (o, v) => (o.exitCode = parseCount('--exit-code', v)) },
  '--log': { set: (o, v) => (o.logFile = v) },
  '--prompt-nbsp': { enable: (o) => (o.promptNbsp = true) },
  '--hang': { enable: (o) => (o.hang = true) },
  '--ignore-input': { enable: (o) => (o.ignoreInput = true) },
  '--ignore-term': { enable: (o) => (o.ignoreTerm = true) },
  '--ignore-ctrl-c': { enable: (o) => (o.ignoreCtrlC = true) },
  '--ignore-answers': { enable: (o) => (o.ignoreAnswers = true) },
  '--settings': { set: (o, v) => (o.settingsFile = v) },
  '--tool': { set: (o, v) => (o.tool = v) },
  '--resume': { set: (o, v) => (o.resume = v) },
  '--dialogs-again': { enable: (o) => (o.dialogsAgain = true) },
  '--echo-answers': { enable: (o) => (o.echoAnswers = true) },
  '--spawn-child': { enable: (o) => (o.spawnChild = true) },
};

function parseArgs(argv: readonly string[]): Options {
  const options: Options = {
    dialogs: [],
    startupMs: 0,
    promptNbsp: false,
    busyMs: 0,
    exitAt: undefined,
    exitCode: 1,
    hang: false,
    ignoreInput: false,
    ignoreTerm: false,
    ignoreCtrlC: false,
    ignoreAnswers: false,
    dialogsAgain: false,
    settingsFile: undefined,
    tool: undefined,
    askPermission: false,
    failTurn: undefined,
    failScreenAfterMs: 0,
    echoAnswers: false,
    spawnChild: false,
    logFile: undefined,
    resume: undefined,
    extra: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      options.extra = argv.slice(i + 1);
      break;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = FLAGS[name];
    if (!spec) throw new UsageError(`unknown flag: ${arg}`);
    if (spec.enable) {
      if (eq > 0) throw new UsageError(`${name} takes no value`);
      spec.enable(options);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    spec.set!(options, value);
  }
  return options;
}

function parseDialogs(value: string): DialogName[] {
  return value
    .split(',')
    .filter((name) => name !== '')
    .map((name) => parseChoice('--dialogs', name, DIALOG_NAMES));
}

function parseChoice<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  const choice = choices.find((c) => c === value);
  if (choice === undefined) throw new UsageError(`${flag}: expected one of ${choices.join(', ')}, got "${value}"`);
  return choice;
}

function parseCount(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag}: expected a non-negative integer, got "${value}"`);
  return Number(value);
}

// ---------------------------------------------------------------------------------------------------------------
// Event log

type LogData = Record<string, unknown>;

function makeLogger(file: string | undefined): (event: string, data?: LogData) => void {
  if (file === undefined) return () => {};
  // Synchronous on purpose: the process may exit (or be killed) right after an event.
  return (event, data = {}) => appendFileSync(file, JSON.stringify({ ts: Date.now(), event, ...data }) + '\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Input: raw bytes -> keys, text and pastes

type InputEvent = { kind: 'key'; key: string } | { kind: 'text'; text: string } | { kind: 'paste'; text: string };

const ESC = '\x1b';
const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';
/** How long a lone ESC waits for the rest of an escape sequence before it counts as the Escape key. */
const ESC_TIMEOUT_MS = 50;

/** CSI sequences (after `ESC [`) by their parameters and final byte. */
const CSI_KEYS: Record<string, string> = {
  A: 'Up',
  B: 'Down',
  C: 'Right',
  D: 'Left',
  H: 'Home',
  F: 'End',
  Z: 'BTab',
  '1~': 'Home',
  '2~': 'Insert',
  '3~': 'Delete',
  '4~': 'End',
  '5~': 'PageUp',
  '6~': 'PageDown',
  '201~': 'PasteEnd',
};

/** SS3 sequences (after `ESC O`), sent for arrows in application cursor mode. */
const SS3_KEYS: Record<string, string> = { A: 'Up', B: 'Down', C: 'Right', D: 'Left', H: 'Home', F: 'End', P: 'F1', Q: 'F2', R: 'F3', S: 'F4' };

function controlKeyName(code: number): string {
  switch (code) {
    case 0x0d:
      return 'Enter';
    case 0x09:
      return 'Tab';
    case 0x08:
    case 0x7f:
      return 'Backspace';
    case 0x00:
      return 'C-Space';
    default:
      return code <= 0x1a ? `C-${String.fromCharCode(code + 0x60)}` : `C-${String.fromCharCode(code + 0x40)}`;
  }
}

function isControl(code: number): boolean {
  return code < 0x20 || code === 0x7f;
}

/** An escape sequence starting at s[i] (an ESC): its length and key, or undefined if more bytes may still come. */
function matchEscape(s: string, i: number, flush: boolean): { length: number; key: string } | undefined {
  const incomplete = flush ? { length: 1, key: 'Escape' } : undefined;
  const next = s[i + 1];
  if (next === undefined) return incomplete;
  if (next === '[') {
    let j = i + 2;
    while (j < s.length && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x3f) j++;
    if (j >= s.length) return incomplete;
    const final = s.charCodeAt(j);
    if (final < 0x40 || final > 0x7e) return { length: 1, key: 'Escape' };
    const body = s.slice(i + 2, j + 1);
    return { length: j + 1 - i, key: body === '200~' ? 'PasteStart' : (CSI_KEYS[body] ?? `CSI ${body}`) };
  }
  if (next === 'O') {
    const final = s[i + 2];
    if (final === undefined) return incomplete;
    return { length: 3, key: SS3_KEYS[final] ?? `SS3 ${final}` };
  }
  if (next === ESC) return { length: 1, key: 'Escape' };
  // ESC + key is how terminals send Alt/Meta + key.
  const code = s.codePointAt(i + 1)!;
  const char = String.fromCodePoint(code);
  return { length: 1 + char.length, key: `M-${isControl(code) ? controlKeyName(code) : char}` };
}

/** Terminals and tmux send newlines inside a paste as CR; the buffer keeps them as LF. */
function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

class InputParser {
  private readonly decoder = new StringDecoder('utf8');
  /** Decoded text not yet turned into events: a partial escape sequence or an unfinished paste. */
  private pending = '';
  private pasting = false;
  private escTimer: NodeJS.Timeout | undefined;

  constructor(private readonly emit: (event: InputEvent) => void) {}

  feed(chunk: Buffer): void {
    clearTimeout(this.escTimer);
    this.pending += this.decoder.write(chunk);
    this.drain(false);
    if (this.pending !== '' && !this.pasting) this.escTimer = setTimeout(() => this.drain(true), ESC_TIMEOUT_MS);
  }

  private drain(flush: boolean): void {
    const s = this.pending;
    const events: InputEvent[] = [];
    let text = '';
    const flushText = (): void => {
      if (text !== '') events.push({ kind: 'text', text });
      text = '';
    };
    let i = 0;
    while (i < s.length) {
      if (this.pasting) {
        const end = s.indexOf(PASTE_END, i);
        if (end < 0) break;
        events.push({ kind: 'paste', text: normalizeNewlines(s.slice(i, end)) });
        this.pasting = false;
        i = end + PASTE_END.length;
        continue;
      }
      const code = s.codePointAt(i)!;
      if (code === 0x1b) {
        const seq = matchEscape(s, i, flush);
        if (!seq) break;
        flushText();
        if (seq.key === 'PasteStart') this.pasting = true;
        else events.push({ kind: 'key', key: seq.key });
        i += seq.length;
        continue;
      }
      if (isControl(code)) {
        flushText();
        events.push({ kind: 'key', key: controlKeyName(code) });
        i++;
        continue;
      }
      const char = String.fromCodePoint(code);
      text += char;
      i += char.length;
    }
    flushText();
    this.pending = s.slice(i);
    for (const event of events) this.emit(event);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Screens

interface DialogOption {
  label: string;
  /** Choosing it quits, as Claude Code does. */
  exits: boolean;
  /** Choosing it leads nowhere offline: the dialog stays (a sign-in that needs a browser). */
  stays?: boolean;
}

interface DialogScreen {
  body: (cwd: string) => string[];
  options: DialogOption[];
}

const DIALOGS: Record<DialogName, DialogScreen> = {
  trust: {
    body: (cwd) => [
      ' Accessing workspace:',
      '',
      ` ${cwd}`,
      '',
      " Quick safety check: Is this a project you created or one you trust? (Like your own code, a well-known open source project, or work from your team). If not, take a moment to review what's in this folder first.",
      '',
      " Claude Code'll be able to read, edit, and execute files here.",
    ],
    options: [
      { label: 'Yes, I trust this folder', exits: false },
      { label: 'No, exit', exits: true },
    ],
  },
  bypass: {
    body: () => [
      ' WARNING: Claude Code running in Bypass Permissions mode',
      '',
      ' In Bypass Permissions mode, Claude Code will not ask for your approval before running potentially dangerous commands.',
      ' This mode should only be used in a sandboxed container/VM that has restricted internet access and can easily be restored if damaged.',
      '',
      ' By proceeding, you accept all responsibility for actions taken while running in Bypass Permissions mode.',
    ],
    options: [
      { label: 'No, exit', exits: true },
      { label: 'Yes, I accept', exits: false },
    ],
  },
  login: {
    body: () => [' Claude Code can be used with your Claude subscription or billed based on API usage through your Console account.', '', ' Select login method:'],
    options: [
      { label: 'Claude account with subscription · Pro, Max, Team, or Enterprise', exits: false, stays: true },
      { label: 'Anthropic Console account · API usage billing', exits: false, stays: true },
    ],
  },
};

const DIALOG_FOOTER = ' Enter to confirm · Esc to cancel';
const HANG_LINE = 'Starting up…';
const BOX_INNER_WIDTH = 43;
const RULE = '─'.repeat(44);
const STATUS_IDLE = '  ⏵⏵ bypass permissions on (shift+tab to cycle)';
const STATUS_BUSY = '  ✻ Working… (esc to interrupt)';
const CTRL_C_HINT = '  Press Ctrl-C again to exit';
const CTRL_C_WINDOW_MS = 2000;
/** Long enough after drawing a screen for a poller's capture-pane to see it. */
const EXIT_AFTER_DRAW_MS = 300;

function dialogLines(dialog: DialogScreen, cwd: string, cursor: number): string[] {
  const options = dialog.options.map((option, i) => ` ${i === cursor ? '❯ ' : '  '}${i + 1}. ${option.label}`);
  return [...dialog.body(cwd), '', ...options, '', DIALOG_FOOTER];
}

function boxLine(text: string): string {
  return `│${text.padEnd(BOX_INNER_WIDTH)}│`;
}

const WELCOME_BOX = [
  `╭${'─'.repeat(BOX_INNER_WIDTH)}╮`,
  boxLine(' ✻ Welcome back!'),
  boxLine('   sim agent (polecat test double)'),
  `╰${'─'.repeat(BOX_INNER_WIDTH)}╯`,
  '',
];

/** Newlines stay in the buffer but would break the layout, so they are drawn as ↵. */
function showText(text: string): string {
  return text.replace(/\r?\n|\r/g, '↵');
}

function codePoints(text: string): number {
  return Array.from(text).length;
}

interface ReadyState {
  transcript: string[];
  input: string;
  busy: boolean;
  /** A permission prompt for this tool is up, in place of the input box. */
  asking: string | undefined;
  ctrlCArmed: boolean;
  promptPrefix: string;
}

/** Claude's permission prompt, drawn where its input box was. */
const permissionLines = (tool: string) => [RULE, ` ${tool} command`, '', ' Do you want to proceed?', ' ❯ 1. Yes', '   2. No, and tell Claude what to do differently (esc)', ''];

function readyLines(state: ReadyState, rows: number, columns: number): string[] {
  const promptLine = state.promptPrefix + showText(state.input);
  const footer = state.asking !== undefined ? permissionLines(state.asking) : [RULE, promptLine, RULE, state.busy ? STATUS_BUSY : STATUS_IDLE];
  if (state.ctrlCArmed) footer.push(CTRL_C_HINT);
  const promptRows = Math.max(1, Math.ceil(codePoints(promptLine) / Math.max(1, columns)));
  const room = rows - WELCOME_BOX.length - footer.length - (promptRows - 1);
  const transcript = room > 0 ? state.transcript.slice(-room) : [];
  return [...WELCOME_BOX, ...transcript, ...footer];
}

// ---------------------------------------------------------------------------------------------------------------
// Terminal

const CLEAR_SCREEN = '\x1b[2J\x1b[H';
const BRACKETED_PASTE_ON = '\x1b[?2004h';
const BRACKETED_PASTE_OFF = '\x1b[?2004l';

/** The pane may already be gone (SIGHUP, --ignore-term), and writing to it must not crash the sim. */
function write(data: string): void {
  try {
    process.stdout.write(data);
  } catch {
    // ignored: see above
  }
}

function setRawMode(on: boolean): void {
  try {
    if (process.stdin.isTTY) process.stdin.setRawMode(on);
  } catch {
    // ignored: the terminal is gone
  }
}

function terminalSize(): { rows: number; columns: number } {
  try {
    if (process.stdout.isTTY) {
      const [columns, rows] = process.stdout.getWindowSize();
      return { rows, columns };
    }
  } catch {
    // fall through to the default
  }
  return { rows: 24, columns: 80 };
}


// ---------------------------------------------------------------------------------------------------------------
// Hooks, as Claude Code runs them

type HookCommands = Record<string, string[]>;

function readHooks(file: string | undefined): HookCommands {
  if (file === undefined) return {};
  const settings = JSON.parse(readFileSync(file, 'utf8')) as { hooks?: Record<string, Array<{ hooks?: Array<{ type?: string; command?: string }> }>> };
  const commands: HookCommands = {};
  for (const [event, groups] of Object.entries(settings.hooks ?? {})) {
    commands[event] = groups.flatMap((group) => (group.hooks ?? []).filter((hook) => hook.type === 'command' && typeof hook.command === 'string').map((hook) => hook.command!));
  }
  return commands;
}

class Hooks {
  private readonly commands: HookCommands;
  private readonly session: string;
  /** One hook at a time, in order, as Claude waits for each. */
  private queue: Promise<void> = Promise.resolve();

  constructor(file: string | undefined, private readonly log: (event: string, data?: LogData) => void, session?: string) {
    this.commands = readHooks(file);
    this.session = session ?? randomUUID();
  }

  private payload(event: string, fields: Record<string, unknown>): string {
    return JSON.stringify({ session_id: this.session, transcript_path: '', cwd: process.cwd(), hook_event_name: event, ...fields });
  }

  fire(event: string, fields: Record<string, unknown> = {}): void {
    for (const command of this.commands[event] ?? []) {
      const input = this.payload(event, fields);
      this.queue = this.queue.then(
        () =>
          new Promise<void>((resolve) => {
            const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'ignore', 'ignore'] });
            child.on('error', () => resolve()).on('exit', () => resolve());
            child.stdin.on('error', () => {});
            child.stdin.end(input);
          }),
      );
    }
    if (this.commands[event]?.length) this.log('hook', { name: event });
  }

  /** At exit there is no event loop left to wait on: SessionEnd's hooks run to their end first. */
  fireNow(event: string, fields: Record<string, unknown> = {}): void {
    for (const command of this.commands[event] ?? []) spawnSync('/bin/sh', ['-c', command], { input: this.payload(event, fields), stdio: ['pipe', 'ignore', 'ignore'], timeout: 1_500 });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The sim

type Phase = 'starting' | 'dialog' | 'hang' | 'ready';

/** A child that only SIGKILL ends, to check the manager cleans up the whole process group. */
const STUBBORN_CHILD = "process.on('SIGTERM', () => {}); process.on('SIGHUP', () => {}); setInterval(() => {}, 1000);";

const TERM_SIGNALS: Record<string, number> = { SIGTERM: 143, SIGHUP: 129 };

class Sim {
  private phase: Phase = 'starting';
  private dialogIndex = 0;
  private cursor = 0;
  private readonly ready: ReadyState;
  private busyTimer: NodeJS.Timeout | undefined;
  private lastScreen: string | undefined;
  private exitScheduled = false;
  private exited = false;
  private readonly hooks: Hooks;
  private sessionStarted = false;

  constructor(
    private readonly options: Options,
    private readonly log: (event: string, data?: LogData) => void,
  ) {
    this.hooks = new Hooks(options.settingsFile, log, options.resume);
    this.ready = {
      transcript: [],
      input: '',
      busy: false,
      asking: undefined,
      ctrlCArmed: false,
      promptPrefix: options.promptNbsp ? '❯\u00a0' : '❯ ',
    };
  }

  async start(): Promise<void> {
    this.log('start', { pid: process.pid, argv: process.argv.slice(2), extra: this.options.extra, cwd: process.cwd() });
    if (this.options.spawnChild) this.spawnChild();
    this.setUpTerminal();
    this.render();
    await new Promise((resolve) => setTimeout(resolve, this.options.startupMs));
    if (this.options.exitAt === 'start') return this.exit(this.options.exitCode);
    this.showDialogOrContinue();
  }

  exit(code: number): void {
    if (this.exited) return;
    this.exited = true;
    if (this.sessionStarted) this.hooks.fireNow('SessionEnd', { reason: 'prompt_input_exit' });
    write(BRACKETED_PASTE_OFF);
    setRawMode(false);
    this.log('exit', { code });
    process.exit(code);
  }

  /** For exits Node makes on its own (e.g. an uncaught error), so the log still ends with `exit`. */
  logUnplannedExit(code: number): void {
    if (!this.exited) this.log('exit', { code });
  }

  private spawnChild(): void {
    const child = spawn(process.execPath, ['-e', STUBBORN_CHILD], { stdio: 'ignore', detached: false });
    child.on('error', () => {});
    this.log('child', { pid: child.pid });
  }

  private setUpTerminal(): void {
    setRawMode(true);
    write(BRACKETED_PASTE_ON);
    process.stdout.on('error', () => {});
    process.stdin.on('error', () => {});
    const parser = new InputParser((event) => this.onInput(event));
    process.stdin.on('data', (chunk: Buffer) => parser.feed(chunk));
    process.on('SIGWINCH', () => this.render());
    for (const signal of Object.keys(TERM_SIGNALS)) process.on(signal, () => this.onTermSignal(signal));
    // Raw mode turns C-c into input, so SIGINT only comes from kill(1).
    process.on('SIGINT', () => {
      this.log('signal', { signal: 'SIGINT' });
      this.exit(130);
    });
    // A real TUI stays up until told to leave, even if stdin closes.
    setInterval(() => {}, 1 << 30);
  }

  private onTermSignal(signal: string): void {
    this.log('signal', { signal });
    if (!this.options.ignoreTerm) this.exit(TERM_SIGNALS[signal]!);
  }

  // --- screens -------------------------------------------------------------------------------------------------

  private screenName(): string | undefined {
    switch (this.phase) {
      case 'starting':
        return undefined;
      case 'dialog':
        return this.options.dialogs[this.dialogIndex];
      case 'hang':
        return 'hang';
      case 'ready':
        return this.ready.busy ? 'busy' : 'prompt';
    }
  }

  private screenLines(): string[] {
    const { rows, columns } = terminalSize();
    switch (this.phase) {
      case 'starting':
        return [];
      case 'dialog':
        return dialogLines(DIALOGS[this.options.dialogs[this.dialogIndex]!], process.cwd(), this.cursor);
      case 'hang':
        return [HANG_LINE];
      case 'ready':
        return readyLines(this.ready, rows, columns);
    }
  }

  private render(): void {
    if (this.exited) return;
    write(CLEAR_SCREEN + this.screenLines().join('\r\n'));
    // Logged on change only: redraws for each keystroke are not new screens.
    const name = this.screenName();
    if (name !== undefined && name !== this.lastScreen) this.log('screen', { name });
    this.lastScreen = name;
  }

  private scheduleExit(): void {
    this.exitScheduled = true;
    setTimeout(() => this.exit(this.options.exitCode), EXIT_AFTER_DRAW_MS);
  }

  private showDialogOrContinue(): void {
    const name = this.options.dialogs[this.dialogIndex];
    if (name !== undefined) {
      this.phase = 'dialog';
      this.cursor = 0;
      this.render();
      if (this.options.exitAt === name) this.scheduleExit();
      return;
    }
    this.phase = this.options.hang ? 'hang' : 'ready';
    this.render();
    if (this.phase === 'ready' && !this.sessionStarted) {
      this.sessionStarted = true;
      this.hooks.fire('SessionStart', { source: this.options.resume !== undefined ? 'resume' : 'startup' });
    }
    if (this.phase === 'ready' && this.options.exitAt === 'prompt') this.scheduleExit();
  }

  // --- input ---------------------------------------------------------------------------------------------------

  private onInput(event: InputEvent): void {
    if (event.kind === 'key') this.log('key', { key: event.key });
    else this.log(event.kind, { text: event.text });
    if (this.exitScheduled || this.exited) return;
    if (this.phase === 'dialog') this.onDialogInput(event);
    else if (this.phase === 'ready' && !this.options.ignoreInput) this.onReadyInput(event);
    // While starting or hung, keys are read (and logged) but do nothing.
  }

  private onDialogInput(event: InputEvent): void {
    if (event.kind === 'key') return this.onDialogKey(event.key);
    // Each typed character is a keypress: "12" answers this dialog with 1 and the next one with 2.
    const [first, ...rest] = Array.from(event.text);
    if (first === undefined) return;
    const options = DIALOGS[this.options.dialogs[this.dialogIndex]!].options;
    const number = Number(first);
    if (/^[1-9]$/.test(first) && number <= options.length) {
      this.cursor = number - 1;
      this.render();
      this.confirm();
    }
    if (rest.length > 0 && !this.exited) {
      const remaining: InputEvent = { kind: event.kind, text: rest.join('') };
      if (this.phase === 'dialog') this.onDialogInput(remaining);
      else if (this.phase === 'ready') this.onReadyInput(remaining);
    }
  }

  private onDialogKey(key: string): void {
    const last = DIALOGS[this.options.dialogs[this.dialogIndex]!].options.length - 1;
    switch (key) {
      case 'Up':
      case 'Down':
        this.cursor = Math.min(last, Math.max(0, this.cursor + (key === 'Up' ? -1 : 1)));
        return this.render();
      case 'Enter':
        return this.confirm();
      case 'Escape':
      case 'C-c':
        return this.exit(0);
    }
  }

  private confirm(): void {
    const name = this.options.dialogs[this.dialogIndex]!;
    const option = DIALOGS[name].options[this.cursor]!;
    this.log('answer', { dialog: name, option: option.label });
    if (option.exits) return this.exit(0);
    if (this.options.ignoreAnswers || option.stays) return this.render();
    if (this.options.echoAnswers) this.ready.transcript.push(...dialogLines(DIALOGS[name], process.cwd(), this.cursor), '');
    this.dialogIndex++;
    if (this.options.dialogsAgain && this.dialogIndex === this.options.dialogs.length) {
      // Gone for a moment, then back as it was.
      this.options.dialogsAgain = false;
      this.dialogIndex = 0;
      this.phase = 'starting';
      this.render();
      setTimeout(() => this.showDialogOrContinue(), 300);
      return;
    }
    this.showDialogOrContinue();
  }

  private onReadyInput(event: InputEvent): void {
    if (this.ready.asking !== undefined) return this.answerPermission(event);
    if (event.kind !== 'key') {
      this.ready.input += event.text;
      return this.render();
    }
    switch (event.key) {
      case 'Backspace':
        this.ready.input = Array.from(this.ready.input).slice(0, -1).join('');
        return this.render();
      case 'Enter':
        return this.submit();
      case 'Escape':
        return this.stopBusy();
      case 'C-c':
        return this.onCtrlC();
    }
  }

  private submit(): void {
    const text = this.ready.input;
    // Like Claude Code, an empty prompt is not sent.
    if (text === '') return;
    this.log('submit', { text });
    this.ready.transcript.push(`> ${showText(text)}`, `⏺ Received ${codePoints(text)} chars`);
    this.ready.input = '';
    this.hooks.fire('UserPromptSubmit', { prompt: text });
    const tool = this.options.tool;
    if (tool !== undefined) {
      this.hooks.fire('PreToolUse', { tool_name: tool, tool_input: {} });
      if (this.options.askPermission) {
        // As Claude: the request, then (once the prompt has waited) the notification; the turn waits for the answer.
        this.hooks.fire('PermissionRequest', { tool_name: tool, tool_input: {} });
        this.hooks.fire('Notification', { notification_type: 'permission_prompt', message: `Claude needs your permission to use ${tool}` });
        this.ready.asking = tool;
        return this.render();
      }
      this.hooks.fire('PostToolUse', { tool_name: tool, tool_input: {}, tool_response: {} });
    }
    this.goOnWithTurn();
  }

  /** After its tool (if any): busy for --turn-ms, then the turn ends. */
  private goOnWithTurn(): void {
    if (this.options.busyMs > 0) this.startBusy();
    else this.endTurn();
  }

  private answerPermission(event: InputEvent): void {
    const tool = this.ready.asking!;
    const allowed = (event.kind === 'key' && event.key === 'Enter') || (event.kind !== 'key' && event.text === '1');
    const denied = (event.kind === 'key' && event.key === 'Escape') || (event.kind !== 'key' && event.text === '2');
    if (!allowed && !denied) return;
    this.log('permission', { tool, allowed });
    this.ready.asking = undefined;
    if (denied) {
      // Claude fires no hook for a denial: the turn ends, said on screen only.
      this.ready.transcript.push('  ⎿  Interrupted · What should Claude do instead?');
      return this.render();
    }
    this.hooks.fire('PostToolUse', { tool_name: tool, tool_input: {}, tool_response: {} });
    this.goOnWithTurn();
  }

  private startBusy(): void {
    clearTimeout(this.busyTimer);
    this.ready.busy = true;
    this.busyTimer = setTimeout(() => this.stopBusy(true), this.options.busyMs);
    this.render();
  }

  /** The turn ends: done, or interrupted by Esc (no hook fires, as in Claude). */
  private stopBusy(done = false): void {
    if (!this.ready.busy) return;
    clearTimeout(this.busyTimer);
    this.ready.busy = false;
    if (done) return this.endTurn();
    this.ready.transcript.push('  ⎿  Interrupted · What should Claude do instead?');
    this.render();
  }

  /** Stop, or with --fail-turn StopFailure and the API error on screen. */
  private endTurn(): void {
    const fail = this.options.failTurn;
    if (fail === undefined) {
      this.hooks.fire('Stop', { last_assistant_message: 'done' });
      return this.render();
    }
    this.hooks.fire('StopFailure', { error: fail });
    const showError = () => {
      this.ready.busy = false;
      this.ready.transcript.push(FAIL_LINES[fail]);
      this.render();
    };
    if (this.options.failScreenAfterMs === 0) return showError();
    // The spinner stays up a while: a screen that has not caught up with the hook that ended the turn.
    this.ready.busy = true;
    this.render();
    this.busyTimer = setTimeout(showError, this.options.failScreenAfterMs);
  }

  private onCtrlC(): void {
    if (this.options.ignoreCtrlC) return;
    if (this.ready.input !== '') {
      this.ready.input = '';
      return this.render();
    }
    if (this.ready.ctrlCArmed) return this.exit(0);
    this.ready.ctrlCArmed = true;
    setTimeout(() => {
      this.ready.ctrlCArmed = false;
      this.render();
    }, CTRL_C_WINDOW_MS);
    this.render();
  }
}

// ---------------------------------------------------------------------------------------------------------------

function main(): void {
  let options: Options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`sim agent: ${error.message}\n`);
    process.exit(2);
  }
  const sim = new Sim(options, makeLogger(options.logFile));
  process.on('exit', (code) => sim.logUnplannedExit(code));
  void sim.start();
}

main();
