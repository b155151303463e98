/**
 * Watches a real agent's pane while polecat starts it and keeps every distinct screen, each with what polecat's
 * screen reader makes of it. With POLECAT_CAPTURE_SCREENS=1 the first screen of each kind is written to
 * test/fixtures/screens as `<agent>-<version>-<kind>.txt`, which is how those fixtures were made.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readScreen, type ScreenReading, type ScreenSpec } from '../../src/agents/screen.js';
import { Tmux } from '../../src/tmux/client.js';

export const SCREENS_DIR = resolve(import.meta.dirname, '../fixtures/screens');

/** With POLECAT_CAPTURE_SCREENS=1: one screen as the fixture `<agent>-<version>-<name>.txt`. */
export function keepScreen(agent: string, version: string, name: string, text: string): void {
  if (process.env.POLECAT_CAPTURE_SCREENS === '1') writeFileSync(join(SCREENS_DIR, `${agent}-${version}-${name}.txt`), text);
}

export interface SeenScreen {
  readonly at: number;
  readonly text: string;
  readonly reading: ScreenReading;
}

/** A reading's name as fixtures are named: the dialog or dead end by id, else the kind. */
export function readingName(reading: ScreenReading): string {
  if (reading.kind === 'dialog') return reading.dialog.id;
  if (reading.kind === 'dead-end') return reading.deadEnd.id;
  return reading.kind;
}

export class ScreenRecorder {
  readonly seen: SeenScreen[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly socket: string,
    private readonly target: string,
    private readonly spec: ScreenSpec,
  ) {}

  /** Polls until stop(); a pane not there yet (or gone) is skipped. */
  start(everyMs = 100): this {
    const tmux = new Tmux({ socket: this.socket });
    const tick = async () => {
      if (this.stopped) return;
      try {
        const text = await tmux.capturePane(this.target);
        if (text.trim() !== '' && text !== this.seen.at(-1)?.text) this.seen.push({ at: Date.now(), text, reading: readScreen(text, this.spec) });
      } catch {
        // no pane yet, or no longer
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), everyMs);
    };
    void tick();
    return this;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** The readings in order, runs of the same one folded: `trust, ready, busy`. */
  sequence(): string[] {
    const names: string[] = [];
    for (const { reading } of this.seen) {
      const name = readingName(reading);
      if (names.at(-1) !== name) names.push(name);
    }
    return names;
  }

  /** The last screen read as this kind (or dialog/dead-end id). */
  last(name: string): string | undefined {
    return this.seen.findLast((screen) => readingName(screen.reading) === name)?.text;
  }

  /** The first screen read as this kind (or dialog/dead-end id). */
  first(name: string): string | undefined {
    return this.seen.find((screen) => readingName(screen.reading) === name)?.text;
  }

  /**
   * With POLECAT_CAPTURE_SCREENS=1: these kinds of screen as fixtures, a dialog as it first showed (its cursor where
   * the agent put it), anything else as it last was.
   */
  keep(agent: string, version: string, names: readonly string[]): void {
    if (process.env.POLECAT_CAPTURE_SCREENS !== '1') return;
    for (const name of names) {
      const firstKind = this.seen.find((screen) => readingName(screen.reading) === name)?.reading.kind;
      const text = firstKind === 'dialog' ? this.first(name) : this.last(name);
      if (text === undefined) throw new Error(`no ${name} screen was seen to keep (seen: ${this.sequence().join(', ')})`);
      keepScreen(agent, version, name, text);
    }
  }
}
