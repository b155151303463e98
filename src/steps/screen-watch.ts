import { BUSY_MARKER, lastLines, readScreen, type ScreenReading, type ScreenSpec } from '../agents/screen.js';
import type { StartupInput } from '../../machines/startup.js';
import { StepError } from './errors.js';

/** A dead end is acted on once it has stayed this long: a screen flashing past a redraw is not one. */
export const DEAD_END_CONFIRM_MS = 1_000;

export function screenSpecOf(agent: StartupInput['agent']): ScreenSpec {
  return { promptPrefix: agent.readyPromptPrefix, busyMarkers: agent.busyMarkers ?? [BUSY_MARKER] };
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
