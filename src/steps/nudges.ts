import { fromPromise } from 'xstate';
import type { StepResult, WaitInput } from '../../machines/startup.js';
import { inputLine, showsBusy } from '../agents/screen.js';
import type { StepDeps } from './deps.js';
import { awaitArrival, collapse, deliveryCheck, isBlank, sanitizeText, submit, tailOf, typeText } from './deliver.js';
import { lookAtPane, sleep } from './watch.js';

/** How long an agent that took the startup text on its command line gets to show it. */
export const ARG_PROMPT_GRACE_MS = 5_000;

/**
 * The startup text reaches the agent. Agents that take it on their command line already have it: the step only
 * checks that it shows (a warning if not). Otherwise it is typed (single line) or pasted (several lines), seen to
 * arrive, then submitted with Enter and seen to be taken, once: repeating the step does not deliver it twice.
 */
export const nudges = (deps: StepDeps) =>
  fromPromise<StepResult, WaitInput>(async ({ input: { plan, session, deadline }, signal }) => {
    const tmux = deps.tmux(plan.socket);
    const text = sanitizeText(plan.startupText);
    if (isBlank(text)) return {};
    const look = async () => (await lookAtPane(tmux, session.paneId, signal, 'while receiving its startup text')).screen;

    if (plan.agent.promptMode === 'arg') {
      // The agent submits it by itself once its dialogs are answered; give it a moment to show.
      const head = collapse(text).slice(0, 24);
      const until = Math.min(deadline, Date.now() + ARG_PROMPT_GRACE_MS);
      for (;;) {
        const screen = await look();
        if (collapse(screen).includes(head) || showsBusy(screen)) return {};
        if (Date.now() >= until) return { warnings: ['the startup text was passed on the command line but does not show on screen'] };
        await sleep(deps.pollMs, signal);
      }
    }

    const check = deliveryCheck(text, plan.agent.readyPromptPrefix);
    const prefix = plan.agent.readyPromptPrefix;
    let screen: string;
    if (!deps.repeating) {
      await typeText(tmux, session.paneId, text, `polecat-${plan.runId}`, signal);
      // The agent needs a moment to draw what it was sent; a look at once would only see the old screen.
      await sleep(deps.pollMs, signal);
      screen = await look();
    } else {
      // A restored run repeats this step: text already submitted is not sent again, text already typed is only
      // submitted, and a part typed before the interruption is erased first.
      screen = await look();
      const typed = prefix === '' ? undefined : inputLine(screen, prefix);
      if (!check.arrived(screen)) {
        if (typed === undefined || typed === '') {
          const tail = tailOf(text);
          if (tail !== '' && collapse(screen).includes(tail)) return {};
        } else if (text.startsWith(typed)) {
          await tmux.sendKeys(session.paneId, Array<string>([...typed].length).fill('BSpace'), { signal });
        }
        await typeText(tmux, session.paneId, text, `polecat-${plan.runId}`, signal);
        screen = await look();
      }
    }
    const watching = { look, deadline, pollMs: deps.pollMs, signal };
    screen = await awaitArrival(check, screen, watching);
    await submit(tmux, session.paneId, check, screen, watching);
    return {};
  });
