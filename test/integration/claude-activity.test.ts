/**
 * Activity from the real Claude Code CLI's own hooks, whole turns offline against a scripted Messages API on
 * 127.0.0.1: the startup text submitted → busy → a Bash tool call → Stop → idle; the API answering 429 and 500 →
 * errored with the kind; `/exit` → exited; without bypassed permissions, a Bash call asking → waiting, denied with Esc
 * (no hook) → idle from the screen; an Esc interrupt of a turn (no hook) → idle from the screen. Through the built
 * CLI, as a script would use it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventFilePath } from '../../src/activity/event-file.js';
import { anthropicScript, type StandIn } from '../helpers/api-standins.js';
import { runCli } from '../helpers/cli.js';
import { configureAgents, gitTown } from '../helpers/real-agent.js';
import { CLAUDE_VERSION, freshHome, installCli, putOnPath } from '../helpers/real-cli.js';

/** A town whose Claude talks to the stand-in, the built CLI run in it, and the polecat's hook events as written. */
function claudeTown(standIn: StandIn, agent: Record<string, unknown> = {}) {
  const town = gitTown();
  configureAgents(town, {
    claude: { ...agent, env: { ANTHROPIC_BASE_URL: standIn.url, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', CLAUDE_CODE_MAX_RETRIES: '0' } },
  });
  const env = { ANTHROPIC_AUTH_TOKEN: 'sk-ant-throwaway-polecat-test' };
  const cli = (...args: string[]) => runCli([...args, '--town', town.root], { env });
  const events = () =>
    readFileSync(eventFilePath(town.root, 'gastown', 'Toast'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; tool?: string; error?: string; kind?: string });
  return { town, cli, events };
}

const installed = installCli('@anthropic-ai/claude-code', CLAUDE_VERSION, 'claude');
if (installed.reason) console.warn(`skipping the real Claude Code activity tests: ${installed.reason}`);

describe.skipIf(installed.cli === undefined)(`activity of the real Claude Code CLI ${CLAUDE_VERSION}`, () => {
  putOnPath(installed.cli!);
  let standIn: StandIn | undefined;
  afterAll(async () => standIn?.close());

  it('a tool call and the end of its turn, errors with their kind, and /exit, each from its hooks', { timeout: 120_000 }, async () => {
    const home = freshHome('claude-activity');
    writeFileSync(join(home, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true }));
    standIn = await anthropicScript([{ bash: 'echo polecat-tool-ran' }, { text: 'ran it' }, { status: 429 }, { status: 500 }, { text: 'fine again' }]);
    const { cli, events } = claudeTown(standIn);

    const started = await cli('start', 'gastown/Toast', '--agent', 'claude', '--prompt', 'run the command', '--json');
    expect(started.code, started.stderr).toBe(0);
    const idle = await cli('wait', 'gastown/Toast', '--for', 'idle', '--timeout', '60', '--json');
    expect(idle.code, idle.stdout + idle.stderr).toBe(0);
    expect(events().map((e) => [e.event, e.tool].filter(Boolean).join(' '))).toEqual(['SessionStart', 'UserPromptSubmit', 'PreToolUse Bash', 'PostToolUse Bash', 'Stop']);

    // The turn ends failed: idle will not come, so the wait ends 1 saying why.
    const limited = await cli('inject', 'gastown/Toast', 'again please', '--then-wait', 'idle', '--wait-timeout', '60');
    expect(limited.code, limited.stdout + limited.stderr).toBe(1);
    expect(limited.stdout).toMatch(/^gastown\/Toast: not idle \(its turn failed\); errored: rate limit \d+s \(hook\)$/m);
    const failed = await cli('inject', 'gastown/Toast', 'once more', '--then-wait', 'idle', '--wait-timeout', '60');
    expect(failed.stdout).toMatch(/^gastown\/Toast: not idle \(its turn failed\); errored: server error \d+s \(hook\)$/m);
    expect(events().filter((e) => e.event === 'StopFailure').map((e) => e.error)).toEqual(['rate_limit', 'server_error']);

    const recovered = await cli('inject', 'gastown/Toast', 'and now', '--then-wait', 'idle', '--wait-timeout', '60');
    expect(recovered.code, recovered.stdout + recovered.stderr).toBe(0);

    const exit = await cli('inject', 'gastown/Toast', '/exit', '--then-wait', 'change', '--wait-timeout', '60');
    expect(exit.stdout, exit.stderr).toMatch(/^gastown\/Toast: exited/m);
    expect(events().at(-1)?.event).toBe('SessionEnd');
    expect((await cli('stop', 'gastown/Toast')).code).toBe(0);
  });

  it('asking permission for a tool is waiting; denying it with Esc and interrupting a turn with Esc fire no hook, and the screen says the turn is over', { timeout: 180_000 }, async () => {
    const home = freshHome('claude-permission');
    writeFileSync(join(home, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true }));
    const asking = await anthropicScript([{ text: 'ready' }, { bash: 'touch polecat-asked' }, { text: 'a long answer', afterMs: 120_000 }]);
    // Claude as a user runs it without polecat's bypass: it asks before running a command.
    const { cli, events } = claudeTown(asking, { args: [] });
    try {
      const started = await cli('start', 'gastown/Toast', '--agent', 'claude', '--prompt', 'say ready', '--json');
      expect(started.code, started.stderr).toBe(0);
      const { socket, pane } = JSON.parse(started.stdout) as { socket: string; pane: string };
      const escape = () => execFileSync('tmux', ['-L', socket, 'send-keys', '-t', pane, 'Escape']);
      expect((await cli('wait', 'gastown/Toast', '--for', 'idle', '--timeout', '60')).code).toBe(0);

      expect((await cli('inject', 'gastown/Toast', 'run the command')).code).toBe(0);
      const asked = await cli('wait', 'gastown/Toast', '--for', 'waiting', '--timeout', '60');
      expect(asked.code, asked.stdout + asked.stderr + (await cli('capture', 'gastown/Toast')).stdout).toBe(0);
      expect(asked.stdout).toMatch(/^gastown\/Toast: waiting: permission \(Bash\) \d+s \(hook\)$/m);
      expect(events().map((e) => e.event)).toContain('PermissionRequest');
      expect((await cli('capture', 'gastown/Toast')).stdout).toContain('Do you want to proceed?');

      escape();
      const denied = await cli('wait', 'gastown/Toast', '--for', 'idle', '--timeout', '30');
      expect(denied.code, denied.stdout + denied.stderr).toBe(0);
      expect(denied.stdout).toMatch(/^gastown\/Toast: idle \d+s \(screen\)$/m);
      expect(events().map((e) => e.event)).not.toContain('PostToolUse');

      expect((await cli('inject', 'gastown/Toast', 'take your time')).code).toBe(0);
      const long = await cli('wait', 'gastown/Toast', '--for', 'busy', '--timeout', '60');
      expect(long.code, long.stdout + long.stderr).toBe(0);
      const stopsBefore = events().filter((e) => e.event === 'Stop').length;
      escape();
      const interrupted = await cli('wait', 'gastown/Toast', '--for', 'idle', '--timeout', '30');
      expect(interrupted.code, interrupted.stdout + interrupted.stderr).toBe(0);
      expect(interrupted.stdout).toMatch(/^gastown\/Toast: idle \d+s \(screen\)$/m);
      expect(events().filter((e) => e.event === 'Stop')).toHaveLength(stopsBefore);
    } finally {
      await cli('stop', 'gastown/Toast');
      await asking.close();
    }
  });
});
