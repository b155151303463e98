import { fromPromise } from 'xstate';
import type { DialogsResult, WaitInput } from '../../machines/startup.js';
import { keysToReach, lastLines, parseOptions, pickAnswer, recognizeDialog, showsPrompt } from '../agents/screen.js';
import type { StepDeps } from './deps.js';
import { StepError } from './errors.js';
import { lookAtPane, sleep } from './watch.js';

/**
 * Startup dialogs, answered by label: the cursor is moved to the wanted option and seen there before Enter.
 * Done when the ready prompt shows (for agents with no prompt to see: after their ready delay, with no dialog up). A screen that is neither a known dialog nor the prompt fails at the deadline,
 * with that screen; nothing is pressed blindly.
 */
export const acceptBypass = (deps: StepDeps) =>
  fromPromise<DialogsResult, WaitInput>(async ({ input: { plan, session, deadline }, signal }) => {
    const tmux = deps.tmux(plan.socket);
    const answered: string[] = [];
    const prefix = plan.agent.readyPromptPrefix;
    // Agents with no prompt to see are given their ready delay, answering any dialog that shows meanwhile.
    const settledAt = Date.now() + (prefix === '' ? plan.agent.readyDelayMs : 0);
    // After Enter the old dialog can still be on screen for a moment: never act twice on the screen just answered.
    let answeredScreen: string | undefined;
    for (;;) {
      const lookedAt = Date.now();
      const { screen } = await lookAtPane(tmux, session.paneId, signal, 'while answering startup dialogs');
      const dialog = recognizeDialog(screen);
      if (dialog && screen !== answeredScreen) {
        if (dialog.hotkey !== undefined) {
          await tmux.sendKeys(session.paneId, ['-l', dialog.hotkey], { signal });
          answered.push(`${dialog.id}: ${dialog.answers[0]}`);
          answeredScreen = screen;
        } else {
          const options = parseOptions(screen);
          const label = pickAnswer(options, dialog);
          const keys = label !== undefined ? keysToReach(options, label) : undefined;
          if (keys && keys.length > 0) {
            await tmux.sendKeys(session.paneId, keys, { signal });
          } else if (keys) {
            await tmux.sendKeys(session.paneId, ['Enter'], { signal });
            answered.push(`${dialog.id}: ${label}`);
            answeredScreen = screen;
          }
        }
      } else if (!dialog && prefix === '' && Date.now() >= settledAt && screen.trim() !== '') {
        return { answered };
      } else if (!dialog && prefix !== '' && showsPrompt(screen, prefix)) {
        return { answered, promptSeenAt: lookedAt };
      }
      if (Date.now() >= deadline) {
        const seen = dialog ? `the ${dialog.id} dialog, still unanswered` : 'a screen that is neither a known dialog nor the ready prompt';
        throw new StepError(`startup did not reach the ready prompt before the deadline: the agent shows ${seen}`, {
          screen: lastLines(screen),
        });
      }
      await sleep(deps.pollMs, signal);
    }
  });
