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
  it('keeps a trailing semicolon', () => injected(['run this;'], 'run this;'));
  it('types words that look like tmux key names as text', () => injected(['C-c', 'Enter', 'Escape', 'BSpace'], 'C-c Enter Escape BSpace'));
  it('removes control characters and escape sequences, keeps unicode', () => injected(['a\x1b[31mb\x07c ✓ 😀 名前'], 'a[31mbc ✓ 😀 名前'));

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

  // 100 KB: the size. Emoji are 4 bytes and the pieces are 4,000 bytes, so a cut inside one would show.
  it('types a 100 KB line (emoji at piece boundaries) whole, and pastes 100 KB of lines whole', async () => {
    const line = `start ${'😀é'.repeat(16_700)} end`;
    expect(Buffer.byteLength(line)).toBeGreaterThan(100_000);
    const lineFile = join(town.root, 'long-line.txt');
    writeFileSync(lineFile, line);
    await injected(['--file', lineFile], line);
    const lines = Array.from({ length: 1_400 }, (_, i) => `line ${i} ${'😀名'.repeat(10)} ;`).join('\n');
    expect(Buffer.byteLength(lines)).toBeGreaterThan(100_000);
    const linesFile = join(town.root, 'long-lines.txt');
    writeFileSync(linesFile, lines);
    await injected(['--file', linesFile], lines);
  }, 60_000);

  it('never interleaves concurrent injects to one polecat', async () => {
    const before = submits().length;
    const texts = ['first message alpha', 'second message beta', 'third message gamma'];
    const results = await Promise.all(texts.map((t) => runCli(['inject', 'gastown/Toast', '--town', town.root, t])));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    await retryUntil('three submissions', () => submits().length >= before + 3 || undefined);
    expect(submits().slice(before).sort()).toEqual([...texts].sort());
  });

  it('refuses empty text and a polecat that is not running', async () => {
    expect((await runCli(['inject', 'gastown/Toast', '--town', town.root, '\x07'])).code).toBe(2);
    const other = makeTown({ gastown: ['Toast'] });
    const result = await runCli(['inject', 'gastown/Toast', '--town', other.root, 'hi']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is not running');
  });
});
