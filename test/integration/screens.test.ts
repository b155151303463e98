/**
 * What startup makes of an agent's screen, against the sim agent in a real tmux pane: each dialog answered once, a
 * dialog the agent does not take (or that comes back unchanged) is a failure rather than a loop of Enters, a dialog's
 * words left above the prompt are not a dialog, a sign-in screen fails at once with what to do, and a startup text
 * that never shows is a failure, not "running".
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simAgentScript } from '../../src/agents/presets.js';
import { start, stop } from '../../src/manager.js';
import { planStart, planStop } from '../../src/plan.js';
import { createStepDeps } from '../../src/steps/deps.js';
import { Tmux } from '../../src/tmux/client.js';
import { awaitNothingLeft, makeTown, readSimLog, type TestTown } from '../helpers/town.js';

const address = { rig: 'gastown', name: 'Toast' };
const deps = createStepDeps({ pollMs: 25 });
// Far longer than any test here may take: a failure seen in these tests is never the deadline's.
const timeouts = { dialogsMs: 120_000, readyMs: 120_000, nudgeMs: 120_000 };

function startSim(town: TestTown, simArgs: string) {
  const log = town.logPath('sim');
  const plan = planStart(address, { town: town.root, agent: `sim --log ${log} ${simArgs}`, timeouts });
  return { plan, log, run: start(plan, { deps }) };
}

async function expectNothingLeft(plan: { socket: string; sessionName: string }, log: string) {
  expect(await new Tmux({ socket: plan.socket }).hasSession(plan.sessionName).catch(() => false)).toBe(false);
  await awaitNothingLeft(log, plan.socket);
}

const answers = (log: string) => readSimLog(log).filter((e) => e.event === 'answer').map((e) => `${e.dialog}: ${e.option}`);

describe('startup reads the live screen', () => {
  it('a sign-in screen fails the start at once, with what to do, after the dialogs before it', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const { plan, log, run } = startSim(town, '--dialogs trust,login');
    const result = await run;
    expect(result.result).toBe('failed');
    expect(result.failure?.step).toBe('acceptBypass');
    expect(result.failure?.message).toBe(
      'Claude Code is not logged in: run `claude` as this user and /login, or export ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN for polecat to pass on',
    );
    expect(result.failure?.screen).toContain('Select login method:');
    expect(answers(log)).toEqual(['trust: Yes, I trust this folder']);
    await expectNothingLeft(plan, log);
  });

  it('an agent that exits on a sign-in screen is told by what it said: the advice, then how it ended', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const { plan, log, run } = startSim(town, '--dialogs login --exit-at login --exit-code 1');
    const result = await run;
    expect(result.result).toBe('failed');
    expect(result.failure?.message).toMatch(
      /^Claude Code is not logged in: run `claude` as this user and \/login, or export ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN for polecat to pass on \(the agent exited with status 1 [a-z ]+\)$/,
    );
    expect(result.failure?.exitStatus).toBe(1);
    await expectNothingLeft(plan, log);
  });

  it('a dialog that stays after its answer fails the start with that screen; Enter was pressed once', { timeout: 40_000 }, async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const { plan, log, run } = startSim(town, '--dialogs trust --ignore-answers');
    const result = await run;
    expect(result.result).toBe('failed');
    expect(result.failure?.step).toBe('acceptBypass');
    expect(result.failure?.message).toMatch(/^the agent did not take the answer to its trust dialog \(Yes, I trust this folder\): still on screen \d+\.\d s after the answer$/);
    expect(result.failure?.screen).toContain('❯ 1. Yes, I trust this folder');
    expect(readSimLog(log).filter((e) => e.event === 'key' && e.key === 'Enter')).toHaveLength(1);
    await expectNothingLeft(plan, log);
  });

  it('a dialog that comes back unchanged after its answer fails the start; it is not answered again', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const { plan, log, run } = startSim(town, '--dialogs trust,bypass --dialogs-again');
    const result = await run;
    expect(result.result).toBe('failed');
    expect(result.failure?.step).toBe('acceptBypass');
    expect(result.failure?.message).toBe('the trust dialog came back unchanged after it was answered (Yes, I trust this folder): the agent does not take the answer');
    expect(answers(log)).toEqual(['trust: Yes, I trust this folder', 'bypass: Yes, I accept']);
    await expectNothingLeft(plan, log);
  });

  it("dialogs' words left above the prompt are not a dialog: each is answered once and the agent runs", async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const { plan, log, run } = startSim(town, '--dialogs trust,bypass --echo-answers');
    const result = await run;
    expect(result.failure, JSON.stringify(result.failure)).toBeUndefined();
    expect(result.result).toBe('running');
    expect(result.dialogsAnswered).toEqual(['trust: Yes, I trust this folder', 'bypass: Yes, I accept']);
    const screen = await new Tmux({ socket: plan.socket }).capturePane(result.session!.paneId);
    expect(screen).toContain('❯ 1. Yes, I trust this folder');
    expect(readSimLog(log).filter((e) => e.event === 'submit').map((e) => e.text)).toEqual([plan.startupText]);
    expect((await stop(planStop(address, { town: town.root }), { deps })).result).toBe('stopped');
    await expectNothingLeft(plan, log);
  });

  it('a startup text passed on the command line that never shows fails the start with the screen', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const log = town.logPath('sim');
    mkdirSync(join(town.root, 'settings'));
    writeFileSync(
      join(town.root, 'settings', 'agents.json'),
      JSON.stringify({
        agents: { mute: { command: process.execPath, args: [simAgentScript(), '--log', log, '--'], prompt_mode: 'positional', ready_prompt_prefix: '❯ ', process_names: ['node'] } },
      }),
    );
    const plan = planStart(address, { town: town.root, agent: 'mute', timeouts });
    const result = await start(plan, { deps });
    expect(result.result).toBe('failed');
    expect(result.failure?.step).toBe('nudges');
    expect(result.failure?.message).toMatch(/^the startup text was passed on the command line but the agent does not show it \(watched for \d+\.\d s\)$/);
    expect(result.failure?.screen).toContain('Welcome back!');
    expect(readSimLog(log).find((e) => e.event === 'start')?.extra).toEqual([plan.startupText]);
    await expectNothingLeft(plan, log);
  });
});
