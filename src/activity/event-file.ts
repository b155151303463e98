/**
 * A polecat's event file: the lines its agent's hooks append (hook-command.ts), one file per polecat under the town's
 * runtime directory. Read back for one run, skipping and counting what is torn, malformed or another run's; kept
 * bounded by renaming it aside past a size (a hook that opened it before the rename still writes whole lines, to the
 * old file) and keeping that old file's last part.
 */
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bootTime, parseEventLine, type EventLine } from './event-line.js';

/** Past this size the file is set aside at the next read, and only its last part is still read. */
export const EVENT_FILE_LIMIT_BYTES = 1024 * 1024;
/** How much of a set-aside file is kept. */
export const EVENT_FILE_KEEP_BYTES = 256 * 1024;

/** The directory every polecat's event file of the town is under, one directory per rig. */
export function eventsDir(townRoot: string): string {
  return join(townRoot, '.runtime', 'polecat', 'events');
}

export function eventFilePath(townRoot: string, rig: string, name: string): string {
  return join(eventsDir(townRoot), rig, `${name}.jsonl`);
}

/** The directory hooks write into: without it they write nothing, so polecat makes it before the agent starts. */
export function ensureEventDir(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
}

export interface EventRead {
  readonly lines: readonly EventLine[];
  readonly skipped: { readonly malformed: number; readonly foreign: number; readonly torn: number };
}

/**
 * The file's text from `offset` to its end, read through one descriptor (what is appended meanwhile waits), and the
 * inode of the file it read.
 */
export function readFrom(path: string, offset: number): { text: string; ino: number } {
  const fd = openSync(path, 'r');
  try {
    const { size, ino } = fstatSync(fd);
    const start = Math.max(0, Math.min(offset, size));
    const buffer = Buffer.alloc(size - start);
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, start + read);
      if (n === 0) break;
      read += n;
    }
    return { text: buffer.subarray(0, read).toString('utf8'), ino };
  } finally {
    closeSync(fd);
  }
}

export function parseText(text: string, run: string | undefined, cutAtStart: boolean): EventRead {
  const parts = text.split('\n');
  // The last part is a line still being written (or nothing, after the final newline); a cut start is half a line.
  const unfinished = parts.pop() ?? '';
  const first = cutAtStart ? parts.shift() : undefined;
  const lines: EventLine[] = [];
  const boot = bootTime();
  let malformed = 0;
  let foreign = 0;
  for (const part of parts) {
    if (part === '') continue;
    const parsed = parseEventLine(part, run, boot);
    if ('line' in parsed) lines.push(parsed.line);
    else if (parsed.skipped === 'foreign') foreign += 1;
    else malformed += 1;
  }
  const torn = (unfinished !== '' ? 1 : 0) + (first !== undefined && first !== '' ? 1 : 0);
  return { lines, skipped: { malformed, foreign, torn } };
}

/** Sets the file aside (`.old`, replacing an older one) once it is past EVENT_FILE_LIMIT_BYTES. */
export function rotateIfFull(path: string): void {
  if (existsSync(path) && statSync(path).size > EVENT_FILE_LIMIT_BYTES) renameSync(path, `${path}.old`);
}

/**
 * This run's lines (every run's, without one), in the order written. A file past EVENT_FILE_LIMIT_BYTES is first set aside (`.old`, replacing
 * an older one) so the hooks start a new one, and only the last EVENT_FILE_KEEP_BYTES of the set-aside file are read.
 */
export function readEvents(path: string, run?: string): EventRead {
  const old = `${path}.old`;
  rotateIfFull(path);
  const parts: EventRead[] = [];
  if (existsSync(old)) {
    const size = statSync(old).size;
    const offset = Math.max(0, size - EVENT_FILE_KEEP_BYTES);
    parts.push(parseText(readFrom(old, offset).text, run, offset > 0));
  }
  if (existsSync(path)) parts.push(parseText(readFrom(path, 0).text, run, false));
  return {
    lines: parts.flatMap((part) => part.lines),
    skipped: {
      malformed: parts.reduce((n, part) => n + part.skipped.malformed, 0),
      foreign: parts.reduce((n, part) => n + part.skipped.foreign, 0),
      torn: parts.reduce((n, part) => n + part.skipped.torn, 0),
    },
  };
}
