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

/** A short, distinctive end of the text, to look for in the agent's input line. */
function tailOf(text: string): string {
  const flat = collapse(text);
  return flat.slice(Math.max(0, flat.length - 24));
}

/**
 * The startup text reaches the agent. Agents that take it on their command line already have it: the step only
 * checks that it shows (a warning if not). Otherwise it is typed (single line) or pasted (several lines), seen in the
 * input line, then submitted with Enter and seen to leave the input line.
 */
export const nudges = (deps: StepDeps) =>
  fromPromise<StepResult, WaitInput>(async ({ input: { plan, session, deadline }, signal }) => {
    const tmux = deps.tmux(plan.socket);
    const text = sanitizeText(plan.startupText);
    if (collapse(text) === '') return {};
    const prefix = plan.agent.readyPromptPrefix;
    const look = () => lookAtPane(tmux, session.paneId, signal, 'while receiving its startup text');

    if (plan.agent.promptMode === 'arg') {
      const head = collapse(text).slice(0, 24);
      const { screen } = await look();
      return collapse(screen).includes(head) || showsBusy(screen)
        ? {}
        : { warnings: ['the startup text was passed on the command line but does not show on screen yet'] };
    }

    await deliver(tmux, session.paneId, text, `polecat-${plan.runId}`, signal);
    const tail = tailOf(text);
    const arrived = (screen: string) => {
      const line = inputLine(screen, prefix);
      return line !== undefined && (text.includes('\n') ? collapse(line) !== '' : collapse(line).includes(tail));
    };
    let screen = (await look()).screen;
    while (!arrived(screen)) {
      if (Date.now() >= deadline) {
        throw new StepError('the startup text did not arrive in the agent\'s input line before the deadline', { screen: lastLines(screen) });
      }
      await sleep(deps.pollMs, signal);
      screen = (await look()).screen;
    }

    // Enter, then watch the text leave the input line; an Enter that was not taken is pressed again (at most 3 times).
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      await tmux.sendKeys(session.paneId, ['Enter'], { signal });
      const retryAt = Math.min(deadline, Date.now() + 1_000 * attempt);
      do {
        await sleep(deps.pollMs, signal);
        screen = (await look()).screen;
        if (!arrived(screen) || showsBusy(screen)) return {};
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
