import { fromPromise } from 'xstate';
import type { StartupInput, StepResult } from '../../machines/startup.js';
import { readFile } from 'node:fs/promises';
import { ensureEventDir, eventFilePath } from '../activity/event-file.js';
import { EVENT_FILE_IN_HOOK } from '../activity/hook-command.js';
import { ensureSettingsFile } from '../agents/settings.js';

/**
 * The agent's settings file, written atomically when missing; a file that exists is kept as the user left it. And the
 * directory its activity hooks write into, which they never make themselves.
 */
export const ensureSettings = () =>
  fromPromise<StepResult, StartupInput>(async ({ input }) => {
    ensureEventDir(eventFilePath(input.townRoot, input.rig, input.name));
    const settings = input.agent.settings;
    if (!settings) return {};
    const kept = (await ensureSettingsFile(settings.path, settings.provider)) === 'kept';
    // A file of the user's (or of an older polecat) is theirs to keep: without polecat's hooks in it, say what that costs.
    if (kept && settings.provider === 'claude' && !(await readFile(settings.path, 'utf8').catch(() => '')).includes(JSON.stringify(EVENT_FILE_IN_HOOK).slice(1, -1))) {
      return {
        warnings: [`${settings.path} is kept as it is, without polecat's activity hooks: what the agent is doing is read from its screen only (remove the file to have polecat write one with them)`],
      };
    }
    return {};
  });
