import { Writable } from 'node:stream';
import type { Output } from './output.js';

type Terminal = Output['err'] & { columns?: number; rows?: number };

/**
 * A few lines at the bottom of a terminal, redrawn in place (what is in flight), with everything else printed above
 * them. Off a terminal the lines are never drawn and text is passed straight on, so logs get plain lines only.
 */
export interface LiveBlock {
  readonly live: boolean;
  /** Replaces the lines drawn at the bottom. */
  set(lines: readonly string[]): void;
  /**
   * A stream whose text lands above the lines, on `target` (stdout or stderr, which share the terminal), so that
   * nothing written while the lines are shown (results, a Ctrl-C notice) is overdrawn or leaves a stale copy behind.
   */
  above(target: Output['err']): Output['err'];
  /** Erases the lines; text written afterwards goes on as usual. */
  close(): void;
}

export function liveBlock(terminal: Terminal): LiveBlock {
  const live = terminal.isTTY === true;
  let lines: readonly string[] = [];
  let drawn = 0;
  let closed = false;
  const erase = () => {
    if (drawn > 0) terminal.write(`\x1b[${drawn}A\r\x1b[J`);
    drawn = 0;
  };
  const draw = () => {
    if (closed) return;
    // A line wider than the terminal wraps, and the count of lines to move up over would be wrong.
    const width = Math.max(20, (terminal.columns ?? 80) - 1);
    // More lines than the screen holds cannot be moved back up over.
    const room = Math.max(1, (terminal.rows ?? 24) - 2);
    const shown = lines.length > room ? [...lines.slice(0, room - 1), `  … and ${lines.length - room + 1} more`] : lines;
    if (shown.length > 0) terminal.write(shown.map((line) => `${[...line].slice(0, width).join('')}\n`).join(''));
    drawn = shown.length;
  };
  return {
    live,
    set(next) {
      lines = next;
      if (!live) return;
      erase();
      draw();
    },
    above(target) {
      if (!live) return target;
      return new Writable({
        decodeStrings: false,
        write(chunk: string | Buffer, _encoding, done) {
          erase();
          target.write(chunk);
          draw();
          done();
        },
      });
    },
    close() {
      if (live) erase();
      closed = true;
      lines = [];
    },
  };
}
