/**
 * Following a polecat's event file as `tail -F` does: each call returns the whole lines written since the last one,
 * across the file being set aside (renamed to `.old`) by any reader, whose unread rest is read first. A line still
 * being written is left for the next call.
 */
import { existsSync, statSync } from 'node:fs';
import { EVENT_FILE_KEEP_BYTES, parseText, readFrom, rotateIfFull, type EventRead } from './event-file.js';
import type { EventLine } from './event-line.js';

interface Position {
  /** The file's inode: the same file keeps it when renamed aside. */
  readonly ino: number;
  /** Where the next unread line begins. */
  readonly offset: number;
}

export class EventFollower {
  private position: Position | undefined;
  private started = false;
  private readonly counts = { malformed: 0, foreign: 0, torn: 0 };

  constructor(
    private readonly path: string,
    private readonly run?: string,
  ) {}

  /** Lines skipped so far as malformed or another run's. */
  get skipped(): EventRead['skipped'] {
    return { ...this.counts };
  }

  /** The lines written since the last call; the first call returns what readEvents would (the set-aside file's last part first). */
  next(): EventLine[] {
    rotateIfFull(this.path);
    const old = `${this.path}.old`;
    const lines: EventLine[] = [];
    const current = existsSync(this.path) ? statSync(this.path) : undefined;
    if (!this.started) {
      this.started = true;
      if (existsSync(old)) {
        const size = statSync(old).size;
        lines.push(...this.take(old, Math.max(0, size - EVENT_FILE_KEEP_BYTES), size > EVENT_FILE_KEEP_BYTES));
      }
    } else if (this.position !== undefined && current?.ino !== this.position.ino && existsSync(old) && statSync(old).ino === this.position.ino) {
      // The file followed was set aside: its rest, then the new file from its start.
      lines.push(...this.take(old, this.position.offset, false));
      this.position = undefined;
    } else if (this.position !== undefined && current?.ino !== this.position.ino) {
      this.position = undefined; // removed or replaced: the new file from its start
    }
    if (current) {
      const from = this.position?.ino === current.ino ? this.position.offset : 0;
      const read = readFrom(this.path, from);
      // Set aside between the stat and the read: the next call reads on from the right place.
      if (read.ino !== current.ino) return lines;
      const whole = read.text.slice(0, read.text.lastIndexOf('\n') + 1);
      lines.push(...this.parse(whole, false));
      this.position = { ino: current.ino, offset: from + Buffer.byteLength(whole) };
    }
    return lines;
  }

  private take(path: string, offset: number, cutAtStart: boolean): EventLine[] {
    const { text } = readFrom(path, offset);
    return this.parse(text.endsWith('\n') || text === '' ? text : `${text}\n`, cutAtStart);
  }

  private parse(text: string, cutAtStart: boolean): EventLine[] {
    const read = parseText(text, this.run, cutAtStart);
    this.counts.malformed += read.skipped.malformed;
    this.counts.torn += read.skipped.torn;
    this.counts.foreign += read.skipped.foreign;
    return [...read.lines];
  }
}
