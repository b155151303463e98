import { fromPromise } from 'xstate';
import type { StepResult, WaitInput } from '../../machines/startup.js';
import { lastLines, recognizeDialog, showsPrompt } from '../agents/screen.js';
import type { StepDeps } from './deps.js';
import { StepError } from './errors.js';
import { lookAtPane, sleep } from './watch.js';

/** The ready prompt on two looks in a row, with no dialog over it: a prompt flashing past a redraw is not readiness. */
export const waitForReady = (deps: StepDeps) =>
  fromPromise<StepResult, WaitInput>(async ({ input: { plan, session, deadline }, signal }) => {
    const tmux = deps.tmux(plan.socket);
    if (plan.agent.readyPromptPrefix === '') {
      // Nothing on screen tells readiness: acceptBypass already gave the agent its ready delay. Still alive?
      await lookAtPane(tmux, session.paneId, signal, 'before it was ready');
      return {};
    }
    let seen = 0;
    for (;;) {
      const { screen } = await lookAtPane(tmux, session.paneId, signal, 'before its prompt was ready');
      seen = !recognizeDialog(screen) && showsPrompt(screen, plan.agent.readyPromptPrefix) ? seen + 1 : 0;
      if (seen >= 2) return {};
      if (Date.now() >= deadline) {
        throw new StepError(`the agent's ready prompt (${JSON.stringify(plan.agent.readyPromptPrefix.trim())}) did not show before the deadline`, {
          screen: lastLines(screen),
        });
      }
      await sleep(deps.pollMs, signal);
    }
  });
