/** Text on its way into an agent: what is removed, when it counts as empty, and how it is recognised on screen. */
import { describe, expect, it } from 'vitest';
import { chunkText, deliveryCheck, isBlank, sanitizeText, submit, tailOf } from '../../src/steps/deliver.js';
import { LOOKS_AFTER_KEYS_MS, PaneWatcher } from '../../src/steps/watch.js';
import type { Tmux } from '../../src/tmux/client.js';
import { startupHead } from '../../src/steps/screen-watch.js';

describe('sanitizeText', () => {
  it.each([
    ['plain text', 'fix the build', 'fix the build'],
    ['tabs become spaces', 'a\tb', 'a b'],
    ['newlines stay', 'a\nb', 'a\nb'],
    ['C0 controls, DEL and escape sequences lose their control bytes', 'a\x00b\x07c\x1b[31md\x7fe\r', 'abc[31mde'],
    ['C1 controls (the one-character CSI, NEL) are dropped', 'a\u009b31mb\u0085c\u0080\u009fd', 'a31mbcd'],
    ['everything else is kept', 'é ✓ 😀 \u00a0 \u200d \u2028 \u00a0\u00ff', 'é ✓ 😀 \u00a0 \u200d \u2028 \u00a0\u00ff'],
  ])('%s', (_name, text, clean) => {
    expect(sanitizeText(text)).toBe(clean);
  });
});

describe('isBlank', () => {
  it.each(['', ' ', '\n\n', '\u00a0\u3000', '\u200b\u200d\ufeff', '\u2028\u2029'])('%j is blank', (text) => {
    expect(isBlank(text)).toBe(true);
  });
  it.each(['x', ';', '🪿', '\u0378', 'e\u0301'])('%j is not', (text) => {
    expect(isBlank(text)).toBe(false);
  });
});

describe('tailOf', () => {
  it.each([
    ['the last 24 characters', `${'x'.repeat(30)}abcdefghijklmnopqrstuvwxyz`, 'cdefghijklmnopqrstuvwxyz'],
    ['whitespace folded', 'a \t  b', 'a b'],
    ['from the last line with something in it', 'first line\nlast one\n  \n', 'last one'],
    ['without characters tmux may not draw', 'x\u200dy \u2028z 🪿 \u0378w', 'xy z w'],
    ['nothing, when nothing is sure to show', '🪿🫨', ''],
  ])('%s', (_name, text, tail) => {
    expect(tailOf(text)).toBe(tail);
  });
});

describe('deliveryCheck', () => {
  const screen = (input: string) => `some output\n${'─'.repeat(10)}\n❯ ${input}\n${'─'.repeat(10)}\n`;

  it('sees a line arrive whatever tmux drew of its invisible characters and new emoji', () => {
    const check = deliveryCheck('join\u200dme 🪿 now\u2028ok', '❯ ');
    expect(check.arrived(screen('join\u200dme 🪿 now\u2028ok'))).toBe(true);
    expect(check.arrived(screen('joinme  nowok'))).toBe(true);
    expect(check.arrived(screen('joinme  now'))).toBe(false);
    expect(check.submitted(screen(''), screen('joinme  nowok'))).toBe(true);
  });

  it('with nothing sure to show, takes a change of screen after Enter as the submission', () => {
    const check = deliveryCheck('🪿', '❯ ');
    expect(check.arrived(screen(''))).toBe(true);
    expect(check.submitted(screen(''), screen(''))).toBe(false);
    expect(check.submitted(`${screen('')}> 🪿\n`, screen(''))).toBe(true);
  });

  it('sees the end of a long multi-line paste whose prompt row has scrolled off, by its last line', () => {
    const text = Array.from({ length: 300 }, (_, i) => `line ${i} ${'x'.repeat(20)}`).join('\n') + '\nC-c';
    const check = deliveryCheck(text, '❯ ');
    // The agent draws the line breaks as ↵, with no space around them.
    expect(check.arrived(`xxxxxxxxxx↵line 299 ${'x'.repeat(20)}↵C-c\n${'─'.repeat(10)}\n`)).toBe(true);
  });
});

describe('chunkText', () => {
  it('never cuts inside a character', () => {
    const text = `${'a'.repeat(3_998)}😀z`;
    expect(chunkText(text)).toEqual(['a'.repeat(3_998), '😀z']);
  });
});

describe('startupHead', () => {
  it.each([
    ['one line', 'fix the flaky test in src/town please', 'fix the flaky test in sr'],
    ['the first line with something to show', '\n  \nHi Toast,\nplease run the tests', 'Hi Toast,'],
    ['whitespace runs as one space, control characters dropped', 'a\t\tb\x1b[31m c', 'a b[31m c'],
    ['nothing to show', ' \n\u200b', ''],
  ])('%s', (_name, text, head) => {
    expect(startupHead(text)).toBe(head);
  });
});

describe('looking soon after keys', () => {
  /** A pane that records the keys sent to it and shows `screen()` at each look. */
  const fakeTmux = (sent: string[][], screen: () => string = () => '') =>
    ({
      sendKeys: async (_pane: string, keys: readonly string[]) => void sent.push([...keys]),
      look: async (paneId: string) => ({ info: { paneId, dead: false }, screen: screen() }),
    }) as unknown as Tmux;

  it('looks 5, 10 and 20 ms after keys, then at the poll interval; never sooner than that interval without keys', async () => {
    const watcher = new PaneWatcher(fakeTmux([]), '%1', 'in a test', 50, undefined);
    const pauses: number[] = [];
    const timed = async () => {
      const began = performance.now();
      await watcher.pause();
      pauses.push(Math.round(performance.now() - began));
      return watcher.hurried;
    };
    expect(await timed()).toBe(false);
    watcher.sentKeys();
    expect([await timed(), await timed(), await timed(), await timed()]).toEqual([true, true, true, false]);
    expect(pauses[0]).toBeGreaterThanOrEqual(49);
    expect(pauses.slice(1, 4).every((ms, i) => ms >= [5, 10, 20][i]! - 1 && ms < 49)).toBe(true);
    expect(LOOKS_AFTER_KEYS_MS).toEqual([5, 10, 20]);
  });

  it('takes an Enter as taken on a hurried look only when the next look agrees (a frame still being drawn shows no input line)', async () => {
    const check = deliveryCheck('fix the build', '❯ ');
    expect(check.readsInput).toBe(true);
    const typed = 'Claude\n❯ fix the build';
    const drawing = 'Claude\n';
    const empty = 'Claude\n❯ ';
    const screens = [drawing, typed, drawing, empty];
    let looks = 0;
    const sent: string[][] = [];
    const pane = fakeTmux(sent, () => screens[Math.min(looks++, screens.length - 1)]!);
    await submit(pane, '%1', check, typed, { watcher: new PaneWatcher(pane, '%1', 'in a test', 50, undefined), deadline: Date.now() + 5_000 });
    expect(sent).toEqual([['Enter']]);
    // drawing (hurried: unconfirmed), typed (not taken), drawing (hurried), empty (confirms it).
    expect(looks).toBe(4);

    // The input line seen empty (or the agent at work) says so itself, however soon it was seen: one look.
    let quick = 0;
    const settled = fakeTmux(sent, () => (quick++, empty));
    await submit(settled, '%1', check, typed, { watcher: new PaneWatcher(settled, '%1', 'in a test', 50, undefined), deadline: Date.now() + 5_000 });
    expect(quick).toBe(1);
  });

  it('does not hurry for an agent with no prompt to read, where any change of screen counts as taken', () => {
    expect(deliveryCheck('fix the build', '').readsInput).toBe(false);
    expect(deliveryCheck('go 🪿', '❯ ').readsInput).toBe(true);
    expect(deliveryCheck('🪿', '❯ ').readsInput).toBe(false);
    expect(deliveryCheck('\u200b', '❯ ').readsInput).toBe(false);
  });
});
