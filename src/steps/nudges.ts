import { fromPromise } from 'xstate';
import type { StepResult, WaitInput } from '../../machines/startup.js';
import { inputLine, lastLines, showsBusy } from '../agents/screen.js';
import type { Tmux } from '../tmux/client.js';
import type { StepDeps } from './deps.js';
import { StepError } from './errors.js';
import { lookAtPane, sleep } from './watch.js';

/** Tabs become spaces; other control characters (escape sequences, carriage returns) are dropped; newlines stay. */
export function sanitizeText(text: string): string {
  return text.replace(/\t/g, ' ').replace(/[\x00-\x09\x0b-\x1f\x7f]/g, '');
}

const collapse = (text: string) => text.replace(/\s+/g, ' ').trim();

/** How long an agent that took the startup text on its command line gets to show it. */
export const ARG_PROMPT_GRACE_MS = 5_000;

/** A short, distinctive end of the text, to look for on screen. */
function tailOf(text: string): string {
  const flat = collapse(text);
  return flat.slice(Math.max(0, flat.length - 24));
}

interface DeliveryCheck {
  /** The typed text is waiting in the agent's input. */
  arrived(screen: string): boolean;
  /** Enter took it: it left the input line, or (agents with no prompt to see) the screen moved on. */
  submitted(screen: string, beforeEnter: string): boolean;
}

function deliveryCheck(text: string, prefix: string): DeliveryCheck {
  const tail = tailOf(text);
  const multiline = text.includes('\n');
  if (prefix === '') {
    return {
      arrived: (screen) => multiline || collapse(screen).includes(tail),
      submitted: (screen, before) => screen !== before,
    };
  }
  const inInput = (screen: string) => {
    const line = inputLine(screen, prefix);
    return line !== undefined && (multiline ? collapse(line) !== '' : collapse(line).includes(tail));
  };
  return { arrived: inInput, submitted: (screen) => !inInput(screen) || showsBusy(screen) };
}

/**
 * The startup text reaches the agent. Agents that take it on their command line already have it: the step only
 * checks that it shows (a warning if not). Otherwise it is typed (single line) or pasted (several lines), seen to
 * arrive, then submitted with Enter and seen to be taken, once: repeating the step does not deliver it twice.
 */
export const nudges = (deps: StepDeps) =>
  fromPromise<StepResult, WaitInput>(async ({ input: { plan, session, deadline }, signal }) => {
    const tmux = deps.tmux(plan.socket);
    const text = sanitizeText(plan.startupText);
    if (collapse(text) === '') return {};
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
    // Safe to run twice (a resumed run repeats this step): text already submitted is not sent again, text already
    // typed is only submitted, and a part typed before an interruption is erased first.
    let screen = await look();
    const prefix = plan.agent.readyPromptPrefix;
    const typed = prefix === '' ? undefined : inputLine(screen, prefix);
    if (!check.arrived(screen)) {
      if (typed === undefined || typed === '') {
        if (collapse(screen).includes(tailOf(text))) return {};
      } else if (text.startsWith(typed)) {
        await tmux.sendKeys(session.paneId, Array<string>([...typed].length).fill('BSpace'), { signal });
      }
      await deliver(tmux, session.paneId, text, `polecat-${plan.runId}`, signal);
      screen = await look();
    }
    while (!check.arrived(screen)) {
      if (Date.now() >= deadline) {
        throw new StepError("the startup text did not arrive in the agent's input before the deadline", { screen: lastLines(screen) });
      }
      await sleep(deps.pollMs, signal);
      screen = await look();
    }

    // Enter, then watch it taken; an Enter that was not taken is pressed again (at most 3 times).
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const beforeEnter = screen;
      await tmux.sendKeys(session.paneId, ['Enter'], { signal });
      const retryAt = Math.min(deadline, Date.now() + 1_000 * attempt);
      do {
        await sleep(deps.pollMs, signal);
        screen = await look();
        if (check.submitted(screen, beforeEnter)) return {};
      } while (Date.now() < retryAt);
      if (Date.now() >= deadline) break;
    }
    throw new StepError('the startup text was typed but Enter did not submit it', { screen: lastLines(screen) });
  });

let pasteCounter = 0;

async function deliver(tmux: Tmux, paneId: string, text: string, bufferPrefix: string, signal: AbortSignal): Promise<void> {
  if (text.includes('\n')) {
    pasteCounter += 1;
    await tmux.pasteText(paneId, text, `${bufferPrefix}-${process.pid}-${pasteCounter}`, { signal });
  } else {
    await tmux.sendText(paneId, text, { signal });
  }
}
