import { fromPromise } from 'xstate';
import type { StartupInput, StepResult } from '../../machines/startup.js';
import { readFile } from 'node:fs/promises';
import { ensureEventDir, eventFilePath } from '../activity/event-file.js';
import { hookScript, hookScriptPath } from '../activity/hook-command.js';
import { ensureSettingsFile, hasActivityHooks } from '../agents/settings.js';
import { writeFileAtomic } from '../files/atomic.js';

/** Providers whose settings file polecat writes with its activity hooks. */
const HOOKED_PROVIDERS = ['claude', 'gemini'];

/** The town's hook script, written when missing or not what this polecat would write (an older one). */
async function ensureHookScript(townRoot: string): Promise<void> {
  const path = hookScriptPath(townRoot);
  const content = hookScript();
  if ((await readFile(path, 'utf8').catch(() => undefined)) !== content) await writeFileAtomic(path, content, 0o755);
}

/**
 * The agent's settings file, written atomically when missing; a file that exists is kept as the user left it. And the
 * directory its activity hooks write into, which they never make themselves, and the town's hook script.
 */
export const ensureSettings = () =>
  fromPromise<StepResult, StartupInput>(async ({ input }) => {
    ensureEventDir(eventFilePath(input.townRoot, input.rig, input.name));
    await ensureHookScript(input.townRoot);
    const settings = input.agent.settings;
    if (!settings) return {};
    const kept = (await ensureSettingsFile(settings.path, settings.provider)) === 'kept';
    // A file of the user's (or of an older polecat) is theirs to keep: without polecat's hooks in it, say what that costs.
    if (kept && HOOKED_PROVIDERS.includes(settings.provider) && !hasActivityHooks(await readFile(settings.path, 'utf8').catch(() => ''))) {
      return {
        warnings: [`${settings.path} is kept as it is, without polecat's activity hooks: what the agent is doing is read from its screen only (remove the file to have polecat write one with them)`],
      };
    }
    return {};
  });
