/**
 * Every way a start can end, produced for real: the built CLI, real tmux, the sim agent and the stand-in bd scripted
 * into each ending (a step's failure, a timeout, the agent dying, an unknown screen, a cancel by signal in each step,
 * success with each set of dialogs). Each run's journal is compared, state by state and event by event, with the
 * path xstate/graph generates from machines/startup.ts for that ending; then nothing may be left: no session, no
 * tmux server, no agent process.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STEP_ORDER } from '../../machines/startup.js';
import { listRuns, RunFiles, type JournalEntry, type RunRecord } from '../../src/runs/store.js';
import { CLI, runCli } from '../helpers/cli.js';
import { eventTypes, startupPaths } from '../helpers/startup-paths.js';
import { awaitNothingLeft, isAlive, makeTown, readSimLog, retryUntil, simPids, type TestTown } from '../helpers/town.js';

type Step = (typeof STEP_ORDER)[number];
type Action = 'SIGINT' | 'SIGTERM' | 'kill agent';

interface Ending {
  readonly name: string;
  /** The sim's flags, or an agent of settings/agents.json (see AGENTS). */
  readonly agent: string;
  readonly issue?: boolean;
  readonly env?: Record<string, string>;
  readonly timeout?: string;
  readonly setup?: (town: TestTown) => void;
  /** Hold the run after this step's work (POLECAT_TEST_HOLD), then do this to it. */
  readonly hold?: { readonly step: Step; readonly then: Action };
  readonly expect: {
    readonly failAt?: Step;
    readonly cancelAt?: Step;
    readonly themeFails?: boolean;
    readonly exit: number;
    readonly says: RegExp;
    /** The failed external command the failure record keeps, and `polecat inspect` shows. */
    readonly command?: { readonly line: RegExp; readonly exitCode: number; readonly stderr: string };
  };
}

/** Custom agents: a shell that never becomes an agent, and one that dies while still a shell. */
const AGENTS = {
  'never-up': { command: '/bin/sh', args: ['-c', 'sleep 30; true'], prompt_mode: 'none', ready_prompt_prefix: '❯ ' },
  'dies-early': { command: '/bin/sh', args: ['-c', 'sleep 0.3; exit 3'], prompt_mode: 'none', ready_prompt_prefix: '❯ ' },
  // The sim writing a settings file the way gemini does, so that ensureSettings has work to do.
  'sim-with-settings': { provider: 'sim', hooks: { provider: 'gemini', dir: '.gemini', settings_file: 'settings.json' } },
};

/** A step whose tmux call the guard fails (POLECAT_TEST_TMUX_FAIL): its failure record keeps that call. */
function tmuxRefuses(name: string, step: Step, word: string, line: RegExp): Ending {
  return {
    name,
    agent: '',
    env: { POLECAT_TEST_TMUX_FAIL: word },
    expect: {
      exit: 1,
      failAt: step,
      says: new RegExp(`failed at ${step}: .*injected failure`),
      command: { line, exitCode: 1, stderr: `injected failure: ${word} refused` },
    },
  };
}

const ok = /^gastown\/Toast running in [\d.]+ m?s: session gastown-Toast/m;

const endings: Ending[] = [
  { name: 'running, no dialogs', agent: '', expect: { exit: 0, says: ok } },
  { name: 'running, trust dialog answered', agent: '--dialogs trust', expect: { exit: 0, says: /trust: Yes, I trust this folder/ } },
  { name: 'running, bypass dialog answered', agent: '--dialogs bypass', expect: { exit: 0, says: /bypass: Yes, I accept/ } },
  {
    name: 'running with an issue hooked, trust and bypass answered',
    agent: '--dialogs trust,bypass',
    issue: true,
    expect: { exit: 0, says: /trust: Yes, I trust this folder.*bypass: Yes, I accept/s },
  },
  {
    name: 'running with a warning: the theme could not be set',
    agent: '',
    env: { POLECAT_TEST_TMUX_FAIL: 'status-style' },
    expect: { exit: 0, themeFails: true, says: /theme: .*injected failure/ },
  },
  {
    name: 'preflight: the session is already running',
    agent: '',
    setup: (town) => {
      const first = execFileSync(process.execPath, [CLI, 'start', 'gastown/Toast', '--town', town.root, '--agent', simAgent(town, '')], { encoding: 'utf8' });
      expect(first).toMatch(ok);
    },
    expect: { exit: 1, failAt: 'preflight', says: /failed at preflight: session gastown-Toast is already running/ },
  },
  {
    name: 'validateIssue: the issue is closed',
    agent: '',
    issue: true,
    setup: (town) => town.setIssues('gastown', { 'gt-1': { status: 'closed' } }),
    expect: { exit: 1, failAt: 'validateIssue', says: /failed at validateIssue: .*terminal status closed/ },
  },
  {
    name: 'ensureSettings: the settings directory is a file',
    agent: 'sim-with-settings',
    setup: (town) => writeFileSync(join(town.root, 'gastown', 'polecats', 'Toast', '.gemini'), 'not a directory\n'),
    expect: { exit: 1, failAt: 'ensureSettings', says: /failed at ensureSettings: .*\.gemini/ },
  },
  tmuxRefuses('createSession: tmux refuses the new session', 'createSession', 'new-session', /^tmux -u -L \S+ new-session -d -s gastown-Toast -c \S+ -x 200 -y 50 -e /),
  tmuxRefuses(
    "setEnv: tmux refuses the session's environment",
    'setEnv',
    'set-environment',
    /^tmux -u -L \S+ set-environment -t =gastown-Toast: GT_ROLE gastown\/polecats\/Toast ';' set-environment /,
  ),
  {
    name: 'hook: bd fails to update the issue (and to restore it)',
    agent: '',
    issue: true,
    env: { BD_STANDIN_FAIL: 'exit:3', BD_STANDIN_FAIL_ON: 'update' },
    expect: {
      exit: 1,
      failAt: 'hook',
      says: /failed at hook: .*gt-1/,
      command: { line: /^\S*bd update gt-1 --status=hooked --assignee=gastown\/polecats\/Toast$/, exitCode: 3, stderr: 'Error: injected failure' },
    },
  },
  {
    name: 'waitForCommand: the agent never comes up (timeout)',
    agent: 'never-up',
    timeout: 'command=1',
    expect: { exit: 1, failAt: 'waitForCommand', says: /failed at waitForCommand: / },
  },
  {
    name: 'waitForCommand: the agent dies before it is up',
    agent: 'dies-early',
    expect: { exit: 1, failAt: 'waitForCommand', says: /failed at waitForCommand: .*status 3/ },
  },
  {
    name: 'acceptBypass: a screen polecat does not know (timeout)',
    agent: '--hang',
    timeout: 'dialogs=1',
    expect: { exit: 1, failAt: 'acceptBypass', says: /failed at acceptBypass: .*neither a known dialog nor the ready prompt/ },
  },
  {
    name: 'acceptBypass: the agent exits in the trust dialog',
    agent: '--dialogs trust --exit-at trust --exit-code 4',
    expect: { exit: 1, failAt: 'acceptBypass', says: /failed at acceptBypass: .*status 4/ },
  },
  {
    name: 'waitForReady: the agent dies once its prompt showed',
    agent: '',
    hold: { step: 'acceptBypass', then: 'kill agent' },
    expect: { exit: 1, failAt: 'waitForReady', says: /failed at waitForReady: the agent exited with status 143 before its prompt was ready/ },
  },
  {
    name: 'nudges: the agent dies at its prompt before the startup text',
    agent: '',
    hold: { step: 'waitForReady', then: 'kill agent' },
    expect: { exit: 1, failAt: 'nudges', says: /failed at nudges: the agent exited with status 143 while receiving its startup text/ },
  },
  {
    name: 'nudges: the agent takes no input (timeout)',
    agent: '--ignore-input',
    timeout: 'nudge=1',
    expect: { exit: 1, failAt: 'nudges', says: /failed at nudges: the text did not arrive in the agent's input before the deadline/ },
  },
  {
    name: 'verifyAlive: the agent dies right after the startup text',
    agent: '',
    hold: { step: 'nudges', then: 'kill agent' },
    // The sim exits 143 on SIGTERM; tmux may not yet show its pane dead when verifyAlive reads /proc.
    expect: { exit: 1, failAt: 'verifyAlive', says: /failed at verifyAlive: (the agent exited with status 143 right after startup|the agent process \d+ is not alive)\n/ },
  },
  ...STEP_ORDER.flatMap((step): Ending[] =>
    (['SIGINT', 'SIGTERM'] as const).map((signal) => ({
      name: `cancelled by ${signal} in ${step}`,
      agent: '--dialogs trust',
      issue: true,
      hold: { step, then: signal },
      expect: { exit: signal === 'SIGINT' ? 130 : 143, cancelAt: step, says: new RegExp(`cancelled in ${step}`) },
    })),
  ),
];

function simAgent(town: TestTown, flags: string): string {
  return `sim --log ${town.logPath('sim')} ${flags}`.trim();
}

/** The events the generated path for this ending has, by type. */
function expectedEvents(ending: Ending): string[] {
  const events: string[] = [];
  for (const step of STEP_ORDER) {
    if (!ending.issue && (step === 'validateIssue' || step === 'hook')) continue;
    if (ending.expect.cancelAt === step) return [...events, 'CANCEL', 'xstate.done.actor.rollback'];
    if (ending.expect.failAt === step) return [...events, `xstate.error.actor.${step}`, 'xstate.done.actor.rollback'];
    events.push(`xstate.${step === 'theme' && ending.expect.themeFails ? 'error' : 'done'}.actor.${step}`);
  }
  return events;
}

function latestStartRun(town: TestTown): { record: RunRecord; journal: JournalEntry[] } {
  const { record } = listRuns(town.root).find((run) => run.record.kind === 'start')!;
  return { record, journal: new RunFiles(town.root, record.runId).journal() };
}

async function act(town: TestTown, cli: number, hold: NonNullable<Ending['hold']>, holdFile: string): Promise<void> {
  await retryUntil(`the run to hold in ${hold.step}`, () => existsSync(holdFile) || undefined, 15_000);
  if (hold.then === 'kill agent') {
    const [agent] = simPids(readSimLog(town.logPath('sim')));
    process.kill(agent!, 'SIGTERM');
    await retryUntil('the agent to die', () => !isAlive(agent!) || undefined);
    rmSync(holdFile);
  } else {
    process.kill(cli, hold.then);
  }
}

describe('every way a start ends, on real tmux, journal against the generated path', () => {
  it('has a generated path for every ending, and an ending for every step', () => {
    const generated = new Set(startupPaths.map((path) => eventTypes(path).join(' ')));
    for (const ending of endings) expect(generated.has(expectedEvents(ending).join(' ')), ending.name).toBe(true);
    const covered = new Set(endings.flatMap((e) => [e.expect.failAt, e.expect.cancelAt]));
    expect(STEP_ORDER.filter((step) => !covered.has(step))).toEqual([]);
  });

  it.each(endings.map((ending) => [ending.name, ending] as const))('%s', async (_name, ending) => {
    const town = makeTown({ gastown: ['Toast'] });
    mkdirSync(join(town.root, 'settings'), { recursive: true });
    writeFileSync(join(town.root, 'settings', 'agents.json'), JSON.stringify({ version: 1, agents: AGENTS }));
    if (ending.issue) town.setIssues('gastown', { 'gt-1': { status: 'open', assignee: 'mayor' } });
    ending.setup?.(town);
    const holdFile = join(town.root, 'held');
    const agent = ending.agent in AGENTS ? `${ending.agent} --log ${town.logPath('sim')}` : simAgent(town, ending.agent);
    const args = ['start', 'gastown/Toast', '--town', town.root, '--agent', agent, '--prompt', 'hello there'];
    if (ending.issue) args.push('--issue', 'gt-1');
    if (ending.timeout) args.push('--timeout', ending.timeout);
    const env = { ...ending.env, ...(ending.hold ? { POLECAT_TEST_HOLD: `${ending.hold.step}:${holdFile}` } : {}) };

    let cli = 0;
    const running = runCli(args, { env, onSpawn: (pid) => (cli = pid) });
    if (ending.hold) await act(town, cli, ending.hold, holdFile);
    const result = await running;
    const output = result.stdout + result.stderr;
    expect(result.code, output).toBe(ending.expect.exit);
    expect(output).toMatch(ending.expect.says);

    const { record, journal } = latestStartRun(town);
    const path = startupPaths.find((p) => eventTypes(p).join(' ') === expectedEvents(ending).join(' ') && Boolean(p.input.issue) === Boolean(ending.issue))!;
    expect(journal.filter((e) => e.type === 'event').map((e) => e.event), output).toEqual(eventTypes(path));
    expect(journal.filter((e) => e.type === 'state.entered').map((e) => e.state)).toEqual(path.states);
    expect(record.result).toBe(path.finalValue);
    if (ending.expect.failAt) expect(journal.find((e) => e.type === 'failure')).toMatchObject({ step: ending.expect.failAt });
    if (ending.expect.command) {
      const { line, exitCode, stderr } = ending.expect.command;
      const failure = journal.find((e) => e.type === 'failure');
      expect(failure?.type === 'failure' && failure.command).toMatchObject({ line: expect.stringMatching(line), exitCode, stderr });
      const shown = (await runCli(['inspect', record.runId, '--town', town.root])).stdout;
      expect(shown).toContain(`  command: ${failure?.type === 'failure' && failure.command?.line}\n    exit code ${exitCode}, stderr: ${stderr}\n`);
    }

    const socket = (record.input as { socket: string }).socket;
    if (path.finalValue === 'running') expect((await runCli(['stop', 'gastown/Toast', '--town', town.root])).code).toBe(0);
    if (ending.expect.failAt === 'preflight') expect((await runCli(['stop', 'gastown/Toast', '--town', town.root])).code).toBe(0);
    if (ending.issue && path.finalValue !== 'running' && ending.expect.failAt !== 'validateIssue') {
      expect(town.issue('gastown', 'gt-1')).toMatchObject({ status: 'open', assignee: 'mayor' });
    }
    await awaitNothingLeft(town.logPath('sim'), socket);
  });
});
