import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { makeTown, readSimLog, retryUntil, type TestTown } from '../helpers/town.js';

let town: TestTown;
let log: string;

const submits = () => readSimLog(log).filter((e) => e.event === 'submit').map((e) => String(e.text));

async function injected(args: string[], expected: string) {
  const before = submits().length;
  const result = await runCli(['inject', 'gastown/Toast', '--town', town.root, ...args]);
  expect(result.code, result.stderr).toBe(0);
  await retryUntil('the submission', () => submits().length > before || undefined);
  expect(submits().slice(before)).toEqual([expected]);
}

describe('polecat inject', () => {
  beforeAll(async () => {
    town = makeTown({ gastown: ['Toast'] });
    log = town.logPath('sim');
    const started = await runCli(['start', 'gastown/Toast', '--town', town.root, '--agent', `sim --log ${log}`, '--prompt', 'hello']);
    expect(started.code, started.stderr).toBe(0);
  });
  afterAll(async () => {
    await runCli(['stop', 'gastown/Toast', '--town', town.root]);
  });

  it('types one line literally and submits it once', () => injected(['fix', 'the', 'build'], 'fix the build'));

  it('pastes several lines through a bracketed paste, submitted once as a whole', async () => {
    const file = join(town.root, 'message.txt');
    writeFileSync(file, 'line one\nline two; with semicolon\n  indented three\n');
    await injected(['--file', file], 'line one\nline two; with semicolon\n  indented three');
    expect(readSimLog(log).filter((e) => e.event === 'paste').length).toBeGreaterThan(0);
  });

  it('reads standard input', async () => {
    const before = submits().length;
    const child = spawn(process.execPath, [CLI, 'inject', 'gastown/Toast', '--town', town.root], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end('from stdin\n');
    expect(await new Promise((resolve) => child.on('close', resolve))).toBe(0);
    await retryUntil('the submission', () => submits().length > before || undefined);
    expect(submits().slice(before)).toEqual(['from stdin']);
  });

  it('types a long line (20 KB, multibyte characters across piece boundaries) whole', async () => {
    const text = `${'é😀x'.repeat(2_500)}end`;
    await injected([text], text);
  });

  it('never interleaves concurrent injects to one polecat', async () => {
    const before = submits().length;
    const texts = ['first message alpha', 'second message beta', 'third message gamma'];
    const results = await Promise.all(texts.map((t) => runCli(['inject', 'gastown/Toast', '--town', town.root, t])));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    await retryUntil('three submissions', () => submits().length >= before + 3 || undefined);
    expect(submits().slice(before).sort()).toEqual([...texts].sort());
  });

  // Bad text (semicolons, key names, control characters, 100 KB, empty): test/e2e/bad-input.test.ts.
  it('refuses a polecat that is not running', async () => {
    const other = makeTown({ gastown: ['Toast'] });
    const result = await runCli(['inject', 'gastown/Toast', '--town', other.root, 'hi']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is not running');
  });
});
