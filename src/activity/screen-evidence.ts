/**
 * What the screen says of an agent's activity, for what its hooks do not say (an Esc interrupt, a denied permission,
 * an agent without hooks): read with the agent's screen reader, then its own words for a permission prompt, an
 * interrupted turn and an API error. A word counts only below the agent's last echoed prompt: the transcript keeps
 * an old turn's "Interrupted" after a new turn has begun.
 */
import type { ScreenActivity } from '../../machines/activity.js';
import { isPromptLine, normalizeScreen, readScreen, type ScreenSpec } from '../agents/screen.js';

export interface ActivityWords {
  /** A permission prompt's question (Claude: "Do you want to proceed?"). */
  readonly permission: readonly string[];
  /** The line an interrupted turn leaves (Claude: "Interrupted · What should Claude do instead?"). */
  readonly interrupted: readonly string[];
  /** A failed turn's line (Claude: "API Error:"). */
  readonly apiError: readonly string[];
}

export const NO_WORDS: ActivityWords = { permission: [], interrupted: [], apiError: [] };

export function screenActivity(screen: string, spec: ScreenSpec, words: ActivityWords): ScreenActivity | undefined {
  const reading = readScreen(screen, spec);
  const lines = normalizeScreen(screen).split('\n');
  const prompts = lines.flatMap((line, at) => (isPromptLine(line, spec.promptPrefix) ? [at] : []));
  // The input line is the last prompt line; the one before it is the last prompt the agent was given.
  const lastEcho = prompts.length >= 2 ? prompts.at(-2)! : -1;
  const saysBelowEcho = (markers: readonly string[]) => lines.some((line, at) => at > lastEcho && markers.some((marker) => line.includes(marker)));
  if ((reading.kind === 'menu' || reading.kind === 'dialog' || reading.kind === 'other') && words.permission.some((marker) => screen.includes(marker))) return 'permission';
  if (reading.kind === 'busy') return 'busy';
  if (saysBelowEcho(words.interrupted)) return 'interrupted';
  if (saysBelowEcho(words.apiError)) return 'api-error';
  if (reading.kind === 'ready') return 'idle';
  return undefined;
}
