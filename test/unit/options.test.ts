/** `--timeout NAME=SECONDS[,...]` into the startup waits' deadlines (milliseconds). */
import { describe, expect, it } from 'vitest';
import { parseTimeouts } from '../../src/cli/options.js';
import { InvalidInputError } from '../../src/town/names.js';

describe('parseTimeouts accepts', () => {
  it.each<[string, Record<string, number>]>([
    ['command=30', { commandMs: 30_000 }],
    ['dialogs=120', { dialogsMs: 120_000 }],
    ['ready=45', { readyMs: 45_000 }],
    ['nudge=10', { nudgeMs: 10_000 }],
    ['command=30,dialogs=120', { commandMs: 30_000, dialogsMs: 120_000 }],
    ['command=1,dialogs=2,ready=3,nudge=4', { commandMs: 1_000, dialogsMs: 2_000, readyMs: 3_000, nudgeMs: 4_000 }],
    ['ready=0.5', { readyMs: 500 }],
    ['ready=0.0015', { readyMs: 2 }], // rounded to whole milliseconds
    ['ready=3600', { readyMs: 3_600_000 }], // the upper bound itself
    [' ready = 2 ', { readyMs: 2_000 }], // blanks around name and value
    ['ready=1e2', { readyMs: 100_000 }],
  ])('%j', (text, expected) => {
    expect(parseTimeouts(text)).toEqual(expected);
  });
});

describe('parseTimeouts refuses', () => {
  it.each<[string, string]>([
    ['an unknown name', 'start=30'],
    ['a name in the wrong case', 'Ready=30'],
    ['the field name itself', 'readyMs=30'],
    ['zero', 'ready=0'],
    ['negative zero', 'ready=-0'],
    ['a negative number', 'ready=-5'],
    ['a non-number', 'ready=abc'],
    ['a number with a unit', 'ready=30s'],
    ['NaN', 'ready=NaN'],
    ['Infinity', 'ready=Infinity'],
    ['a missing value', 'ready'],
    ['an empty value', 'ready='],
    ['a blank value', 'ready=  '],
    ['more than an hour', 'ready=3601'],
    ['just over an hour', 'ready=3600.001'],
    ['two equals signs', 'ready=1=2'],
    ['an empty text', ''],
    ['a trailing comma', 'ready=1,'],
    ['a leading comma', ',ready=1'],
    ['a semicolon separator', 'ready=1;command=2'],
    ['a name given twice', 'ready=1,ready=2'],
    ['one bad part among good ones', 'command=30,dialogs=0,ready=5'],
  ])('%s (%j)', (_name, text) => {
    let error: unknown;
    try {
      parseTimeouts(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    const message = (error as Error).message;
    expect(message).toContain(`invalid --timeout ${JSON.stringify(text)}`);
    expect(message).toContain('command, dialogs, ready, nudge');
    expect(message).toContain('0 < SECONDS <= 3600');
    expect(message).not.toContain('\n');
  });

  // Was a bug, kept as a regression test: TIMEOUT_KEYS is a plain object, so names that are Object.prototype properties are "known": `constructor=5`
  // returns { 'function Object() { [native code] }': 5000 } and `__proto__=5` returns { '[object Object]': 5000 }
  // instead of refusing the unknown name. Fix: Object.hasOwn(TIMEOUT_KEYS, name).
  it.each(['constructor=5', 'toString=5', '__proto__=5', 'hasOwnProperty=5'])('refuses the unknown name in %j', (text) => {
    expect(() => parseTimeouts(text)).toThrow(InvalidInputError);
  });

  // Was a bug, kept as a regression test: a positive number of seconds below 0.0005 passes the `seconds > 0` check but rounds to a 0 ms deadline,
  // the very value the check exists to refuse (`ready=0.0001` gives { readyMs: 0 }: the wait times out at once).
  it('never turns an accepted value into a 0 ms deadline', () => {
    let result: ReturnType<typeof parseTimeouts> | undefined;
    try {
      result = parseTimeouts('ready=0.0001');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInputError); // refusing it is fine too
      return;
    }
    expect(result.readyMs).toBeGreaterThan(0);
  });
});
