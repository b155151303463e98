/**
 * A restart that resumes the real Claude Code CLI's conversation, offline against a scripted Messages API on
 * 127.0.0.1: a polecat put up with a first prompt, a second turn injected, its agent killed -9 mid-conversation, and
 * the supervisor starting it again with `--resume <the session id its hooks reported>` and no startup text. The next
 * turn's request carries the earlier turns in its messages: Claude really continued the conversation. Through the
 * built CLI, as a user runs it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventFilePath } from '../../src/activity/event-file.js';
import { RunFiles } from '../../src/runs/store.js';
import { anthropicScript, type SeenRequest, type StandIn } from '../helpers/api-standins.js';
import { runCli } from '../helpers/cli.js';
import { configureAgents, gitTown } from '../helpers/real-agent.js';
import { CLAUDE_VERSION, freshHome, installCli, putOnPath } from '../helpers/real-cli.js';
import { isAlive, retryUntil, serverAlive } from '../helpers/town.js';

interface Seen {
  running: boolean;
  agentPid?: number;
  agentCommand?: string;
  run?: string;
  socket: string;
}

interface Message {
  role: string;
  content: string | Array<{ type: string; text?: string; content?: unknown }>;
}

const FIRST = 'remember the word polecat-zebra';
const FIRST_ANSWER = 'noted, the word is polecat-zebra';
const SECOND = 'and remember polecat-okapi too';
const SECOND_ANSWER = 'noted as well: polecat-okapi';
const THIRD = 'what was the first word?';
const THIRD_ANSWER = 'the first word was polecat-zebra';

/** A message's text, every text block of it joined (Claude adds blocks of its own, system reminders say). */
function textOf(message: Message): string {
  if (typeof message.content === 'string') return message.content;
  return message.content.map((block) => (typeof block.text === 'string' ? block.text : typeof block.content === 'string' ? block.content : '')).join('\n');
}

/** The conversation turns a request to /v1/messages carried (none for anything else, titling included). */
function messagesOf(request: SeenRequest): Message[] {
  if (request.method !== 'POST' || !request.path.startsWith('/v1/messages')) return [];
  const body = JSON.parse(request.body) as { messages?: Message[]; system?: unknown };
  if (JSON.stringify(body.system ?? '').includes('title')) return [];
  return body.messages ?? [];
}

/** The text of the last user message: what the request's turn began with. */
const lastUserText = (request: SeenRequest) => {
  const users = messagesOf(request).filter((m) => m.role === 'user');
  return users.length > 0 ? textOf(users.at(-1)!) : undefined;
};

const installed = installCli('@anthropic-ai/claude-code', CLAUDE_VERSION, 'claude');
if (installed.reason) console.warn(`skipping the real Claude Code resume test: ${installed.reason}`);

describe.skipIf(installed.cli === undefined)(`a supervised restart resuming the real Claude Code CLI ${CLAUDE_VERSION}`, () => {
  putOnPath(installed.cli!);
  let standIn: StandIn | undefined;
  afterAll(async () => standIn?.close());

  it('killed -9 mid-conversation, restarted with --resume of its session: the next request carries the earlier turns, the startup text not sent again', { timeout: 240_000 }, async () => {
    const home = freshHome('claude-resume');
    writeFileSync(join(home, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true }));
    standIn = await anthropicScript([{ text: FIRST_ANSWER }, { text: SECOND_ANSWER }, { text: THIRD_ANSWER }]);
    const town = gitTown();
    configureAgents(town, {
      claude: { env: { ANTHROPIC_BASE_URL: standIn.url, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', CLAUDE_CODE_MAX_RETRIES: '0' } },
    });
    writeFileSync(join(town.root, 'settings', 'config.json'), JSON.stringify({ supervision: { backoff_min_s: 0.2 } }));
    // The throwaway credential, to the CLI and so to the agents it starts, the supervisor's restart included.
    const env = { ANTHROPIC_AUTH_TOKEN: 'sk-ant-throwaway-polecat-test' };
    const cli = (...args: string[]) => runCli([...args, '--town', town.root], { env });
    const status = async () => JSON.parse((await cli('status', 'gastown/Toast', '--json')).stdout) as Seen;
    const events = () =>
      readFileSync(eventFilePath(town.root, 'gastown', 'Toast'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { event: string; run?: string; session?: string });
    const screen = async () => (await cli('capture', 'gastown/Toast')).stdout;

    const up = await cli('up', 'gastown/Toast', '--agent', 'claude', '--prompt', FIRST);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const idle = await cli('wait', 'gastown/Toast', '--for', 'idle', '--timeout', '60');
    expect(idle.code, idle.stdout + idle.stderr + (await screen())).toBe(0);
    const second = await cli('inject', 'gastown/Toast', SECOND, '--then-wait', 'idle', '--wait-timeout', '60');
    expect(second.code, second.stdout + second.stderr + (await screen())).toBe(0);
    expect(await screen()).toContain(SECOND_ANSWER);

    const first = await status();
    expect(first.running).toBe(true);
    // The session id Claude's hooks reported in the first run, the one a restart resumes.
    const sessions = [...new Set(events().filter((e) => e.run === first.run && e.session !== undefined).map((e) => e.session!))];
    expect(sessions).toHaveLength(1);
    const session = sessions[0]!;
    // Claude keeps its conversation under ~/.claude/projects, named by that same id.
    expect(readFileSync(join(home, '.claude', 'projects', join(town.root, 'gastown', 'polecats', 'Toast').replace(/[^A-Za-z0-9]/g, '-'), `${session}.jsonl`), 'utf8')).toContain(SECOND_ANSWER);
    const requestsBefore = standIn.requests.length;

    let supervisorPid = 0;
    let supervisorOutput = () => '';
    const supervisorDone = runCli(['supervise', '--town', town.root], { env, detached: true, onSpawn: (pid, output) => ((supervisorPid = pid), (supervisorOutput = output)) });
    const saw = (text: string, timeoutMs = 30_000) =>
      retryUntil(`the supervisor to say ${JSON.stringify(text)}`, () => (supervisorOutput().includes(text) ? true : undefined), timeoutMs).catch((error: Error) => {
        throw new Error(`${error.message}; it said:\n${supervisorOutput()}`);
      });
    let supervisorEnded = false;
    try {
      await saw('gastown/Toast: supervised');
      // The pane's process is Claude itself (its native binary, exec'd in the pane): killing it ends the agent.
      const pid = first.agentPid!;
      expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('claude');
      process.kill(pid, 'SIGKILL');
      await retryUntil('the killed agent to be gone', () => !isAlive(pid) || undefined, 10_000);
      await saw('gastown/Toast: agent gone');
      await saw(`, resuming session ${session}`);
      const restarted = await retryUntil(
        'the restart running',
        async () => {
          const now = await status();
          return now.running && now.agentPid !== undefined && now.agentPid !== pid && now.run !== first.run ? now : undefined;
        },
        90_000,
      );
      await saw(`run ${restarted.run} running`);
      expect(supervisorOutput()).toContain(`restart begun: run ${restarted.run} after ${first.run}, resuming session ${session}`);
      const record = new RunFiles(town.root, restarted.run!).record();
      expect(record.input).toMatchObject({ resumes: session, startupText: '', follows: first.run });
      expect((record.input as { agent: { argv: string[] } }).agent.argv.slice(-2)).toEqual(['--resume', session]);
      // The resumed Claude shows the earlier conversation.
      await retryUntil('the earlier conversation on the resumed screen', async () => ((await screen()).includes(SECOND_ANSWER) ? true : undefined), 10_000);

      const third = await cli('inject', 'gastown/Toast', THIRD, '--then-wait', 'idle', '--wait-timeout', '60');
      expect(third.code, third.stdout + third.stderr + (await screen())).toBe(0);
      expect(await screen()).toContain(THIRD_ANSWER);

      const after = standIn.requests.slice(requestsBefore);
      const asking = after.filter((request) => lastUserText(request)?.includes(THIRD));
      expect(asking.length, JSON.stringify(after.map(lastUserText))).toBeGreaterThan(0);
      const messages = messagesOf(asking[0]!);
      const said = (role: string, text: string) => messages.filter((m) => m.role === role && textOf(m).includes(text)).length;
      // Every earlier turn, in order, as history: the first prompt once, both answers, the second prompt.
      expect(said('user', FIRST)).toBe(1);
      expect(said('assistant', FIRST_ANSWER)).toBe(1);
      expect(said('user', SECOND)).toBe(1);
      expect(said('assistant', SECOND_ANSWER)).toBe(1);
      const order = [FIRST, FIRST_ANSWER, SECOND, SECOND_ANSWER, THIRD].map((text) => messages.findIndex((m) => textOf(m).includes(text)));
      expect(order).toEqual([...order].sort((a, b) => a - b));
      // No turn after the restart began with the startup text: it was not given again.
      expect(after.filter((request) => lastUserText(request)?.includes(FIRST))).toEqual([]);
      expect(after.map(lastUserText).filter((text) => text !== undefined && !text.includes(THIRD))).toEqual([]);
      // The resumed Claude reported the same session.
      expect([...new Set(events().filter((e) => e.run === restarted.run && e.session !== undefined).map((e) => e.session))]).toEqual([session]);

      process.kill(supervisorPid, 'SIGTERM');
      const ended = await supervisorDone;
      supervisorEnded = true;
      expect(ended.code, supervisorOutput()).toBe(143);
      const down = await cli('down', 'gastown/Toast');
      expect(down.code, down.stdout + down.stderr).toBe(0);
      await retryUntil('the restarted agent to be gone', () => !isAlive(restarted.agentPid!) || undefined, 10_000);
      await retryUntil(`the tmux server ${first.socket} to be gone`, () => !serverAlive(first.socket) || undefined, 10_000);
      expect((await status()).running).toBe(false);
      await retryUntil('no process naming the town', () => !execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).includes(town.root) || undefined, 10_000);
    } finally {
      if (!supervisorEnded && supervisorPid > 0) {
        process.kill(supervisorPid, 'SIGTERM');
        await supervisorDone;
      }
      await cli('down', 'gastown/Toast');
    }
  });
});
