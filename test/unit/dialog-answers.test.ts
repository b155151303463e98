import { describe, expect, it } from 'vitest';
import { DIALOGS, type DialogOption, type ScreenReading } from '../../src/agents/screen.js';
import { ANSWER_TAKEN_MS, DIALOG_SETTLE_MS, DialogAnswers } from '../../src/steps/dialog-answers.js';

type DialogReading = Extract<ScreenReading, { kind: 'dialog' }>;
const trust = DIALOGS.find((dialog) => dialog.id === 'trust')!;
const options = (labels: string[]): DialogOption[] => labels.map((label, i) => ({ number: i + 1, label, selected: i === 0, line: i }));
const dialog = (text: string, labels = ['Yes, I trust this folder', 'No, exit']): DialogReading => ({ kind: 'dialog', dialog: trust, options: options(labels), text });
const ready: ScreenReading = { kind: 'ready' };
const deadEnd: ScreenReading = { kind: 'dead-end', deadEnd: { id: 'x', markers: [], advice: 'do this' } };

/** A ledger whose trust dialog was answered at t=1000. */
function answeredAt1000() {
  const answers = new DialogAnswers();
  const shown = dialog('Quick safety check');
  answers.mayAnswer(shown, '', 0);
  expect(answers.mayAnswer(shown, '', DIALOG_SETTLE_MS)).toBe(true);
  answers.answered(shown, 'Yes, I trust this folder', 1000);
  return { answers, shown };
}

describe('DialogAnswers', () => {
  it('lets a key go to a dialog only once it has stood as it is for the settle time', () => {
    const answers = new DialogAnswers();
    expect(answers.mayAnswer(dialog('a'), '', 0)).toBe(false);
    expect(answers.mayAnswer(dialog('a'), '', DIALOG_SETTLE_MS - 1)).toBe(false);
    // Redrawn (the cursor moved): the settle time starts again.
    expect(answers.mayAnswer(dialog('a, cursor moved'), '', DIALOG_SETTLE_MS)).toBe(false);
    expect(answers.mayAnswer(dialog('a, cursor moved'), '', 2 * DIALOG_SETTLE_MS)).toBe(true);
  });

  it('presses nothing while the answered dialog is still up, even with lines drawn below it', () => {
    const { answers, shown } = answeredAt1000();
    expect(answers.mayAnswer(shown, '', 1100)).toBe(false);
    expect(answers.mayAnswer(dialog('Quick safety check\nGemini CLI is restarting'), '', 1200)).toBe(false);
  });

  it('fails when the answered dialog is still up ANSWER_TAKEN_MS after the answer', () => {
    const { answers, shown } = answeredAt1000();
    expect(() => answers.mayAnswer(shown, 'the screen', 1000 + ANSWER_TAKEN_MS)).toThrow(
      /^the agent did not take the answer to its trust dialog \(Yes, I trust this folder\): still on screen 10\.0 s after the answer$/,
    );
  });

  it('takes one frame without the dialog for a redraw, not for its leaving', () => {
    const { answers, shown } = answeredAt1000();
    answers.noDialog(ready);
    expect(answers.mayAnswer(shown, '', 1200)).toBe(false);
  });

  it('fails when the dialog comes back as it was answered, once it has left', () => {
    const { answers } = answeredAt1000();
    answers.noDialog(ready);
    answers.noDialog(ready);
    expect(() => answers.mayAnswer(dialog('Quick safety check, drawn again'), 'the screen', 1500)).toThrow(
      'the trust dialog came back unchanged after it was answered (Yes, I trust this folder): the agent does not take the answer',
    );
  });

  it('answers the same dialog again when it comes back with other options (another question)', () => {
    const { answers } = answeredAt1000();
    answers.noDialog(ready);
    answers.noDialog(ready);
    const other = dialog('Quick safety check, with a parent to trust', ['Yes, I trust this folder', 'Trust parent folder', 'No, exit']);
    expect(answers.mayAnswer(other, '', 2000)).toBe(false);
    expect(answers.mayAnswer(other, '', 2000 + DIALOG_SETTLE_MS)).toBe(true);
  });

  it('answers a new page of a dialog without options (its words changed) as its own', () => {
    const answers = new DialogAnswers();
    const page = (text: string): DialogReading => ({ kind: 'dialog', dialog: { id: 'amp-intro', markers: [], answers: [], hotkey: 'Space' }, options: [], text });
    answers.mayAnswer(page('1/5'), '', 0);
    expect(answers.mayAnswer(page('1/5'), '', DIALOG_SETTLE_MS)).toBe(true);
    answers.answered(page('1/5'), 'Space to continue', DIALOG_SETTLE_MS);
    expect(answers.mayAnswer(page('2/5'), '', 400)).toBe(false);
    expect(answers.mayAnswer(page('2/5'), '', 400 + DIALOG_SETTLE_MS)).toBe(true);
  });

  it('does not count a dead end as the dialog leaving', () => {
    const { answers, shown } = answeredAt1000();
    answers.noDialog(deadEnd);
    answers.noDialog(deadEnd);
    expect(answers.mayAnswer(shown, '', 1200)).toBe(false);
  });
});
