/**
 * The agents' startup dialogs answered by label. The versioned screens were captured from the real CLIs (see
 * real-screens.test.ts); cursor-trust.txt and claude-api-key.txt are transcribed (Cursor's CLI is not on npm, and the
 * real-Claude tests sign in with a token, which raises no API-key dialog).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keysToReach, parseOptions, pickAnswer, recognizeDialog, showsPrompt } from '../../src/agents/screen.js';

const screen = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/screens', `${name}.txt`), 'utf8');

describe('other agents’ startup dialogs', () => {
  it.each<[string, string, string | undefined, string[] | undefined]>([
    ['codex-0.171.0-codex-trust', 'codex-trust', 'Trust and continue', []],
    ['codex-0.171.0-codex-update', 'codex-update', 'Skip', ['Down']],
    ['gemini-0.61.0-folder-trust', 'folder-trust', 'Trust folder (Toast)', []],
    ['copilot-1.0.102-folder-trust', 'folder-trust', 'Yes', []],
    ['cursor-trust', 'cursor-trust', undefined, undefined],
    ['claude-api-key', 'api-key', 'Yes', ['Up']],
  ])('%s is recognised as %s and answered with %j', (name, id, label, keys) => {
    const text = screen(name);
    const dialog = recognizeDialog(text);
    expect(dialog?.id).toBe(id);
    const options = parseOptions(text);
    expect(pickAnswer(options, dialog!)).toBe(label);
    if (label !== undefined) expect(keysToReach(options, label)).toEqual(keys);
    expect(showsPrompt(text, '❯ ')).toBe(false);
    expect(showsPrompt(text, '› ')).toBe(false);
  });

  it('answers Cursor by its hotkey, since its options are not numbered', () => {
    expect(recognizeDialog(screen('cursor-trust'))).toMatchObject({ id: 'cursor-trust', hotkey: 'a' });
  });

  it('never picks "Trust parent folder" for "Trust folder", nor "Yes, and remember…" for "Yes"', () => {
    expect(pickAnswer(parseOptions(screen('gemini-0.61.0-folder-trust')), recognizeDialog(screen('gemini-0.61.0-folder-trust'))!)).not.toContain('parent');
    const copilot = screen('copilot-1.0.102-folder-trust');
    expect(parseOptions(copilot).map((o) => o.label)).toContain('Yes, and remember this folder for future sessions');
    expect(pickAnswer(parseOptions(copilot), recognizeDialog(copilot)!)).toBe('Yes');
  });
});
