import { fromPromise } from 'xstate';
import type { StartupInput, StepResult } from '../../machines/startup.js';
import { ensureSettingsFile } from '../agents/settings.js';

/** The agent's settings file, written atomically when missing; a file that exists is kept as the user left it. */
export const ensureSettings = () =>
  fromPromise<StepResult, StartupInput>(async ({ input }) => {
    if (input.agent.settings) await ensureSettingsFile(input.agent.settings.path, input.agent.settings.provider);
    return {};
  });
