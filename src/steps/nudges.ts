import { fromPromise } from 'xstate';
import type { StepResult, WaitInput } from '../../machines/startup.js';
import { inputLine, lastLines } from '../agents/screen.js';
import type { StepDeps } from './deps.js';
import { awaitArrival, collapse, deliveryCheck, isBlank, sanitizeText, submit, tailOf, typeText } from './deliver.js';
import { StepError } from './errors.js';
import { ARG_PROMPT_GRACE_MS, ScreenWatch, screenSpecOf, startupTextCheck } from './screen-watch.js';
import { PaneWatcher, secondsUntil } from './watch.js';

/**
 * The startup text reaches the agent. Agents that take it on their command line already have it: the step checks
 * that it shows, and fails with the screen when it does not (an agent that never shows it says so in its preset).
 * Otherwise it is typed (single line) or pasted (several lines), seen to arrive, then submitted with Enter and seen
 * to be taken, once: repeating the step does not deliver it twice.
 */
export const nudges = (deps: StepDeps) =>
  fromPromise<StepResult, WaitInput>(async ({ input: { plan, session, deadline }, signal }) => {
    const tmux = deps.tmux(plan.socket);
    const text = sanitizeText(plan.startupText);
    if (isBlank(text)) return {};
    const watcher = new PaneWatcher(tmux, session.paneId, 'while receiving its startup text', deps.pollMs, signal);
    const look = async () => (await watcher.look()).screen;
    const spec = screenSpecOf(plan.agent, plan.startupText);

    if (plan.agent.promptMode === 'arg') {
      // The agent submits it by itself once its dialogs are answered; give it a moment to show.
      if (plan.agent.showsStartupText === false) return {};
      const watch = new ScreenWatch(spec);
      const shown = startupTextCheck(plan);
      const startedAt = Date.now();
      const until = Math.min(deadline, startedAt + ARG_PROMPT_GRACE_MS);
      for (;;) {
        const lookedAt = Date.now();
        const screen = await look();
        const reading = watch.read(screen, lookedAt);
        if (shown(screen, reading)) return {};
        if (lookedAt >= until) {
          throw new StepError(`the startup text was passed on the command line but the agent does not show it (watched for ${secondsUntil(lookedAt, startedAt)})`, {
            screen: lastLines(screen),
          });
        }
        await watcher.pause();
      }
    }

    const check = deliveryCheck(text, plan.agent.readyPromptPrefix, spec.busyMarkers);
    const prefix = plan.agent.readyPromptPrefix;
    let screen: string;
    if (!deps.repeating) {
      await typeText(tmux, session.paneId, text, `polecat-${plan.runId}`, signal);
      if (check.readsInput) watcher.sentKeys();
      // The agent needs a moment to draw what it was sent: a look at once would only see the old screen.
      await watcher.pause();
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
        if (check.readsInput) watcher.sentKeys();
        screen = await look();
      }
    }
    const watching = { watcher, deadline, signal };
    screen = await awaitArrival(check, screen, watching);
    await submit(tmux, session.paneId, check, screen, watching);
    return {};
  });
