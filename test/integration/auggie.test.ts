/**
 * The real Auggie CLI (Augment Code) from npm, started by polecat as a user would: `--agent auggie`. Signed in
 * through AUGMENT_SESSION_AUTH (a throwaway token) whose tenant is a scripted Augment API on 127.0.0.1: its
 * introduction skipped once, the startup text sent and answered. Not signed in, the start fails at once with what
 * to do.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { augmentStandIn, sentText, type StandIn } from '../helpers/api-standins.js';
import { awaitScreen, expectRefused, expectStarted, startReal, stopAndExpectNothingLeft } from '../helpers/real-agent.js';
import { freshHome, installCli, putOnPath, withEnv } from '../helpers/real-cli.js';

export const AUGGIE_VERSION = '0.36.0';
const installed = installCli('@augmentcode/auggie', AUGGIE_VERSION, 'auggie');
if (installed.reason) console.warn(`skipping the real Auggie tests: ${installed.reason}`);

describe.skipIf(installed.cli === undefined)(`the real Auggie CLI ${AUGGIE_VERSION}`, () => {
  putOnPath(installed.cli!);
  const reply = 'ready, standing by';
  let standIn: StandIn | undefined;
  afterAll(async () => standIn?.close());

  it('signed in: the introduction skipped once, the text sent and answered; stop leaves nothing', { timeout: 120_000 }, async () => {
    freshHome('auggie-in');
    standIn = await augmentStandIn(reply);
    const auth = JSON.stringify({ accessToken: 'throwaway-polecat-test', tenantURL: `${standIn.url}/`, scopes: ['email'] });
    const prompt = 'polecat startup check: reply with the word ready';
    const run = await withEnv({ AUGMENT_SESSION_AUTH: auth }, () => startReal('auggie', undefined, { prompt }));
    expectStarted(run, ['auggie-welcome: esc to skip']);
    const answered = await awaitScreen(run, "the stand-in's reply on screen", (screen) => screen.includes(`● ${reply}`));
    expect(answered).toContain(`› ${prompt}`);
    expect(sentText(standIn, prompt)).toBe(true);
    run.screens.keep('auggie', AUGGIE_VERSION, ['auggie-welcome', 'ready']);
    await stopAndExpectNothingLeft(run);
  });

  it('not signed in: the start fails at once with what to do, and leaves nothing', { timeout: 120_000 }, async () => {
    freshHome('auggie-out');
    const run = await startReal('auggie');
    run.screens.keep('auggie', AUGGIE_VERSION, ['auggie-login']);
    await expectRefused(run, 'Auggie is not signed in: run `auggie login` as this user, or export AUGMENT_SESSION_AUTH for polecat to pass on', 'Login to continue');
  });
});
