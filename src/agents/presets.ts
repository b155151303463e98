import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type PromptMode = 'arg' | 'none';

/** What polecat needs to know to launch one kind of agent and read its screen. */
export interface AgentPreset {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Names `#{pane_current_command}` shows while the agent runs. */
  readonly processNames: readonly string[];
  /** `arg`: the startup prompt goes on the command line; `none`: it is typed once the agent is ready. */
  readonly promptMode: PromptMode;
  readonly readyPromptPrefix: string;
  /** Where the agent's hooks/settings file lives; `none` writes nothing. */
  readonly hooksProvider: 'claude' | 'none';
  readonly env: Readonly<Record<string, string>>;
}

/** The package's root directory (where package.json is), from the built file or from the TypeScript source. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('polecat: cannot find its package root');
    dir = parent;
  }
  return dir;
}

export function simAgentScript(): string {
  return join(packageRoot(), 'dist', 'src', 'sim', 'agent.js');
}

export const BUILTIN_PRESETS: Readonly<Record<string, AgentPreset>> = {
  claude: {
    name: 'claude',
    command: 'claude',
    args: ['--dangerously-skip-permissions'],
    processNames: ['node', 'claude'],
    promptMode: 'arg',
    readyPromptPrefix: '❯ ',
    hooksProvider: 'claude',
    env: {},
  },
  sim: {
    name: 'sim',
    command: process.execPath,
    get args() {
      return [simAgentScript()];
    },
    processNames: ['node'],
    promptMode: 'none',
    readyPromptPrefix: '❯ ',
    hooksProvider: 'none',
    env: {},
  },
};

export const DEFAULT_AGENT = 'claude';
