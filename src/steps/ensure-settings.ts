import { fromPromise } from 'xstate';
import type { StartupInput, StepResult } from '../../machines/startup.js';
import { ensureEventDir, eventFilePath } from '../activity/event-file.js';
import { ensureSettingsFile } from '../agents/settings.js';

/**
 * The agent's settings file, written atomically when missing; a file that exists is kept as the user left it. And the
 * directory its activity hooks write into, which they never make themselves.
 */
export const ensureSettings = () =>
  fromPromise<StepResult, StartupInput>(async ({ input }) => {
    if (input.agent.settings) await ensureSettingsFile(input.agent.settings.path, input.agent.settings.provider);
    ensureEventDir(eventFilePath(input.townRoot, input.rig, input.name));
    return {};
  });
