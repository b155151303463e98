import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, toPromise } from 'xstate';
import { holdPointFrom, withHold } from '../../src/steps/hold.js';
import { retryUntil } from '../helpers/town.js';
import { testTmpDir } from '../helpers/tmux-guard.js';

describe('hold points for fault tests', () => {
  it('are off unless POLECAT_TEST_HOLD is set, and refuse a malformed value', () => {
    expect(holdPointFrom({})).toBeUndefined();
    expect(holdPointFrom({ POLECAT_TEST_HOLD: 'theme:/tmp/x' })).toEqual({ step: 'theme', file: '/tmp/x' });
    for (const bad of ['theme', ':/tmp/x', 'theme:']) expect(() => holdPointFrom({ POLECAT_TEST_HOLD: bad })).toThrow(/<step>:<file>/);
  });

  it("hold the named step after its work until the file is removed, and leave other steps as they are", async () => {
    const file = join(testTmpDir, 'held-unit');
    const done: string[] = [];
    const other = fromPromise(async () => 'other');
    const actors = withHold({ held: fromPromise(async () => (done.push('work'), 'out')), other }, { step: 'held', file });
    expect(actors.other).toBe(other);
    const result = toPromise(createActor(actors.held).start());
    await retryUntil('the hold file', () => existsSync(file) || undefined);
    expect(done).toEqual(['work']);
    rmSync(file);
    expect(await result).toBe('out');
  });
});
