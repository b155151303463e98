/** Following an event file: each line once, across a line written in two parts and across the file being set aside. */
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_FILE_KEEP_BYTES, EVENT_FILE_LIMIT_BYTES, ensureEventDir, eventFilePath, readEvents } from '../../src/activity/event-file.js';
import { EventFollower } from '../../src/activity/event-follow.js';

const RUN = 'run-1';
const line = (event: string, at: number, run = RUN) => `${JSON.stringify({ v: 1, run, event, at })}\n`;
const ats = (lines: ReadonlyArray<{ at: number }>) => lines.map((l) => l.at);

function file() {
  const path = eventFilePath(mkdtempSync(join(tmpdir(), 'polecat-follow-')), 'gastown', 'Toast');
  ensureEventDir(path);
  return path;
}

describe('EventFollower', () => {
  it('returns what is there, then only what was written since; a line still being written waits for its end', () => {
    const path = file();
    const follower = new EventFollower(path, RUN);
    expect(follower.next()).toEqual([]);
    writeFileSync(path, line('SessionStart', 1) + line('UserPromptSubmit', 2, 'run-0'));
    expect(ats(follower.next())).toEqual([1]);
    expect(follower.next()).toEqual([]);
    const stop = line('Stop', 3);
    appendFileSync(path, stop.slice(0, 10));
    expect(follower.next()).toEqual([]);
    appendFileSync(path, stop.slice(10) + 'not json\n');
    expect(ats(follower.next())).toEqual([3]);
    expect(follower.skipped).toEqual({ malformed: 1, foreign: 1, torn: 0 });
  });

  it('reads the rest of a file set aside by another reader, then the new file from its start, each line once', () => {
    const path = file();
    const follower = new EventFollower(path);
    writeFileSync(path, line('SessionStart', 1));
    expect(ats(follower.next())).toEqual([1]);
    // Written after the follower's last look, then the file grows past its limit and a status sets it aside.
    const filler = line('PreToolUse', 2).repeat(Math.ceil(EVENT_FILE_LIMIT_BYTES / line('PreToolUse', 2).length) + 1);
    appendFileSync(path, filler);
    expect(readEvents(path).lines.length).toBeGreaterThan(0); // this read sets it aside
    appendFileSync(path, line('Stop', 3));
    const next = follower.next();
    expect(next.length).toBe(filler.split('\n').length - 1 + 1);
    expect(next.at(-1)?.at).toBe(3);
    expect(follower.next()).toEqual([]);
  });

  it('sets a full file aside itself and goes on in the new one', () => {
    const path = file();
    const follower = new EventFollower(path);
    const one = line('PreToolUse', 2);
    writeFileSync(path, one.repeat(Math.ceil(EVENT_FILE_LIMIT_BYTES / one.length) + 1));
    // The first look reads the set-aside file's last part only, as readEvents does.
    const first = follower.next();
    expect(first.length).toBeLessThanOrEqual(Math.ceil(EVENT_FILE_KEEP_BYTES / one.length));
    appendFileSync(path, line('Stop', 3));
    expect(ats(follower.next())).toEqual([3]);
  });

  it('starts over on a file removed and made again', () => {
    const path = file();
    const follower = new EventFollower(path);
    writeFileSync(path, line('SessionStart', 1) + line('Stop', 2));
    expect(ats(follower.next())).toEqual([1, 2]);
    rmSync(path);
    expect(follower.next()).toEqual([]);
    writeFileSync(`${path}.new`, line('SessionStart', 5));
    renameSync(`${path}.new`, path);
    expect(ats(follower.next())).toEqual([5]);
  });
});
