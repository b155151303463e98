import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomic.js';
import type { AgentPreset } from './presets.js';

export interface SettingsPlan {
  /** The file to ensure, or undefined when the agent keeps no settings file. */
  readonly path: string | undefined;
  /** Extra arguments that make the agent read it. */
  readonly args: readonly string[];
}

/** Claude reads its polecat settings from the rig's shared polecats directory, outside any worktree. */
export function settingsPlan(preset: AgentPreset, polecatsDir: string): SettingsPlan {
  if (preset.hooksProvider !== 'claude') return { path: undefined, args: [] };
  const path = join(polecatsDir, '.claude', 'settings.json');
  return { path, args: ['--settings', path] };
}

export const CLAUDE_POLECAT_SETTINGS = {
  skipDangerousModePermissionPrompt: true,
  editorMode: 'normal',
};

/** Writes the settings file if it is missing; a file that exists is the user's and is kept as it is. */
export async function ensureSettingsFile(path: string): Promise<'created' | 'kept'> {
  try {
    await access(path);
    return 'kept';
  } catch {
    await writeFileAtomic(path, `${JSON.stringify(CLAUDE_POLECAT_SETTINGS, null, 2)}\n`, 0o600);
    return 'created';
  }
}
