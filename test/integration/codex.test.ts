/**
 * The real Codex CLI from npm, started by polecat as a user would: `--agent codex`. Signed in with a throwaway API
 * key (its own ~/.codex/auth.json) and pointed, through its config.toml, at a scripted Responses API on 127.0.0.1:
 * the folder dialog is answered once (no update offer, though Codex knows of one); the startup text is sent and the
 * stand-in's reply shows. Not signed in, the start fails at once with what to do.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openAiStandIn, sentText, type StandIn } from '../helpers/api-standins.js';
import { status } from '../../src/manager.js';
import { address, awaitHookEvents, awaitScreen, expectRefused, expectStarted, startReal, stopAndExpectNothingLeft } from '../helpers/real-agent.js';
import { freshHome, installCli, putOnPath } from '../helpers/real-cli.js';
import { keepScreen } from '../helpers/screen-recorder.js';

export const CODEX_VERSION = '0.171.0';
const installed = installCli('@openai/codex', CODEX_VERSION, 'codex');
if (installed.reason) console.warn(`skipping the real Codex tests: ${installed.reason}`);

describe.skipIf(installed.cli === undefined)(`the real Codex CLI ${CODEX_VERSION}`, () => {
  putOnPath(installed.cli!);
  const reply = 'ready, standing by';
  let standIn: StandIn | undefined;
  afterAll(async () => standIn?.close());

  it('signed in: the folder dialog answered once, no update offer, the text sent and answered, its turn reported by its hooks; stop leaves nothing', { timeout: 120_000 }, async () => {
    const home = freshHome('codex-in');
    standIn = await openAiStandIn(reply);
    mkdirSync(join(home, '.codex'));
    writeFileSync(join(home, '.codex', 'auth.json'), JSON.stringify({ auth_mode: 'apikey', OPENAI_API_KEY: 'sk-throwaway-polecat-test' }), { mode: 0o600 });
    writeFileSync(
      join(home, '.codex', 'config.toml'),
      ['model = "standin-model"', 'model_provider = "standin"', '', '[model_providers.standin]', 'name = "Standin"', `base_url = "${standIn.url}/v1"`, 'wire_api = "responses"', ''].join('\n'),
    );
    // Codex has learnt of a newer version: polecat's start does not let it offer the update (it would drop the prompt).
    writeFileSync(join(home, '.codex', 'version.json'), JSON.stringify({ latest_version: '0.999.0', last_checked_at: new Date().toISOString(), dismissed_version: null }));
    const prompt = 'polecat startup check: reply with the word ready';
    const run = await startReal('codex', undefined, { prompt });
    expectStarted(run, ['codex-trust: Trust and continue']);
    const answered = await awaitScreen(run, "the stand-in's reply on screen", (screen) => screen.includes(`• ${reply}`));
    expect(answered).toContain(`› ${prompt}`);
    expect(sentText(standIn, prompt)).toBe(true);
    // Its own hooks, given on its command line, run the town's hook script.
    await awaitHookEvents(run, ['SessionStart', 'UserPromptSubmit', 'Stop']);
    expect((await status(address, { town: run.town.root })).activity).toMatchObject({ state: 'idle', source: 'hook' });
    run.screens.keep('codex', CODEX_VERSION, ['codex-trust']);
    keepScreen('codex', CODEX_VERSION, 'reply', answered);
    await stopAndExpectNothingLeft(run);
  });

  it('not signed in: the start fails at once with what to do, and leaves nothing', { timeout: 120_000 }, async () => {
    freshHome('codex-out');
    const run = await startReal('codex');
    expect(run.result.failure?.step).toBe('acceptBypass');
    run.screens.keep('codex', CODEX_VERSION, ['codex-login']);
    await expectRefused(
      run,
      'Codex is not signed in: run `codex login` as this user (with an API key: `printenv OPENAI_API_KEY | codex login --with-api-key`), then start again',
      'Sign in with ChatGPT',
    );
  });
});
