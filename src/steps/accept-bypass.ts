import { fromPromise } from 'xstate';
import type { DialogsResult, WaitInput } from '../../machines/startup.js';
import { keysToReach, lastLines, pickAnswer, showsReadiness, type DialogDefinition, type DialogOption, type ScreenReading } from '../agents/screen.js';
import type { StepDeps } from './deps.js';
import { DialogAnswers } from './dialog-answers.js';
import { StepError } from './errors.js';
import { ARG_PROMPT_GRACE_MS, ScreenWatch, screenSpecOf, startupTextCheck } from './screen-watch.js';
import { lookAtPane, sleep } from './watch.js';

/**
 * Startup dialogs, answered by label: the cursor is moved to the wanted option and seen there before Enter, each
 * dialog once (DialogAnswers: one that stays, or comes back unchanged, fails the step). Done when the
 * agent shows its ready prompt or is at work (for agents with no prompt to see: after their ready delay, with no
 * dialog up). A sign-in or update screen fails at once with what to do; a screen that is neither a known dialog nor
 * the prompt fails at the deadline, with that screen. Nothing is pressed blindly.
 */
export const acceptBypass = (deps: StepDeps) =>
  fromPromise<DialogsResult, WaitInput>(async ({ input: { plan, session, deadline }, signal }) => {
    const tmux = deps.tmux(plan.socket);
    const answered: string[] = [];
    const spec = screenSpecOf(plan.agent, plan.startupText);
    const seesReady = showsReadiness(spec);
    const watch = new ScreenWatch(spec);
    // Agents with no prompt to see are given their ready delay, answering any dialog that shows meanwhile.
    const settledAt = Date.now() + (seesReady ? 0 : plan.agent.readyDelayMs);
    const startupTextShown = startupTextCheck(plan);
    let readySince: number | undefined;
    const dialogs = new DialogAnswers();
    for (;;) {
      const lookedAt = Date.now();
      const { screen } = await lookAtPane(tmux, session.paneId, signal, 'while answering startup dialogs');
      const reading = watch.read(screen, lookedAt);
      if (reading.kind === 'dialog') {
        readySince = undefined;
        if (dialogs.mayAnswer(reading, screen, lookedAt)) {
          const answer = await answerDialog(deps, plan.socket, session.paneId, reading.dialog, reading.options, signal);
          if (answer !== undefined) {
            answered.push(`${reading.dialog.id}: ${answer}`);
            dialogs.answered(reading, answer, Date.now());
          }
        }
      } else {
        dialogs.noDialog(reading);
        if (seesReady && (reading.kind === 'ready' || reading.kind === 'busy')) {
          // An agent given its startup text submits it once past its dialogs; a prompt drawn before them (Codex draws
          // its input, then its folder dialog) is not past them. Without the text in sight it gets a grace to show it.
          readySince ??= lookedAt;
          if (startupTextShown(screen, reading) || lookedAt - readySince >= ARG_PROMPT_GRACE_MS) return { answered, promptSeenAt: lookedAt };
        } else {
          readySince = undefined;
        }
        if (!seesReady && reading.kind !== 'menu' && reading.kind !== 'dead-end' && lookedAt >= settledAt && screen.trim() !== '') return { answered };
      }
      if (Date.now() >= deadline) {
        throw new StepError(`startup did not reach the ready prompt before the deadline: the agent shows ${describeStuck(reading)}`, {
          screen: lastLines(screen),
        });
      }
      await sleep(deps.pollMs, signal);
    }
  });

/**
 * One move toward the dialog's answer: the cursor keys when it is elsewhere (the next look sees where it went),
 * Enter when it is on the answer (or the hotkey of a dialog without numbered options). Returns the label chosen,
 * once Enter or the hotkey is sent.
 */
async function answerDialog(
  deps: StepDeps,
  socket: string,
  paneId: string,
  dialog: DialogDefinition,
  options: readonly DialogOption[],
  signal: AbortSignal,
): Promise<string | undefined> {
  const tmux = deps.tmux(socket);
  if (dialog.hotkey !== undefined) {
    await tmux.sendKeys(paneId, [dialog.hotkey], { signal });
    return dialog.answers[0];
  }
  const label = pickAnswer(options, dialog);
  const keys = label !== undefined ? keysToReach(options, label) : undefined;
  if (keys === undefined) return undefined;
  if (keys.length > 0) {
    await tmux.sendKeys(paneId, keys, { signal });
    return undefined;
  }
  await tmux.sendKeys(paneId, ['Enter'], { signal });
  return label;
}

function describeStuck(reading: ScreenReading): string {
  switch (reading.kind) {
    case 'dialog':
      return `the ${reading.dialog.id} dialog, still unanswered`;
    case 'menu':
      return 'a dialog polecat does not know (numbered options it has no answer for)';
    default:
      return 'a screen that is neither a known dialog nor the ready prompt';
  }
}
