import { fromPromise } from 'xstate';
import type { StartupInput, StepResult } from '../../machines/startup.js';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ensureEventDir, eventFilePath } from '../activity/event-file.js';
import { hookScript, hookScriptPath } from '../activity/hook-command.js';
import { ensureSettingsFile, hasActivityHooks, mergeClaudeHooks } from '../agents/settings.js';
import { StepError } from './errors.js';
import { writeFileAtomic } from '../files/atomic.js';

/** Providers whose settings file polecat writes with its activity hooks. */
const HOOKED_PROVIDERS = ['claude', 'gemini'];

/** The user's own settings file, copied for the agent with polecat's hooks added; theirs is left as it is. */
async function writeMergedSettings(own: string, path: string): Promise<void> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(own, 'utf8'));
  } catch (error) {
    const why = error instanceof SyntaxError ? `it is not JSON (${error.message})` : (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'there is no such file' : String((error as Error).message);
    throw new StepError(`cannot read the agent's --settings ${own}: ${why}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new StepError(`the agent's --settings ${own} is not a JSON object of settings`);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // It may hold what the user's file holds (an env with keys): only they may read it.
  await writeFileAtomic(path, `${JSON.stringify(mergeClaudeHooks(parsed as Record<string, unknown>), null, 2)}\n`, 0o600);
}

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
    if (settings.mergedFrom !== undefined) {
      await writeMergedSettings(settings.mergedFrom, settings.path);
      return {};
    }
    const kept = (await ensureSettingsFile(settings.path, settings.provider)) === 'kept';
    // A file of the user's (or of an older polecat) is theirs to keep: without polecat's hooks in it, say what that costs.
    if (kept && HOOKED_PROVIDERS.includes(settings.provider) && !hasActivityHooks(await readFile(settings.path, 'utf8').catch(() => ''))) {
      return {
        warnings: [`${settings.path} is kept as it is, without polecat's activity hooks: what the agent is doing is read from its screen only (remove the file to have polecat write one with them)`],
      };
    }
    return {};
  });
