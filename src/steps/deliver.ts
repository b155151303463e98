import { BUSY_MARKER, inputLine, lastLines, showsBusy } from '../agents/screen.js';
import type { Tmux } from '../tmux/client.js';
import { StepError } from './errors.js';
import type { PaneWatcher } from './watch.js';

/**
 * Getting text into an agent and submitted, checked on its screen: the startup text (nudges step) and
 * `polecat inject` both go through here.
 */

/**
 * Tabs become spaces; other control characters (escape sequences, carriage returns, and the C1 controls U+0080 to
 * U+009F such as the one-character CSI) are dropped; newlines stay.
 */
export function sanitizeText(text: string): string {
  return text.replace(/\t/g, ' ').replace(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/g, '');
}

/** Format characters (zero-width space and joiner, bidi marks, BOM) and the line and paragraph separators. */
const INVISIBLE = /[\p{Cf}\u2028\u2029]/gu;

/** Nothing to deliver: only whitespace and invisible characters. */
export function isBlank(text: string): boolean {
  return text.replace(INVISIBLE, '').trim() === '';
}

/**
 * Characters tmux may leave off the screen, so text is looked for there without them: the invisible ones (a
 * zero-width joiner between letters is dropped), code points not assigned, and every character beyond the Basic
 * Multilingual Plane (an emoji newer than the terminal's character-width table is drawn as nothing).
 */
const MAYBE_UNDRAWN = /[\p{Cf}\p{Cn}\u2028\u2029\u{10000}-\u{10FFFF}]/gu;

/** Text as it is compared with a screen: without characters that may not be drawn, whitespace runs as one space. */
export const collapse = (text: string) => text.replace(MAYBE_UNDRAWN, '').replace(/\s+/g, ' ').trim();

/**
 * A short, distinctive end of the text, to look for on screen: from its last line with something to show, since
 * agents draw line breaks in their own ways ('' when none of it is sure to show).
 */
export function tailOf(text: string): string {
  const flat = text.split('\n').map(collapse).filter((line) => line !== '').at(-1) ?? '';
  return flat.slice(Math.max(0, flat.length - 24));
}

export interface DeliveryCheck {
  /**
   * Both verdicts are read from the agent's input line (it has a prompt, and some of the text is sure to show): then
   * looks may come soon after the keys. Otherwise "submitted" is any change of screen, which a look too soon could
   * take from the typed text still being drawn.
   */
  readonly readsInput: boolean;
  /** The typed text is waiting in the agent's input. */
  arrived(screen: string): boolean;
  /** Enter took it: it left the input line, or (agents with no prompt to see) the screen moved on. */
  submitted(screen: string, beforeEnter: string): boolean;
  /**
   * Enter took it, and the screen shows so itself: the input line is there without the text, or the agent is at
   * work. A screen with no input line at all may be a frame still being drawn.
   */
  surelySubmitted(screen: string): boolean;
}

/** Longer than this, typed text may fill the screen. */
const LONG_TEXT_CHARS = 2_000;

export function deliveryCheck(text: string, prefix: string, busyMarkers: readonly string[] = [BUSY_MARKER]): DeliveryCheck {
  const tail = tailOf(text);
  const multiline = text.includes('\n');
  // No prompt to read, or text none of which is sure to be drawn: Enter is seen to be taken when the screen moves on.
  if (prefix === '' || tail === '') {
    return {
      readsInput: false,
      arrived: (screen) => multiline || tail === '' || collapse(screen).includes(tail),
      submitted: (screen, before) => screen !== before,
      surelySubmitted: () => false,
    };
  }
  const inInput = (screen: string) => {
    const line = inputLine(screen, prefix);
    return line !== undefined && (multiline ? collapse(line) !== '' : collapse(line).includes(tail));
  };
  // Text longer than a screenful pushes the prompt's own row off the top: its end at the bottom is the sign.
  const long = text.length > LONG_TEXT_CHARS;
  return {
    readsInput: true,
    arrived: (screen) => inInput(screen) || (long && collapse(screen.split('\n').slice(-12).join(' ')).includes(tail)),
    submitted: (screen) => !inInput(screen) || showsBusy(screen, busyMarkers),
    surelySubmitted: (screen) => (inputLine(screen, prefix) !== undefined && !inInput(screen)) || showsBusy(screen, busyMarkers),
  };
}

/** Bytes per send-keys call: tmux takes a command of limited size, so long text goes in pieces. */
const CHUNK_BYTES = 4_000;

/** Splits text into pieces of at most `maxBytes` UTF-8 bytes, never inside a character. */
export function chunkText(text: string, maxBytes = CHUNK_BYTES): string[] {
  const chunks: string[] = [];
  let current = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > maxBytes && current !== '') {
      chunks.push(current);
      current = '';
      bytes = 0;
    }
    current += char;
    bytes += size;
  }
  if (current !== '') chunks.push(current);
  return chunks;
}

let pasteCounter = 0;

/** One line is typed (in pieces when long); several lines are pasted (bracketed) through a uniquely named buffer. */
export async function typeText(tmux: Tmux, paneId: string, text: string, bufferPrefix: string, signal?: AbortSignal): Promise<void> {
  if (text.includes('\n')) {
    pasteCounter += 1;
    await tmux.pasteText(paneId, text, `${bufferPrefix}-${process.pid}-${pasteCounter}`, signal ? { signal } : {});
    return;
  }
  for (const chunk of chunkText(text)) await tmux.sendText(paneId, chunk, signal ? { signal } : {});
}

export interface Watching {
  readonly watcher: PaneWatcher;
  readonly deadline: number;
  readonly signal?: AbortSignal;
}

/** Waits until the typed text shows in the agent's input; returns that screen. */
export async function awaitArrival(check: DeliveryCheck, screen: string, watching: Watching): Promise<string> {
  while (!check.arrived(screen)) {
    if (Date.now() >= watching.deadline) {
      throw new StepError("the text did not arrive in the agent's input before the deadline", { screen: lastLines(screen) });
    }
    await watching.watcher.pause();
    screen = (await watching.watcher.look()).screen;
  }
  return screen;
}

/**
 * Enter, then watch it taken; an Enter that was not taken is pressed again (at most 3 times). On a look that came
 * soon after the Enter, a screen without the input line (maybe a frame being drawn) is confirmed by the next look.
 */
export async function submit(tmux: Tmux, paneId: string, check: DeliveryCheck, screen: string, watching: Watching): Promise<void> {
  const { watcher } = watching;
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const beforeEnter = screen;
    await tmux.sendKeys(paneId, ['Enter'], watching.signal ? { signal: watching.signal } : {});
    if (check.readsInput) watcher.sentKeys();
    const retryAt = Math.min(watching.deadline, Date.now() + 1_000 * attempt);
    let takenOnce = false;
    do {
      await watcher.pause();
      try {
        screen = (await watcher.look()).screen;
      } catch (error) {
        // The agent ended on its Enter (`/exit`): the text was taken. Whoever needs it alive looks next.
        if (error instanceof StepError) return;
        throw error;
      }
      const taken = check.submitted(screen, beforeEnter);
      if (taken && (takenOnce || !watcher.hurried || check.surelySubmitted(screen))) return;
      takenOnce = taken;
    } while (Date.now() < retryAt);
    if (Date.now() >= watching.deadline) break;
  }
  throw new StepError('the text was typed but Enter did not submit it', { screen: lastLines(screen) });
}
