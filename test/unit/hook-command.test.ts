/** The activity hook command, run by a real `sh` as an agent's hook runner runs it. */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEventLine } from '../../src/activity/event-line.js';
import { hookCommand, hookScript, scriptHookCommand } from '../../src/activity/hook-command.js';

const RUN = '0b7d5a3e-8c1f-4a62-9d0e-2f4b6c8a1e3d';

function polecatEnv() {
  const root = mkdtempSync(join(tmpdir(), 'polecat-hook-'));
  mkdirSync(join(root, '.runtime', 'polecat', 'events', 'gastown'), { recursive: true });
  const env = { PATH: process.env.PATH!, GT_ROOT: root, GT_RIG: 'gastown', GT_POLECAT: 'Toast', GT_RUN: RUN };
  return { env, file: join(root, '.runtime', 'polecat', 'events', 'gastown', 'Toast.jsonl') };
}

const runHook = (command: string, stdin: string, env: NodeJS.ProcessEnv) => execFileSync('/bin/sh', ['-c', command], { input: stdin, env, encoding: 'utf8' });

describe('hookCommand', () => {
  it('appends one line with the event, the run, the time and the names from the payload, and prints nothing', () => {
    const { env, file } = polecatEnv();
    const before = Date.now();
    const payload = JSON.stringify({ session_id: 'abc-123', hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'echo "secret=hunter2"' }, cwd: '/x' });
    expect(runHook(hookCommand('PreToolUse'), payload, env)).toBe('');
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    expect(lines[0]).not.toContain('hunter2');
    const parsed = parseEventLine(lines[0]!, RUN);
    expect(parsed).toMatchObject({ line: { event: 'PreToolUse', run: RUN, tool: 'Bash', session: 'abc-123' } });
    const at = (parsed as { line: { at: number } }).line.at;
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(Date.now());
  });

  it('writes the uptime sed read after the payload, which reading turns into the time of day; a bad uptime makes the line malformed', () => {
    const { env, file } = polecatEnv();
    runHook(hookCommand('Stop'), '{}', env);
    const text = readFileSync(file, 'utf8').trim();
    expect(text).toMatch(/"up":"\d+\.\d\d"/);
    expect(text).not.toContain('"at"');
    const at = (parseEventLine(text, RUN) as { line: { at: number } }).line.at;
    expect(Math.abs(at - Date.now())).toBeLessThan(1_000);
    const up = Number(/"up":"([\d.]+)"/.exec(text)![1]);
    expect(parseEventLine(text, RUN, 1_000)).toMatchObject({ line: { at: 1_000 + Math.round(up * 1000) } });
    expect(parseEventLine(text.replace(/"up":"[\d.]+"/, '"up":"12e3"'), RUN)).toEqual({ skipped: 'malformed' });
  });

  it('without /proc/uptime, takes whole seconds from date', () => {
    const { env, file } = polecatEnv();
    const before = Date.now();
    runHook(hookCommand('Stop', '/nonexistent/uptime'), '{"session_id":"s1"}', env);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/"at":\d+000,"|"at":\d+000}/);
    const at = (parseEventLine(text.trim(), RUN) as { line: { at: number } }).line.at;
    expect(at).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(at).toBeLessThanOrEqual(Date.now());
  });

  it('drops a value longer than a hundred characters and keeps the rest of the line', () => {
    const { env, file } = polecatEnv();
    runHook(hookCommand('PreToolUse'), JSON.stringify({ tool_name: 'a'.repeat(101), session_id: 'b'.repeat(100) }), env);
    const parsed = parseEventLine(readFileSync(file, 'utf8').trim(), RUN);
    expect(parsed).toMatchObject({ line: { event: 'PreToolUse', session: 'b'.repeat(100) } });
    expect((parsed as { line: object }).line).not.toHaveProperty('tool');
  });

  it("the town's script, given the event as its argument, writes the line the whole command writes; an unknown event writes nothing", () => {
    const { env, file } = polecatEnv();
    writeFileSync(join(env.GT_ROOT, '.runtime', 'polecat', 'hook.sh'), hookScript());
    const payload = '{"session_id":"s-9","tool_name":"Bash"}';
    expect(runHook(scriptHookCommand('PreToolUse'), payload, env)).toBe('');
    runHook(hookCommand('PreToolUse'), payload, env);
    expect(runHook(`sh "$GT_ROOT/.runtime/polecat/hook.sh" 'Stop;rm'`, payload, env)).toBe('');
    expect(runHook(`sh "$GT_ROOT/.runtime/polecat/hook.sh"`, payload, env)).toBe('');
    const [fromScript, fromCommand, ...rest] = readFileSync(file, 'utf8').trim().split('\n');
    expect(rest).toEqual([]);
    const strip = (line: string) => line.replace(/"up":"[\d.]+"/, '');
    expect(strip(fromScript!)).toBe(strip(fromCommand!));
    expect(parseEventLine(fromScript!, RUN)).toMatchObject({ line: { event: 'PreToolUse', tool: 'Bash', session: 's-9' } });
  });

  it('keeps a notification kind and an error kind, and leaves out what is not made of safe characters', () => {
    const { env, file } = polecatEnv();
    runHook(hookCommand('Notification'), '{"session_id":"s1","notification_type":"permission_prompt","message":"Claude needs your permission"}', env);
    runHook(hookCommand('StopFailure'), '{"session_id":"s1","error":"rate_limit"}', env);
    runHook(hookCommand('PreToolUse'), '{"tool_name":"Bash\\" ; rm -rf /","session_id":"s 1"}', env);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => parseEventLine(l, RUN));
    expect(lines[0]).toMatchObject({ line: { event: 'Notification', kind: 'permission_prompt' } });
    expect(lines[1]).toMatchObject({ line: { event: 'StopFailure', error: 'rate_limit' } });
    expect(lines[2]).toMatchObject({ line: { event: 'PreToolUse' } });
    expect((lines[2] as { line: object }).line).not.toHaveProperty('tool');
    expect((lines[2] as { line: object }).line).not.toHaveProperty('session');
  });

  it('reads a payload written over several lines', () => {
    const { env, file } = polecatEnv();
    runHook(hookCommand('PreToolUse'), '{\n  "tool_name": "Edit",\n  "session_id": "s-2"\n}\n', env);
    expect(parseEventLine(readFileSync(file, 'utf8').trim(), RUN)).toMatchObject({ line: { event: 'PreToolUse', tool: 'Edit', session: 's-2' } });
  });

  it('outside a polecat (no run, or no events directory) does nothing and still succeeds', () => {
    const { env, file } = polecatEnv();
    expect(runHook(hookCommand('Stop'), '{}', { ...env, GT_RUN: '' })).toBe('');
    expect(runHook(hookCommand('Stop'), '{}', { ...env, GT_RIG: 'other' })).toBe('');
    expect(() => readFileSync(file)).toThrow();
  });

  it('lines of many hooks at once never interleave', async () => {
    const { env, file } = polecatEnv();
    const payload = JSON.stringify({ session_id: 'sess-0001', tool_name: 'mcp__server__some_long_tool_name', tool_input: { text: 'x'.repeat(20_000) } });
    await Promise.all(
      Array.from({ length: 64 }, () =>
        new Promise<void>((resolve, reject) => {
          const child = spawn('/bin/sh', ['-c', hookCommand('PostToolUse')], { env, stdio: ['pipe', 'ignore', 'ignore'] });
          child.on('error', reject).on('exit', () => resolve());
          child.stdin.end(payload);
        }),
      ),
    );
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(64);
    for (const line of lines) expect(parseEventLine(line, RUN)).toMatchObject({ line: { event: 'PostToolUse', tool: 'mcp__server__some_long_tool_name' } });
  });

  // Property: whatever the payloads' sizes and the hooks' number and order, every line is whole and each hook wrote one.
  it.each([1, 2, 3])('never interleaves hooks of random payloads run at once (seed %i)', async (seed) => {
    let state = seed * 2654435761;
    const random = (n: number) => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % n;
    };
    const { env, file } = polecatEnv();
    const count = 16 + random(48);
    const sent = Array.from({ length: count }, (_, i) => ({ tool: `tool_${i}`, size: random(60_000) }));
    await Promise.all(
      sent.map(
        ({ tool, size }) =>
          new Promise<void>((resolve, reject) => {
            const child = spawn('/bin/sh', ['-c', hookCommand('PreToolUse')], { env, stdio: ['pipe', 'ignore', 'ignore'] });
            child.on('error', reject).on('exit', () => resolve());
            child.stdin.on('error', () => {});
            child.stdin.end(JSON.stringify({ session_id: `s${seed}`, tool_name: tool, tool_input: { text: 'y'.repeat(size) } }));
          }),
      ),
    );
    const tools = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const parsed = parseEventLine(line, RUN);
        expect(parsed, line).toHaveProperty('line');
        return (parsed as { line: { tool?: string } }).line.tool;
      });
    expect(tools.sort()).toEqual(sent.map((s) => s.tool).sort());
  });

  it('is one line a settings file can hold', () => {
    expect(hookCommand('Stop')).not.toMatch(/\n/);
  });
});
