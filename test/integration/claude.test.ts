/**
 * The real Claude Code CLI from npm, started by polecat as a user would: `--agent claude`. Logged in with a throwaway
 * token and pointed (through its settings' env, as a user would configure it) at a scripted Messages API on
 * 127.0.0.1, it goes through the trust dialog and the bypass-permissions warning, shows its ready prompt, takes the
 * startup prompt, sends it and shows the stand-in's reply. Not logged in, the start fails at once with what to do.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { status } from '../../src/manager.js';
import { anthropicStandIn, sentText, type StandIn } from '../helpers/api-standins.js';
import { CLAUDE_VERSION, freshHome, installCli, putOnPath, withEnv } from '../helpers/real-cli.js';
import { keepScreen } from '../helpers/screen-recorder.js';
import { address, awaitScreen, configureAgents, expectRefused, expectStarted, startReal, stopAndExpectNothingLeft } from '../helpers/real-agent.js';
import { makeTown, type TestTown } from '../helpers/town.js';

const installed = installCli('@anthropic-ai/claude-code', CLAUDE_VERSION, 'claude');
if (installed.reason) console.warn(`skipping the real Claude Code tests: ${installed.reason}`);

/** Signed in with a token (a throwaway), passed as the caller's credential. */
const TOKEN = { ANTHROPIC_AUTH_TOKEN: 'sk-ant-throwaway-polecat-test' };

/** A home where Claude has been set up before (onboarding done), as on a polecat host. */
function claudeHome(name: string): string {
  const home = freshHome(name);
  writeFileSync(join(home, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true }));
  return home;
}

/** What a user puts in Claude's env: the endpoint, no outside traffic, and npm's prefix kept inside the test. */
function claudeEnv(standIn: StandIn | undefined): Record<string, string> {
  return {
    ...(standIn ? { ANTHROPIC_BASE_URL: standIn.url } : {}),
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: '1',
    CLAUDE_CODE_MAX_RETRIES: '0',
    npm_config_prefix: mkdtempSync(join(tmpdir(), 'polecat-claude-npm-')),
  };
}

describe.skipIf(installed.cli === undefined)(`the real Claude Code CLI ${CLAUDE_VERSION}`, () => {
  putOnPath(installed.cli!);
  const reply = 'ready, standing by';
  let standIn: StandIn | undefined;
  afterAll(async () => standIn?.close());

  it('logged in: trust and bypass answered once each, the prompt taken, sent and answered; stop leaves nothing', { timeout: 150_000 }, async () => {
    claudeHome('claude-in');
    standIn = await anthropicStandIn(reply);
    const town = makeTown({ gastown: ['Toast'] });
    // The user's own settings file, without the key that skips the bypass warning: polecat keeps it, Claude asks.
    const settings = join(town.root, 'gastown', 'polecats', '.claude', 'settings.json');
    mkdirSync(join(settings, '..'), { recursive: true });
    writeFileSync(settings, '{"editorMode": "normal"}\n');
    configureAgents(town, { claude: { env: claudeEnv(standIn) } });
    const prompt = 'polecat startup check: reply with the word ready';
    const run = await withEnv(TOKEN, () => startReal('claude', town, { prompt }));
    expectStarted(
      run,
      ['trust: Yes, I trust this folder', 'bypass: Yes, I accept'],
      [`${settings} is kept as it is, without polecat's activity hooks: what the agent is doing is read from its screen only (remove the file to have polecat write one with them)`],
    );
    const { screens } = run;
    expect(readFileSync(settings, 'utf8')).toBe('{"editorMode": "normal"}\n');
    expect(screens.sequence()).toEqual(expect.arrayContaining(['trust', 'bypass']));

    const answered = await awaitScreen(run, "the stand-in's reply on screen", (screen) => screen.includes(reply));
    expect(answered).toContain(`❯ ${prompt}`);
    expect(sentText(standIn, prompt)).toBe(true);
    expect((await status(address, { town: town.root })).running).toBe(true);
    screens.keep('claude', CLAUDE_VERSION, ['trust', 'bypass', 'ready', 'busy']);
    keepScreen('claude', CLAUDE_VERSION, 'reply', answered);
    await stopAndExpectNothingLeft(run);
  });

  it("with polecat's own settings file: no bypass warning to answer, the prompt seen without a warning", { timeout: 150_000 }, async () => {
    claudeHome('claude-own');
    const town = makeTown({ gastown: ['Toast'] });
    configureAgents(town, { claude: { env: claudeEnv(undefined) } });
    const run = await withEnv(TOKEN, () => startReal('claude', town));
    expectStarted(run, ['trust: Yes, I trust this folder']);
    const settings = JSON.parse(readFileSync(join(town.root, 'gastown', 'polecats', '.claude', 'settings.json'), 'utf8'));
    expect(settings.skipDangerousModePermissionPrompt).toBe(true);
    await stopAndExpectNothingLeft(run);
  });

  it('not logged in: the start fails at once with what to do, and leaves nothing', { timeout: 150_000 }, async () => {
    claudeHome('claude-out');
    const town: TestTown = makeTown({ gastown: ['Toast'] });
    configureAgents(town, { claude: { env: claudeEnv(undefined) } });
    const run = await startReal('claude', town);
    run.screens.keep('claude', CLAUDE_VERSION, ['claude-login']);
    await expectRefused(
      run,
      'Claude Code is not logged in: run `claude` as this user and /login, or export ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN for polecat to pass on',
      'Not logged in',
    );
  });
});
