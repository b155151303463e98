import { appendFileSync, existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_FILE_KEEP_BYTES, EVENT_FILE_LIMIT_BYTES, ensureEventDir, eventFilePath, readEvents } from '../../src/activity/event-file.js';

const RUN = 'run-1';
const line = (event: string, at: number, run = RUN) => `${JSON.stringify({ v: 1, run, event, at })}\n`;

function file() {
  const path = eventFilePath(mkdtempSync(join(tmpdir(), 'polecat-events-')), 'gastown', 'Toast');
  ensureEventDir(path);
  return path;
}

describe('readEvents', () => {
  it('reads nothing from a file not written yet', () => {
    expect(readEvents(file(), RUN)).toEqual({ lines: [], skipped: { malformed: 0, foreign: 0, torn: 0 } });
  });

  it("reads this run's lines in order; skips and counts malformed lines, other runs' lines and a line still being written", () => {
    const path = file();
    writeFileSync(
      path,
      line('SessionStart', 1) +
        'not json\n' +
        line('UserPromptSubmit', 2, 'run-0') +
        '{"v":1,"run":"run-1","event":"Nonsense","at":3}\n' +
        '{"v":1,"run":"run-1","event":"Stop","at":"soon"}\n' +
        '\n' +
        line('UserPromptSubmit', 4) +
        line('Stop', 5) +
        '{"v":1,"run":"run-1","ev',
    );
    const read = readEvents(path, RUN);
    expect(read.lines.map((l) => [l.event, l.at])).toEqual([
      ['SessionStart', 1],
      ['UserPromptSubmit', 4],
      ['Stop', 5],
    ]);
    expect(read.skipped).toEqual({ malformed: 3, foreign: 1, torn: 1 });
  });

  it('sets a file past its limit aside and keeps reading its last part, while new lines go to a new file', () => {
    const path = file();
    const filler = line('PostToolUse', 0);
    const count = Math.ceil(EVENT_FILE_LIMIT_BYTES / filler.length) + 10;
    writeFileSync(path, line('SessionStart', -1) + filler.repeat(count) + line('Stop', 99));
    const first = readEvents(path, RUN);
    expect(existsSync(`${path}.old`)).toBe(true);
    expect(existsSync(path)).toBe(false);
    // Only the last part of the set-aside file: the first line is gone, the last one kept, one cut line counted.
    expect(first.lines.at(0)?.event).toBe('PostToolUse');
    expect(first.lines.at(-1)).toMatchObject({ event: 'Stop', at: 99 });
    expect(first.lines.length).toBeLessThanOrEqual(Math.ceil(EVENT_FILE_KEEP_BYTES / filler.length));
    expect(first.skipped.torn).toBe(1);
    appendFileSync(path, line('UserPromptSubmit', 100));
    expect(readEvents(path, RUN).lines.at(-1)).toMatchObject({ event: 'UserPromptSubmit', at: 100 });
    expect(statSync(path).size).toBeLessThan(EVENT_FILE_LIMIT_BYTES);
  });
});
