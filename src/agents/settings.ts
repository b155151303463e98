import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../files/atomic.js';
import { READY_HOOK_ARGV, READY_HOOK_COMMAND } from '../tmux/hook-commands.js';
import type { AgentPreset, HooksProvider } from './presets.js';
import { HOOK_NAMES } from '../../machines/activity.js';
import { EVENT_FILE_IN_HOOK, hookCommand, scriptHookCommand } from '../activity/hook-command.js';
import type { HookName } from '../../machines/activity.js';

export interface SettingsPlan {
  /** The file to ensure, or undefined when the agent keeps no settings file. */
  readonly path: string | undefined;
  /** Extra arguments that make the agent read it. */
  readonly args: readonly string[];
  /** The user's own --settings file that `path` is a copy of with polecat's hooks added (resolved from the work dir). */
  readonly mergedFrom?: string;
  /** How the agent's own arguments change: the user's --settings names the merged copy instead. */
  readonly rewrite?: (args: readonly string[]) => string[];
}

/** Where the user's `--settings` value is in these arguments: `--settings X` or `--settings=X`. */
function findOwnSettings(args: readonly string[]): { index: number; value: string; joined: boolean } | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--settings' && args[i + 1] !== undefined) return { index: i + 1, value: args[i + 1]!, joined: false };
    if (args[i]!.startsWith('--settings=')) return { index: i, value: args[i]!.slice('--settings='.length), joined: true };
  }
  return undefined;
}

/** The user's --settings is a file (not settings written out as JSON on the command line, which polecat leaves alone). */
export function ownSettingsFile(args: readonly string[]): string | undefined {
  const own = findOwnSettings(args);
  return own !== undefined && !own.value.trimStart().startsWith('{') ? own.value : undefined;
}

/**
 * Claude reads its polecat settings from the rig's shared polecats directory, outside any worktree, named with
 * `--settings`; the other agents read theirs from inside the work directory. A settings file the user names on
 * Claude's command line is theirs: the agent is given a copy with polecat's hooks added, in the town's runtime
 * directory, and the user's file is left as it is.
 */
export function settingsPlan(
  preset: AgentPreset,
  polecatsDir: string,
  workDir: string,
  extraArgs: readonly string[] = [],
  mergedPath?: string,
): SettingsPlan {
  const { provider, dir, file } = preset.hooks;
  if (provider === 'none' || file === '') return { path: undefined, args: [] };
  if (provider === 'claude') {
    const given = [...preset.args, ...extraArgs].some((arg) => arg === '--settings' || arg.startsWith('--settings='));
    if (given) {
      const own = ownSettingsFile([...preset.args, ...extraArgs]);
      if (own === undefined || mergedPath === undefined) return { path: undefined, args: [] };
      const rewrite = (args: readonly string[]) => {
        const found = findOwnSettings(args);
        if (!found) return [...args];
        const next = [...args];
        next[found.index] = found.joined ? `--settings=${mergedPath}` : mergedPath;
        return next;
      };
      return { path: mergedPath, args: [], mergedFrom: resolve(workDir, own), rewrite };
    }
    const path = join(polecatsDir, dir, file);
    return { path, args: ['--settings', path] };
  }
  return { path: join(workDir, dir, file), args: [] };
}

const sessionStartHook = { matcher: '', hooks: [{ type: 'command', command: READY_HOOK_COMMAND }] };

/** Claude's hooks: every event reports itself to the polecat's event file; SessionStart also tells polecat it is up. */
function claudeHooks(): Record<string, unknown> {
  return Object.fromEntries(
    HOOK_NAMES.map((name) => {
      const report = { type: 'command', command: hookCommand(name), timeout: 5 };
      const hooks = name === 'SessionStart' ? [...sessionStartHook.hooks, report] : [report];
      return [name, [{ matcher: '', hooks }]];
    }),
  );
}

/**
 * Gemini's hooks (0.61: on by default, run by `bash -c` in a trusted folder), each reported under the name of the
 * Claude event it means. PreCompress is left out: it fires before nearly every model call, compressing or not.
 * Its Notification has one kind, ToolPermission.
 */
const GEMINI_HOOKS: ReadonlyArray<readonly [string, HookName]> = [
  ['SessionStart', 'SessionStart'],
  ['BeforeAgent', 'UserPromptSubmit'],
  ['BeforeTool', 'PreToolUse'],
  ['AfterTool', 'PostToolUse'],
  ['Notification', 'PermissionRequest'],
  ['AfterAgent', 'Stop'],
  ['SessionEnd', 'SessionEnd'],
];

function geminiHooks(): Record<string, unknown> {
  return Object.fromEntries(
    GEMINI_HOOKS.map(([theirs, ours]) => {
      // Gemini's timeouts are in milliseconds.
      const report = { type: 'command', command: hookCommand(ours), timeout: 5_000 };
      const hooks = theirs === 'SessionStart' ? [...sessionStartHook.hooks, report] : [report];
      return [theirs, [{ matcher: '', hooks }]];
    }),
  );
}

/**
 * Codex's hooks (0.171), given on its command line: each runs the town's hook script (the whole command for every
 * event would not fit), and is let run without Codex's per-hook trust (--dangerously-bypass-hook-trust). Its
 * Interrupt (Esc in a turn) ends the turn as Stop does; it has no Notification or StopFailure.
 */
const CODEX_HOOKS: ReadonlyArray<readonly [string, HookName]> = [
  ['SessionStart', 'SessionStart'],
  ['UserPromptSubmit', 'UserPromptSubmit'],
  ['PreToolUse', 'PreToolUse'],
  ['PermissionRequest', 'PermissionRequest'],
  ['PostToolUse', 'PostToolUse'],
  ['Stop', 'Stop'],
  ['Interrupt', 'Stop'],
  ['PreCompact', 'PreCompact'],
  ['PostCompact', 'PostCompact'],
  ['SubagentStart', 'SubagentStart'],
  ['SubagentStop', 'SubagentStop'],
  ['SessionEnd', 'SessionEnd'],
];

export function codexHookArgs(): string[] {
  // A TOML basic string takes JSON's escapes.
  const table = (ours: HookName) => `[{hooks=[{type="command",command=${JSON.stringify(scriptHookCommand(ours))},timeout=5}]}]`;
  return ['--dangerously-bypass-hook-trust', ...CODEX_HOOKS.flatMap(([theirs, ours]) => ['-c', `hooks.${theirs}=${table(ours)}`])];
}

/** Whether a settings file of this provider, as it is, carries polecat's activity hooks. */
export function hasActivityHooks(content: string): boolean {
  return content.includes(JSON.stringify(EVENT_FILE_IN_HOOK).slice(1, -1));
}

/** What polecat writes for each provider when the file is missing. */
export function settingsTemplate(provider: Exclude<HooksProvider, 'none'>): { content: string; mode: number } {
  const json = (value: unknown) => ({ content: `${JSON.stringify(value, null, 2)}\n`, mode: 0o600 });
  switch (provider) {
    case 'claude':
      return json({ skipDangerousModePermissionPrompt: true, editorMode: 'normal', hooks: claudeHooks() });
    case 'gemini':
      return json({ hooks: geminiHooks() });
    case 'cursor':
      return json({ version: 1, hooks: {} });
    case 'copilot':
      return json({ version: 1, hooks: { sessionStart: [{ type: 'command', bash: READY_HOOK_COMMAND }] } });
    case 'opencode': {
      const [program, ...args] = READY_HOOK_ARGV;
      return {
        content: [
          '// Written by polecat: tells polecat (through tmux) that the agent has started.',
          "import { execFile } from 'node:child_process';",
          '',
          'export const PolecatPlugin = async () => ({',
          '  event: async ({ event }) => {',
          `    if (event.type === 'session.created') execFile(${jsString(program)}, [${args.map(jsString).join(', ')}], () => {});`,
          '  },',
          '});',
          '',
        ].join('\n'),
        mode: 0o644,
      };
    }
  }
}

/** A single-quoted JavaScript string literal of the text (JSON's escapes are JavaScript's too). */
function jsString(text: string): string {
  return `'${JSON.stringify(text).slice(1, -1).replace(/'/g, "\\'")}'`;
}

/**
 * The user's settings with polecat's activity hooks added: each event's groups of theirs first, then polecat's. Their
 * other settings are as they wrote them.
 */
export function mergeClaudeHooks(own: Record<string, unknown>): Record<string, unknown> {
  const theirs = typeof own.hooks === 'object' && own.hooks !== null && !Array.isArray(own.hooks) ? (own.hooks as Record<string, unknown>) : {};
  const hooks: Record<string, unknown> = { ...theirs };
  for (const [event, groups] of Object.entries(claudeHooks())) {
    const before = Array.isArray(theirs[event]) ? (theirs[event] as unknown[]) : [];
    hooks[event] = [...before, ...(groups as unknown[])];
  }
  return { ...own, hooks };
}

/** Writes the settings file if it is missing; a file that exists is the user's and is kept as it is. */
export async function ensureSettingsFile(path: string, provider: Exclude<HooksProvider, 'none'>): Promise<'created' | 'kept'> {
  try {
    await access(path);
    return 'kept';
  } catch {
    const { content, mode } = settingsTemplate(provider);
    await writeFileAtomic(path, content, mode);
    return 'created';
  }
}
