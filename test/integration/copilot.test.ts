/**
 * The real GitHub Copilot CLI from npm, started by polecat as a user would: `--agent copilot`. With a provider of the
 * user's own (its documented COPILOT_OFFLINE / COPILOT_PROVIDER_BASE_URL settings) pointing at a scripted Chat
 * Completions API on 127.0.0.1: the folder-trust dialog answered once, the startup text sent and answered. Not
 * signed in, or with a token that cannot be checked, the start fails at once with what to do.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openAiStandIn, sentText, type StandIn } from '../helpers/api-standins.js';
import { awaitScreen, configureAgents, expectRefused, expectStarted, gitTown, startReal, stopAndExpectNothingLeft } from '../helpers/real-agent.js';
import { freshHome, installCli, putOnPath, withEnv } from '../helpers/real-cli.js';

export const COPILOT_VERSION = '1.0.102';
const installed = installCli('@github/copilot', COPILOT_VERSION, 'copilot');
if (installed.reason) console.warn(`skipping the real Copilot CLI tests: ${installed.reason}`);

const NOT_SIGNED_IN =
  'GitHub Copilot CLI is not signed in: run `copilot` as this user and /login, or export COPILOT_GITHUB_TOKEN (or GH_TOKEN) for polecat to pass on';

describe.skipIf(installed.cli === undefined)(`the real GitHub Copilot CLI ${COPILOT_VERSION}`, () => {
  putOnPath(installed.cli!);
  const reply = 'ready, standing by';
  let standIn: StandIn | undefined;
  afterAll(async () => standIn?.close());

  it('with its own provider: the trust dialog answered once, the text sent and answered; stop leaves nothing', { timeout: 120_000 }, async () => {
    freshHome('copilot-byok');
    standIn = await openAiStandIn(reply);
    const town = gitTown();
    configureAgents(town, {
      copilot: { env: { COPILOT_OFFLINE: 'true', COPILOT_PROVIDER_BASE_URL: `${standIn.url}/v1`, COPILOT_MODEL: 'standin-model' } },
    });
    const prompt = 'polecat startup check: reply with the word ready';
    // The provider's key is the caller's, passed as a credential (never on a command line).
    const run = await withEnv({ COPILOT_PROVIDER_API_KEY: 'sk-throwaway-polecat-test' }, () => startReal('copilot', town, { prompt }));
    expectStarted(run, ['folder-trust: Yes']);
    const answered = await awaitScreen(run, "the stand-in's reply on screen", (screen) => screen.includes(`● ${reply}`));
    expect(answered).toContain(`❯ ${prompt}`);
    expect(sentText(standIn, prompt)).toBe(true);
    run.screens.keep('copilot', COPILOT_VERSION, ['folder-trust', 'busy']);
    await stopAndExpectNothingLeft(run);
  });

  it('not signed in: the start fails at once with what to do, and leaves nothing', { timeout: 120_000 }, async () => {
    freshHome('copilot-out');
    const run = await startReal('copilot');
    run.screens.keep('copilot', COPILOT_VERSION, ['copilot-login']);
    await expectRefused(run, NOT_SIGNED_IN, 'Please use /login to sign in to use Copilot');
  });

  it('a token that cannot be checked (no network): the start fails at once with what to do', { timeout: 120_000 }, async () => {
    freshHome('copilot-token');
    const run = await withEnv({ COPILOT_GITHUB_TOKEN: 'gho_throwawayPolecatTestToken000000000000' }, () => startReal('copilot'));
    await expectRefused(run, NOT_SIGNED_IN, 'Authentication token found but could not be validated');
  });
});
