import { fromPromise } from 'xstate';
import type { StepResult, WaitInput } from '../../machines/startup.js';
import { lastLines, showsReadiness } from '../agents/screen.js';
import type { StepDeps } from './deps.js';
import { StepError } from './errors.js';
import { ScreenWatch, screenSpecOf } from './screen-watch.js';
import { lookAtPane, sleep } from './watch.js';

/** How recent acceptBypass's sighting of the prompt must be to count as the first look here. */
export const RECENT_SIGHTING_MS = 1_000;
/** Between that sighting and the confirming look: a redraw flashing the prompt past is over well within this. */
export const CONFIRM_AFTER_MS = 20;

/**
 * The ready prompt (or the agent at work on its startup text) on two looks in a row, with no dialog under it: a prompt
 * flashing past a redraw is not readiness. acceptBypass's sighting, when it was just now, is the first of the two.
 */
export const waitForReady = (deps: StepDeps) =>
  fromPromise<StepResult, WaitInput>(async ({ input: { plan, session, deadline, promptSeenAt }, signal }) => {
    const tmux = deps.tmux(plan.socket);
    const spec = screenSpecOf(plan.agent, plan.startupText);
    if (!showsReadiness(spec)) {
      // Nothing on screen tells readiness: acceptBypass already gave the agent its ready delay. Still alive?
      await lookAtPane(tmux, session.paneId, signal, 'before it was ready');
      return {};
    }
    // A restored run comes back here long after that sighting: then it takes two looks of its own.
    let seen = promptSeenAt !== undefined && Date.now() - promptSeenAt < RECENT_SIGHTING_MS ? 1 : 0;
    if (seen > 0) await sleep(CONFIRM_AFTER_MS, signal);
    const watch = new ScreenWatch(spec);
    for (;;) {
      const lookedAt = Date.now();
      const { screen } = await lookAtPane(tmux, session.paneId, signal, 'before its prompt was ready');
      const reading = watch.read(screen, lookedAt);
      seen = reading.kind === 'ready' || reading.kind === 'busy' ? seen + 1 : 0;
      if (seen >= 2) return {};
      if (Date.now() >= deadline) {
        const prompt = spec.promptPrefix.trim() !== '' ? JSON.stringify(spec.promptPrefix.trim()) : (spec.readyMarkers ?? []).map((m) => JSON.stringify(m)).join(' or ');
        throw new StepError(`the agent's ready prompt (${prompt}) did not show before the deadline`, {
          screen: lastLines(screen),
        });
      }
      await sleep(deps.pollMs, signal);
    }
  });
