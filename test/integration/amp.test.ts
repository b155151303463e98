/**
 * The real Amp CLI from npm, started by polecat as a user would: `--agent amp`. Signed in with a throwaway AMP_API_KEY
 * against a stand-in for Amp's server on 127.0.0.1 (AMP_URL in its env): its introduction paged through, one answer
 * per page, its input box seen, the startup text typed into it and submitted. Amp's model turns run on Amp's own
 * servers over a WebSocket that no stand-in here plays, so no reply is awaited. Not signed in, the start fails at once
 * with what to do.
 */
import { describe, expect, it, afterAll } from 'vitest';
import { ampStandIn, type StandIn } from '../helpers/api-standins.js';
import { awaitScreen, configureAgents, expectRefused, expectStarted, gitTown, startReal, stopAndExpectNothingLeft } from '../helpers/real-agent.js';
import { freshHome, installCli, putOnPath, withEnv } from '../helpers/real-cli.js';

export const AMP_VERSION = '0.0.1790142911';
const installed = installCli('@sourcegraph/amp', `${AMP_VERSION}-g7618fb`, 'amp');
if (installed.reason) console.warn(`skipping the real Amp tests: ${installed.reason}`);

describe.skipIf(installed.cli === undefined)(`the real Amp CLI ${AMP_VERSION}`, () => {
  putOnPath(installed.cli!);
  let standIn: StandIn | undefined;
  afterAll(async () => standIn?.close());

  it('signed in: its introduction paged through once, the text typed and submitted; stop leaves nothing', { timeout: 120_000 }, async () => {
    freshHome('amp-in');
    standIn = await ampStandIn();
    const town = gitTown();
    configureAgents(town, { amp: { env: { AMP_URL: standIn.url } } });
    const prompt = 'polecat startup check: reply with the word ready';
    const run = await withEnv({ AMP_API_KEY: 'throwaway-polecat-test-key' }, () => startReal('amp', town, { prompt }));
    expectStarted(run, [...Array<string>(6).fill('amp-intro: Space to continue'), 'amp-get-started: Enter to get started']);
    // Submitted: out of the input box, above it as the thread's first message.
    await awaitScreen(run, 'the startup text as the first message of a thread', (screen) => screen.includes(`┃ ${prompt}`));
    run.screens.keep('amp', AMP_VERSION, ['amp-intro', 'amp-get-started', 'ready']);
    await stopAndExpectNothingLeft(run);
  });

  it('not signed in: the start fails at once with what to do, and leaves nothing', { timeout: 120_000 }, async () => {
    freshHome('amp-out');
    const run = await startReal('amp');
    run.screens.keep('amp', AMP_VERSION, ['amp-login']);
    await expectRefused(run, 'Amp is not signed in: run `amp login` as this user, or export AMP_API_KEY for polecat to pass on', 'Would you like to log in to Amp?');
  });
});
