import { lastLines, type ScreenReading } from '../agents/screen.js';
import { StepError } from './errors.js';
import { secondsUntil } from './watch.js';

/** How long an answered dialog may stay on screen before the agent is taken not to have taken the answer. */
export const ANSWER_TAKEN_MS = 10_000;
/**
 * How long a dialog must have been on screen, as it is, before a key is sent to it: an agent draws a dialog before it
 * reads keys for it (Gemini lost an Enter sent at once), and a key it does not read is an answer never given.
 */
export const DIALOG_SETTLE_MS = 300;

type DialogReading = Extract<ScreenReading, { kind: 'dialog' }>;

/** A dialog answered, until it is seen to leave the screen, then kept to know it again. */
interface Answer {
  readonly id: string;
  readonly label: string;
  /** What makes it the same dialog: its options' labels, or (without numbered options) its words. */
  readonly identity: string;
  readonly at: number;
}

const identityOf = (reading: DialogReading) => (reading.options.length > 0 ? reading.options.map((option) => option.label).join('\n') : reading.text);

/**
 * Each dialog answered once. After an answer nothing is pressed until that dialog has left the screen (two looks
 * without it: one frame drawn between two of the dialog's is not its leaving); one that stays ANSWER_TAKEN_MS, or
 * comes back as it was answered, is a failure with that screen, never a reason to press again. Lines drawn below a
 * dialog (Gemini's restart) do not make it another; another page of it (other words, no options) does.
 */
export class DialogAnswers {
  private pending: Answer | undefined;
  private lookedAway = 0;
  private shown: { readonly text: string; readonly since: number } | undefined;
  private readonly before = new Map<string, Answer[]>();

  /** True when a key may go to this dialog now; throws when the agent did not take, or undid, an answer. */
  mayAnswer(reading: DialogReading, screen: string, at: number): boolean {
    const identity = identityOf(reading);
    const { id } = reading.dialog;
    const pending = this.pending;
    if (pending?.id === id && pending.identity === identity) {
      this.lookedAway = 0;
      if (at - pending.at >= ANSWER_TAKEN_MS) {
        throw new StepError(`the agent did not take the answer to its ${id} dialog (${pending.label}): still on screen ${secondsUntil(at, pending.at)} after the answer`, {
          screen: lastLines(screen),
        });
      }
      return false;
    }
    this.retirePending();
    const earlier = this.before.get(id)?.find((answer) => answer.identity === identity);
    if (earlier) {
      throw new StepError(`the ${id} dialog came back unchanged after it was answered (${earlier.label}): the agent does not take the answer`, {
        screen: lastLines(screen),
      });
    }
    if (this.shown?.text !== reading.text) this.shown = { text: reading.text, since: at };
    return at - this.shown.since >= DIALOG_SETTLE_MS;
  }

  /** The answer was sent (Enter on the label, or the dialog's key). */
  answered(reading: DialogReading, label: string, at: number): void {
    this.pending = { id: reading.dialog.id, label, identity: identityOf(reading), at };
    this.lookedAway = 0;
  }

  /** A look without a dialog; a dead end says nothing of the dialog before it. */
  noDialog(reading: ScreenReading): void {
    if (this.pending === undefined || reading.kind === 'dead-end') return;
    this.lookedAway += 1;
    if (this.lookedAway >= 2) this.retirePending();
  }

  private retirePending(): void {
    if (this.pending === undefined) return;
    this.before.set(this.pending.id, [...(this.before.get(this.pending.id) ?? []), this.pending]);
    this.pending = undefined;
  }
}
