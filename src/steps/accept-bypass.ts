import { fromPromise } from 'xstate';
import type { DialogsResult, WaitInput } from '../../machines/startup.js';
import { keysToReach, lastLines, pickAnswer, showsReadiness, type DialogDefinition, type DialogOption, type ScreenReading } from '../agents/screen.js';
import type { StepDeps } from './deps.js';
import { StepError } from './errors.js';
import { ARG_PROMPT_GRACE_MS, ScreenWatch, screenSpecOf, startupTextCheck } from './screen-watch.js';
import { lookAtPane, secondsUntil, sleep } from './watch.js';

/** How long an answered dialog may stay on screen before the agent is taken not to have taken the answer. */
export const ANSWER_TAKEN_MS = 10_000;
/**
 * How long a dialog must have been on screen, as it is, before a key is sent to it: an agent draws a dialog before it
 * reads keys for it (Gemini lost an Enter sent at once), and a key it does not read is an answer never given.
 */
export const DIALOG_SETTLE_MS = 300;

/** A dialog answered with Enter, until it is seen to leave the screen. */
interface Answer {
  readonly dialog: DialogDefinition;
  readonly label: string;
  /** What makes it the same dialog: its options' labels, or (without numbered options) its words. */
  readonly identity: string;
  readonly at: number;
}

/**
 * Startup dialogs, answered by label: the cursor is moved to the wanted option and seen there before Enter. Each
 * dialog is answered once: after Enter nothing is pressed until it has left the screen, and one that stays, or comes
 * back unchanged, fails the step (an agent that does not take the answer), never a loop of Enters. Done when the
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
    let pending: Answer | undefined;
    // Looks in a row without the pending dialog: one frame drawn between two of the dialog's is not its leaving.
    let lookedAway = 0;
    let dialogSince: { readonly text: string; readonly since: number } | undefined;
    const answeredBefore = new Map<string, Answer[]>();
    const retire = (answer: Answer) => answeredBefore.set(answer.dialog.id, [...(answeredBefore.get(answer.dialog.id) ?? []), answer]);
    for (;;) {
      const lookedAt = Date.now();
      const { screen } = await lookAtPane(tmux, session.paneId, signal, 'while answering startup dialogs');
      const reading = watch.read(screen, lookedAt);
      if (reading.kind === 'dialog') {
        readySince = undefined;
        const { dialog, options } = reading;
        // The same dialog: the answer is not taken yet (lines drawn below it, such as Gemini's restart, do not
        // change that). Another page of it (other words, no options) took the answer.
        const identity = options.length > 0 ? options.map((option) => option.label).join('\n') : reading.text;
        if (pending?.dialog.id === dialog.id && pending.identity === identity) {
          lookedAway = 0;
          if (lookedAt - pending.at >= ANSWER_TAKEN_MS) {
            throw new StepError(`the agent did not take the answer to its ${dialog.id} dialog (${pending.label}): still on screen ${secondsUntil(lookedAt, pending.at)} after Enter`, {
              screen: lastLines(screen),
            });
          }
        } else {
          if (pending) retire(pending);
          pending = undefined;
          const before = answeredBefore.get(dialog.id)?.find((answer) => answer.identity === identity);
          if (before) {
            throw new StepError(`the ${dialog.id} dialog came back unchanged after it was answered (${before.label}): the agent does not take the answer`, {
              screen: lastLines(screen),
            });
          }
          if (dialogSince?.text !== reading.text) dialogSince = { text: reading.text, since: lookedAt };
          const answer = lookedAt - dialogSince.since >= DIALOG_SETTLE_MS ? await answerDialog(deps, plan.socket, session.paneId, dialog, options, signal) : undefined;
          if (answer !== undefined) {
            answered.push(`${dialog.id}: ${answer}`);
            pending = { dialog, label: answer, identity, at: Date.now() };
            lookedAway = 0;
          }
        }
      } else {
        if (pending && reading.kind !== 'dead-end') {
          lookedAway += 1;
          if (lookedAway >= 2) {
            retire(pending);
            pending = undefined;
          }
        }
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
