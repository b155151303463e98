import { BUSY_MARKER, isPromptLine, lastLines, readScreen, type ScreenReading, type ScreenSpec } from '../agents/screen.js';
import type { StartupInput } from '../../machines/startup.js';
import { collapse, isBlank, sanitizeText } from './deliver.js';
import { StepError } from './errors.js';

/** How long an agent that took its startup text on its command line gets to show it. */
export const ARG_PROMPT_GRACE_MS = 5_000;

/** A dead end is acted on once it has stayed this long: a screen flashing past a redraw is not one. */
export const DEAD_END_CONFIRM_MS = 1_000;

export function screenSpecOf(agent: StartupInput['agent'], startupText?: string): ScreenSpec {
  const head = startupText === undefined ? '' : startupHead(startupText);
  return {
    promptPrefix: agent.readyPromptPrefix,
    readyMarkers: agent.readyMarkers ?? [],
    busyMarkers: agent.busyMarkers ?? [BUSY_MARKER],
    ...(head !== '' ? { startupHead: head } : {}),
  };
}

/** The start of the text's first line with something to show: what an agent draws of it first, on one line. */
export function startupHead(text: string): string {
  const first = sanitizeText(text)
    .split('\n')
    .map(collapse)
    .find((line) => line !== '');
  return (first ?? '').slice(0, 24);
}

/**
 * Reads each look at the agent's screen and fails the step as soon as a dead end (sign-in, update required) has
 * stayed on screen for DEAD_END_CONFIRM_MS, with its advice: no deadline is waited out for what needs the user.
 */
export class ScreenWatch {
  private deadEndSince: { readonly id: string; readonly at: number } | undefined;

  constructor(private readonly spec: ScreenSpec) {}

  read(screen: string, at: number): ScreenReading {
    const reading = readScreen(screen, this.spec);
    if (reading.kind !== 'dead-end') {
      this.deadEndSince = undefined;
      return reading;
    }
    const { deadEnd } = reading;
    if (this.deadEndSince?.id !== deadEnd.id) this.deadEndSince = { id: deadEnd.id, at };
    if (at - this.deadEndSince.at >= DEAD_END_CONFIRM_MS) throw new StepError(deadEnd.advice, { screen: lastLines(screen) });
    return reading;
  }
}

/**
 * For an agent given its startup text on its command line: has it taken it? It is at work, or the text shows outside
 * its input line (in its transcript): text still waiting in the input (Codex draws it there first) is not taken yet.
 * For an agent with no prompt character to find its input line by (opencode), the text on screen is all there is to
 * go by. Always true for other agents, and for one that never shows the text.
 */
export function startupTextCheck(plan: StartupInput): (screen: string, reading: ScreenReading) => boolean {
  const text = sanitizeText(plan.startupText);
  if (plan.agent.promptMode !== 'arg' || plan.agent.showsStartupText === false || isBlank(text)) return () => true;
  const head = startupHead(text);
  const prefix = plan.agent.readyPromptPrefix;
  return (screen, reading) => {
    if (reading.kind === 'busy') return true;
    if (reading.kind !== 'ready') return false;
    const lines = screen.split('\n');
    const input = prefix.trim() === '' ? -1 : lines.findLastIndex((line) => isPromptLine(line, prefix));
    return lines.some((line, at) => at !== input && collapse(line).includes(head));
  };
}
