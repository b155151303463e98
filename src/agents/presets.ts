import { join } from 'node:path';
import { NO_WORDS, type ActivityWords } from '../activity/screen-evidence.js';
import { packageRoot } from '../files/package-root.js';
import { BUSY_MARKER } from './screen.js';
import { codexHookArgs } from './settings.js';

/** How an agent takes its first prompt on the command line: as the last word, after a flag, or not at all. */
export type PromptStyle = { readonly kind: 'positional' } | { readonly kind: 'flag'; readonly flag: string } | { readonly kind: 'none' };

export type HooksProvider = 'claude' | 'gemini' | 'cursor' | 'opencode' | 'copilot' | 'none';

/** Where an agent reads its hooks/settings file, relative to the polecats directory (Claude) or the work dir. */
export interface HooksSpec {
  readonly provider: HooksProvider;
  readonly dir: string;
  readonly file: string;
}

/** What polecat needs to know to launch one kind of agent and read its screen. */
export interface AgentPreset {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Names `#{pane_current_command}` shows while the agent runs. */
  readonly processNames: readonly string[];
  readonly prompt: PromptStyle;
  /** The input prompt seen on screen when the agent is ready; empty for agents with none to see. */
  readonly readyPromptPrefix: string;
  /** For agents without a prompt to see: how long to give them before typing. */
  readonly readyDelayMs: number;
  /** For an input without a prompt character: texts on a line that show the input is up. */
  readonly readyMarkers: readonly string[];
  /** Texts shown only while the agent works on a prompt (matched without regard to case). */
  readonly busyMarkers: readonly string[];
  /** false for an agent that never shows the startup text it took on its command line. */
  readonly showsStartupText: boolean;
  /** Its words on screen for a permission prompt, an interrupted turn and an API error (activity, by the screen). */
  readonly activityWords: ActivityWords;
  readonly hooks: HooksSpec;
  readonly env: Readonly<Record<string, string>>;
  /**
   * The arguments that continue its previous conversation when a supervisor restarts it (`{session}`: the session
   * id its hooks reported); empty for an agent that cannot, which then starts afresh with its startup text.
   */
  readonly resume: readonly string[];
}

export function simAgentScript(): string {
  return join(packageRoot(), 'dist', 'src', 'sim', 'agent.js');
}

/** In a preset's `resume` arguments: the session id to continue. */
export const SESSION_PLACEHOLDER = '{session}';

const NO_HOOKS: HooksSpec = { provider: 'none', dir: '', file: '' };
const positional: PromptStyle = { kind: 'positional' };

type PresetDefaults = 'name' | 'env' | 'hooks' | 'readyPromptPrefix' | 'readyMarkers' | 'readyDelayMs' | 'busyMarkers' | 'showsStartupText' | 'activityWords' | 'resume';

function preset(name: string, fields: Omit<AgentPreset, PresetDefaults> & Partial<AgentPreset>): AgentPreset {
  return { name, env: {}, hooks: NO_HOOKS, resume: [], readyPromptPrefix: '', readyMarkers: [], readyDelayMs: 0, busyMarkers: [BUSY_MARKER], showsStartupText: true, activityWords: NO_WORDS, ...fields };
}

/** The agents polecat knows, as Gas Town configures them (reference section 5.1). */
export const BUILTIN_PRESETS: Readonly<Record<string, AgentPreset>> = {
  claude: preset('claude', {
    command: 'claude',
    args: ['--dangerously-skip-permissions'],
    processNames: ['node', 'claude'],
    prompt: positional,
    readyPromptPrefix: '❯ ',
    readyDelayMs: 10_000,
    hooks: { provider: 'claude', dir: '.claude', file: 'settings.json' },
    activityWords: { permission: ['Do you want to proceed?'], interrupted: ['Interrupted · What should Claude do instead?'], apiError: ['API Error:'] },
    resume: ['--resume', SESSION_PLACEHOLDER],
  }),
  codex: preset('codex', {
    command: 'codex',
    // Without --no-daemon Codex copies itself into ~/.codex and starts a shared server that outlives the session.
    // Its update offer drops the prompt given on the command line (0.171), and updating is the user's to do.
    args: ['--dangerously-bypass-approvals-and-sandbox', '--no-daemon', '-c', 'check_for_update_on_startup=false', ...codexHookArgs()],
    processNames: ['node', 'codex'],
    // Held back until its dialogs are answered, then submitted by Codex itself.
    prompt: positional,
    readyPromptPrefix: '› ',
    readyDelayMs: 3_000,
  }),
  gemini: preset('gemini', {
    command: 'gemini',
    args: ['--approval-mode', 'yolo'],
    processNames: ['node', 'gemini'],
    prompt: { kind: 'flag', flag: '-i' },
    readyPromptPrefix: '* ',
    readyDelayMs: 5_000,
    busyMarkers: ['(esc to cancel'],
    hooks: { provider: 'gemini', dir: '.gemini', file: 'settings.json' },
    // The polecat's own worktree, trusted as Claude's and Codex's are. Answered in its dialog instead, Gemini (0.61)
    // restarts itself, and the untrusted first instance has already sent the startup text: it would run twice.
    env: { GEMINI_CLI_TRUST_WORKSPACE: 'true' },
  }),
  cursor: preset('cursor', {
    command: 'cursor-agent',
    args: ['-f'],
    processNames: ['cursor-agent', 'agent'],
    prompt: positional,
    readyDelayMs: 5_000,
    hooks: { provider: 'cursor', dir: '.cursor', file: 'hooks.json' },
  }),
  opencode: preset('opencode', {
    command: 'opencode',
    args: [],
    processNames: ['opencode', 'node', 'bun'],
    prompt: { kind: 'flag', flag: '--prompt' },
    readyDelayMs: 8_000,
    // No prompt character: its input box's footer shows the input is up.
    readyMarkers: ['ctrl+p commands'],
    busyMarkers: ['esc interrupt'],
    hooks: { provider: 'opencode', dir: '.opencode/plugins', file: 'gastown.js' },
    // An update would replace the agent under the running polecats: as for Codex, it is the user's to run.
    env: { OPENCODE_PERMISSION: '{"*":"allow"}', OPENCODE_DISABLE_AUTOUPDATE: '1' },
  }),
  copilot: preset('copilot', {
    command: 'copilot',
    args: ['--yolo'],
    processNames: ['node', 'copilot'],
    prompt: { kind: 'flag', flag: '-i' },
    readyPromptPrefix: '❯ ',
    readyDelayMs: 5_000,
    busyMarkers: ['esc interrupt'],
    hooks: { provider: 'copilot', dir: '.github/hooks', file: 'gastown.json' },
  }),
  amp: preset('amp', {
    command: 'amp',
    args: ['--dangerously-allow-all', '--no-ide'],
    processNames: ['amp', 'node'],
    // Amp ignores a prompt on its command line: the startup text is typed into its input box.
    prompt: { kind: 'none' },
    readyMarkers: ['ctrl+o for commands'],
    // Its animation redraws the screen every frame (nothing would look settled); its update check runs npm.
    env: { NO_ANIMATION: '1', AMP_SKIP_UPDATE_CHECK: '1' },
  }),
  auggie: preset('auggie', {
    command: 'auggie',
    args: ['--allow-indexing'],
    processNames: ['node', 'auggie'],
    prompt: positional,
    readyPromptPrefix: '› ',
    busyMarkers: ['esc to interrupt'],
    // Auggie upgrades itself in place when npm has a newer version: under running polecats, that is the user's call.
    env: { AUGMENT_DISABLE_AUTO_UPDATE: '1' },
  }),
  sim: preset('sim', {
    command: process.execPath,
    get args() {
      return [simAgentScript()];
    },
    processNames: ['node'],
    prompt: { kind: 'none' },
    readyPromptPrefix: '❯ ',
    resume: ['--resume', SESSION_PLACEHOLDER],
  }),
};

export const DEFAULT_AGENT = 'claude';
