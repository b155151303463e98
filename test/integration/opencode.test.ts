/**
 * The real opencode CLI from npm, started by polecat as a user would: `--agent opencode`. With a provider of the
 * user's own (an OpenAI-compatible one in ~/.config/opencode/opencode.json) pointing at a scripted Chat Completions
 * API on 127.0.0.1: no dialog to answer, its input box seen, the startup text sent and answered, stop leaving
 * nothing. opencode has no sign-in screen to refuse: with no provider it falls back to its own free models.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openAiStandIn, sentText, type StandIn } from '../helpers/api-standins.js';
import { awaitScreen, expectStarted, startReal, stopAndExpectNothingLeft } from '../helpers/real-agent.js';
import { freshHome, installCli, putOnPath } from '../helpers/real-cli.js';
import { keepScreen } from '../helpers/screen-recorder.js';

export const OPENCODE_VERSION = '1.18.33';
const installed = installCli('opencode-ai', OPENCODE_VERSION, 'opencode');
if (installed.reason) console.warn(`skipping the real opencode tests: ${installed.reason}`);

describe.skipIf(installed.cli === undefined)(`the real opencode CLI ${OPENCODE_VERSION}`, () => {
  putOnPath(installed.cli!);
  const reply = 'ready, standing by';
  let standIn: StandIn | undefined;
  afterAll(async () => standIn?.close());

  it('with its own provider: no dialog, the input seen, the text sent and answered; stop leaves nothing', { timeout: 180_000 }, async () => {
    const home = freshHome('opencode');
    standIn = await openAiStandIn(reply);
    mkdirSync(join(home, '.config', 'opencode'), { recursive: true });
    writeFileSync(
      join(home, '.config', 'opencode', 'opencode.json'),
      JSON.stringify({
        $schema: 'https://opencode.ai/config.json',
        provider: {
          standin: {
            npm: '@ai-sdk/openai-compatible',
            name: 'Standin',
            options: { baseURL: `${standIn.url}/v1`, apiKey: 'sk-throwaway-polecat-test' },
            models: { 'standin-model': { name: 'Standin Model' } },
          },
        },
        model: 'standin/standin-model',
        small_model: 'standin/standin-model',
      }),
    );
    const prompt = 'polecat startup check: reply with the word ready';
    const run = await startReal('opencode', undefined, { prompt });
    expectStarted(run, []);
    const answered = await awaitScreen(run, "the stand-in's reply on screen", (screen) => screen.includes(reply) && !screen.includes('esc interrupt'), 60_000);
    expect(answered).toContain(prompt);
    expect(answered).toContain('Standin Model');
    expect(sentText(standIn, prompt)).toBe(true);
    run.screens.keep('opencode', OPENCODE_VERSION, ['ready']);
    keepScreen('opencode', OPENCODE_VERSION, 'reply', answered);
    await stopAndExpectNothingLeft(run);
  });
});
