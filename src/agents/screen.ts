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
  /** For dialogs without numbered options: the key that chooses the answer (shown on screen as `[a]`). */
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
  {
    id: 'codex-trust',
    markers: ['Do you trust the contents of this directory?', 'allow Codex to work in this folder'],
    answers: ['Yes, continue', 'Yes, allow Codex to work in this folder without asking for approval'],
  },
  // An update would replace the agent under a starting session: skip it.
  { id: 'codex-update', markers: ['Update available!'], answers: ['Skip'] },
  { id: 'folder-trust', markers: ['Do you trust the files in this folder?', 'Confirm folder trust'], answers: ['Trust folder', 'Yes, proceed', 'Yes'] },
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
const CURSOR = /^[❯>›▶●]$/u;

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
  if (prefix.trim() === '') return false;
  const wanted = normalizeScreen(prefix);
  return normalizeScreen(screen)
    .split('\n')
    .map((line) => line.replace(/^[\s│]+/u, '').trimEnd())
    .some((line) => (line.startsWith(wanted) || line === wanted.trim()) && !OPTION_CURSOR.test(line));
}

export const BUSY_MARKER = 'esc to interrupt';

export function showsBusy(screen: string): boolean {
  return screen.toLowerCase().includes(BUSY_MARKER);
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
