/**
 * Reading an agent's screen: known startup dialogs, their options and cursor, the ready prompt and the busy line.
 * Pure functions over captured pane text, so each can be tested against real captured screens.
 */

export interface DialogDefinition {
  readonly id: string;
  /** Any of these texts on screen identifies the dialog. */
  readonly markers: readonly string[];
  /**
   * Labels of the option polecat chooses, in order of preference (wordings differ between versions). A label also
   * matches an option that adds a parenthesised detail: `Trust folder` matches `Trust folder (/work/x)`.
   */
  readonly answers: readonly string[];
  /**
   * For dialogs without numbered options: the key that chooses the answer, as tmux names keys (`a`, `Enter`,
   * `Escape`); answers[0] then says what it chooses.
   */
  readonly hotkey?: string;
}

/**
 * Startup dialogs of the agents polecat starts, by their own wording. Order matters where markers overlap: Cursor's
 * trust screen also asks "Do you trust the contents of this directory?", so it comes before Codex's.
 */
export const DIALOGS: readonly DialogDefinition[] = [
  { id: 'trust', markers: ['Quick safety check', 'Yes, I trust this folder'], answers: ['Yes, I trust this folder'] },
  { id: 'bypass', markers: ['Bypass Permissions mode'], answers: ['Yes, I accept'] },
  // The caller exported the key for its agents (it is on the credential allow-list): use it.
  { id: 'api-key', markers: ['Detected a custom API key'], answers: ['Yes'] },
  { id: 'cursor-trust', markers: ['Workspace Trust Required'], answers: ['Trust this workspace'], hotkey: 'a' },
  { id: 'codex-trust', markers: ['Trust this folder? Codex can'], answers: ['Trust and continue'] },
  // An update would replace the agent under a starting session: skip it. ("Update available!" is the banner left
  // above the prompt after Skip, not the dialog.)
  { id: 'codex-update', markers: ['Update available · '], answers: ['Skip'] },
  { id: 'folder-trust', markers: ['Do you trust the files in this folder?', 'Confirm folder trust'], answers: ['Trust folder', 'Yes, proceed', 'Yes'] },
  // Amp's introduction, once per home: a page at a time.
  { id: 'amp-intro', markers: ['Space to continue'], answers: ['Space to continue'], hotkey: 'Space' },
  { id: 'amp-get-started', markers: ['Enter to get started'], answers: ['Enter to get started'], hotkey: 'Enter' },
  // Auggie's introduction, once per home: Esc skips it with its tips (Enter would page through four screens).
  { id: 'auggie-welcome', markers: ['Welcome to Augment Code!', 'Tips for using Auggie'], answers: ['esc to skip'], hotkey: 'Escape' },
];

function labelMatches(label: string, answer: string): boolean {
  return label === answer || label.startsWith(`${answer} (`);
}

/** The on-screen label of the option to choose in this dialog, if one of its answers is among the options. */
export function pickAnswer(options: readonly DialogOption[], dialog: DialogDefinition): string | undefined {
  for (const answer of dialog.answers) {
    const option = options.find((o) => labelMatches(o.label, answer));
    if (option) return option.label;
  }
  return undefined;
}

export interface DialogOption {
  readonly number: number;
  readonly label: string;
  readonly selected: boolean;
  readonly line: number;
}

const NBSP = /\u00a0/g;
/** What agents draw on the option under their cursor. */
const CURSOR_GLYPHS = '❯>›▶●→';
const CURSOR = new RegExp(`^[${CURSOR_GLYPHS}]$`, 'u');

export function normalizeScreen(screen: string): string {
  return screen.replace(NBSP, ' ');
}

export function recognizeDialog(screen: string, dialogs: readonly DialogDefinition[] = DIALOGS): DialogDefinition | undefined {
  const text = normalizeScreen(screen);
  return dialogs.find(
    (dialog) => dialog.markers.some((marker) => text.includes(marker)) && dialog.answers.some((answer) => text.includes(answer)),
  );
}

/** Numbered options (`❯ 1. Yes`, `  2. No`), with the one the cursor is on marked selected. */
export function parseOptions(screen: string): DialogOption[] {
  const options: DialogOption[] = [];
  normalizeScreen(screen)
    .split('\n')
    .forEach((raw, line) => {
      const match = /^[\s│]*([^\s\d])?\s*(\d+)\.\s+(.+?)\s*│?\s*$/u.exec(raw);
      if (!match) return;
      const marker = match[1];
      if (marker !== undefined && !CURSOR.test(marker)) return;
      options.push({ number: Number(match[2]), label: match[3]!.trim(), selected: marker !== undefined, line });
    });
  return options;
}

/** The keys that move the cursor from where it is to the wanted option, or undefined when either is not on screen. */
export function keysToReach(options: readonly DialogOption[], label: string): string[] | undefined {
  const wanted = options.findIndex((option) => option.label === label);
  const current = options.findIndex((option) => option.selected);
  if (wanted < 0 || current < 0) return undefined;
  const distance = wanted - current;
  return Array<string>(Math.abs(distance)).fill(distance > 0 ? 'Down' : 'Up');
}

/** A cursor on a numbered menu option (`❯ 2. No (recommended)`): a dialog, whatever its wording, not the input prompt. */
const OPTION_CURSOR = /^\S\s*\d+\.\s/u;

/**
 * The agent's input prompt is on screen: a line starting with the prefix (NBSP read as a space) or equal to it.
 * A menu cursor starts the same way and never counts, so an unknown dialog is not taken for readiness.
 */
export function showsPrompt(screen: string, prefix: string): boolean {
  return normalizeScreen(screen)
    .split('\n')
    .some((line) => isPromptLine(line, prefix));
}

/** One line of the screen is the agent's input line: it starts with the prompt prefix and is no option. */
export function isPromptLine(line: string, prefix: string): boolean {
  if (prefix.trim() === '') return false;
  const wanted = normalizeScreen(prefix);
  const text = normalizeScreen(line).replace(/^[\s│]+/u, '').trimEnd();
  return (text.startsWith(wanted) || text === wanted.trim()) && !OPTION_CURSOR.test(text);
}

/** Claude's and Codex's busy line; other agents name theirs in their preset. */
export const BUSY_MARKER = 'esc to interrupt';

export function showsBusy(screen: string, markers: readonly string[] = [BUSY_MARKER]): boolean {
  const text = screen.toLowerCase();
  return markers.some((marker) => text.includes(marker.toLowerCase()));
}

/**
 * A screen no start gets past without the user: a sign-in screen, a "not authenticated" line, an update that must be
 * installed. Seen, it fails the start at once with what to do, instead of at the deadline as an unknown screen.
 */
export interface DeadEnd {
  readonly id: string;
  /** Any of these texts on screen identifies it. */
  readonly markers: readonly string[];
  /** One line: what the user must do, as a command where there is one. */
  readonly advice: string;
}

export const DEAD_ENDS: readonly DeadEnd[] = [
  {
    id: 'claude-login',
    markers: ['Not logged in · Please run /login', 'Not logged in · Run /login', 'Select login method:'],
    advice: 'Claude Code is not logged in: run `claude` as this user and /login, or export ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN for polecat to pass on',
  },
  {
    id: 'codex-login',
    markers: ['Sign in with ChatGPT', 'Sign in with Device Code'],
    advice: 'Codex is not signed in: run `codex login` as this user (with an API key: `printenv OPENAI_API_KEY | codex login --with-api-key`), then start again',
  },
  {
    id: 'gemini-auth',
    markers: ['How would you like to authenticate for this project?', 'No authentication method selected.'],
    advice:
      'Gemini CLI has no sign-in method chosen: run `gemini` as this user and sign in, or export GEMINI_API_KEY and set {"security": {"auth": {"selectedType": "gemini-api-key"}}} in ~/.gemini/settings.json',
  },
  {
    id: 'amp-login',
    markers: ['Would you like to log in to Amp?', 'No API key found. Starting login flow'],
    advice: 'Amp is not signed in: run `amp login` as this user, or export AMP_API_KEY for polecat to pass on',
  },
  {
    id: 'copilot-login',
    markers: ['Please use /login to sign in to use Copilot', 'Authentication token found but could not be validated'],
    advice: 'GitHub Copilot CLI is not signed in: run `copilot` as this user and /login, or export COPILOT_GITHUB_TOKEN (or GH_TOKEN) for polecat to pass on',
  },
  {
    id: 'auggie-login',
    markers: ['Press return to open your browser', 'Paste your login code', "Authentication failed. Please run 'auggie login'"],
    advice: 'Auggie is not signed in: run `auggie login` as this user, or export AUGMENT_SESSION_AUTH for polecat to pass on',
  },
  // What Auggie says (then exits) when Augment's server answers 426: from its source, not seen on a real screen.
  {
    id: 'auggie-upgrade',
    markers: ['Client upgrade required. Please update to the latest version of Augment'],
    advice: "Augment's server asks for a newer Auggie: update it (npm install -g @augmentcode/auggie@latest), then start again",
  },
  {
    id: 'claude-offline',
    markers: ['Unable to connect to Anthropic services'],
    advice: 'Claude Code cannot reach Anthropic: check the network (or the proxy in HTTPS_PROXY), then start again',
  },
];

export function recognizeDeadEnd(screen: string, deadEnds: readonly DeadEnd[] = DEAD_ENDS): DeadEnd | undefined {
  const text = normalizeScreen(screen);
  return deadEnds.find((deadEnd) => deadEnd.markers.some((marker) => text.includes(marker)));
}

/** How to tell an agent's own screen: its input prompt and its busy line. */
export interface ScreenSpec {
  /** Start of the input line when the agent waits for input; empty when there is none to see. */
  readonly promptPrefix: string;
  /** For an input without a prompt character: texts on a line that show the input is up (opencode's footer). */
  readonly readyMarkers?: readonly string[];
  /** Texts the agent shows only while it works (matched without regard to case). */
  readonly busyMarkers: readonly string[];
  /** The start of the startup text: a line holding it is the text echoed, never the agent's dead end. */
  readonly startupHead?: string;
}

/**
 * What an agent's screen shows, read from the bottom: the lowest of its input prompt, its busy line and a dialog is
 * what is live. A dialog's words above the input box or busy line are an old screen (scrollback, an echo of the
 * answer), not a dialog; numbered options below them, or a cursor on an option, are a dialog, known or not, and never
 * readiness. A dead end (sign-in, update required) anywhere on screen wins over everything.
 */
export type ScreenReading =
  | { readonly kind: 'dead-end'; readonly deadEnd: DeadEnd }
  | { readonly kind: 'dialog'; readonly dialog: DialogDefinition; readonly options: readonly DialogOption[]; readonly text: string }
  | { readonly kind: 'menu'; readonly options: readonly DialogOption[] }
  | { readonly kind: 'busy' }
  | { readonly kind: 'ready' }
  | { readonly kind: 'other' };

export function readScreen(screen: string, spec: ScreenSpec, dialogs: readonly DialogDefinition[] = DIALOGS, deadEnds: readonly DeadEnd[] = DEAD_ENDS): ScreenReading {
  const lines = normalizeScreen(screen).split('\n');
  const head = spec.startupHead ?? '';
  const own = head === '' ? screen : lines.filter((line) => !line.replace(/\s+/g, ' ').includes(head)).join('\n');
  const deadEnd = recognizeDeadEnd(own, deadEnds);
  if (deadEnd) return { kind: 'dead-end', deadEnd };
  const readyMarkers = spec.readyMarkers ?? [];
  const promptAt = lines.findLastIndex((line) => isPromptLine(line, spec.promptPrefix) || readyMarkers.some((marker) => line.includes(marker)));
  const busyAt = lines.findLastIndex((line) => showsBusy(line, spec.busyMarkers));
  const liveFrom = Math.max(promptAt, busyAt) + 1;
  const live = lines.slice(liveFrom).join('\n');
  const options = parseOptions(live).map((option) => ({ ...option, line: option.line + liveFrom }));
  const dialog = recognizeDialog(live, dialogs);
  if (dialog) return { kind: 'dialog', dialog, options: dialogOptions(optionGroups(options), dialog), text: dialogText(live) };
  // With no input or busy line to bound what is live, a plain numbered list may be the agent's own text (Gemini's
  // tips): then only a cursor makes a menu.
  if (options.some((option) => option.selected) || (options.length >= 2 && liveFrom > 0)) return { kind: 'menu', options };
  if (busyAt >= 0) return { kind: 'busy' };
  if (promptAt >= 0) return { kind: 'ready' };
  return { kind: 'other' };
}

/** Numbered options in runs: a number not above the one before starts another list (Gemini's tips under its dialog). */
function optionGroups(options: readonly DialogOption[]): DialogOption[][] {
  const groups: DialogOption[][] = [];
  for (const option of options) {
    const group = groups.at(-1);
    if (group && option.number > group.at(-1)!.number) group.push(option);
    else groups.push([option]);
  }
  return groups;
}

/** The dialog's own options: the list holding one of its answers, else the one with the cursor, else the last. */
function dialogOptions(groups: readonly DialogOption[][], dialog: DialogDefinition): DialogOption[] {
  return (
    groups.find((group) => pickAnswer(group, dialog) !== undefined) ??
    groups.find((group) => group.some((option) => option.selected)) ??
    groups.at(-1) ??
    []
  );
}

const CURSOR_ON_OPTION = new RegExp(`^([\\s│]*)[${CURSOR_GLYPHS}](\\s*\\d+\\.\\s)`, 'u');

/** A dialog's words without where its cursor is and without layout: the same dialog reads the same. */
function dialogText(live: string): string {
  return live
    .split('\n')
    .map((line) => line.replace(CURSOR_ON_OPTION, '$1$2'))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The screen can show readiness: the agent has an input prompt or ready markers to look for. */
export function showsReadiness(spec: ScreenSpec): boolean {
  return spec.promptPrefix.trim() !== '' || (spec.readyMarkers ?? []).length > 0;
}

/** The text currently in the agent's input line (after the prompt prefix), or undefined when there is no prompt. */
export function inputLine(screen: string, prefix: string): string | undefined {
  const wanted = normalizeScreen(prefix);
  const lines = normalizeScreen(screen).split('\n');
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    const line = lines[i]!.replace(/^[\s│]+/u, '');
    if (line.startsWith(wanted) || line.trimEnd() === wanted.trim()) return line.slice(wanted.length).replace(/\s*│\s*$/u, '').trimEnd();
  }
  return undefined;
}

/**
 * The last lines of a screen with text, for error messages: tmux's own `Pane is dead` banner is dropped and runs of
 * blank lines are folded, so what the agent last showed is not pushed out by the empty rows below it.
 */
export function lastLines(screen: string, count = 15): string {
  const lines: string[] = [];
  for (const line of screen.split('\n')) {
    if (/^Pane is dead( |$)/.test(line)) continue;
    const blank = line.trim() === '';
    if (blank && (lines.length === 0 || lines[lines.length - 1]!.trim() === '')) continue;
    lines.push(line);
  }
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  return lines.slice(-count).join('\n');
}
