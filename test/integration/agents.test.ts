import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simAgentScript } from '../../src/agents/presets.js';
import { start, stop } from '../../src/manager.js';
import { RunFiles } from '../../src/runs/store.js';
import { Tmux } from '../../src/tmux/client.js';
import { planStart, planStop } from '../../src/plan.js';
import { createStepDeps } from '../../src/steps/deps.js';
import { killServer, makeTown, retryUntil, type TestTown } from '../helpers/town.js';

const deps = createStepDeps({ pollMs: 25 });
const address = { rig: 'gastown', name: 'Toast' };

/** A custom agent (agents.json) that records its argv and environment, then becomes the sim agent. */
function dumpingAgent(town: TestTown, promptMode: string) {
  const argvDump = join(town.root, 'argv.bin');
  const envDump = join(town.root, 'env.bin');
  const script = `printf '%s\\0' "$@" > "$ARGV_DUMP"; env -0 > "$ENV_DUMP"; exec "${process.execPath}" "${simAgentScript()}"`;
  mkdirSync(join(town.root, 'settings'), { recursive: true });
  writeFileSync(
    join(town.root, 'settings', 'agents.json'),
    JSON.stringify({
      version: 1,
      agents: {
        dump: {
          command: '/bin/sh',
          args: ['-c', script, 'sh'],
          prompt_mode: promptMode,
          ready_prompt_prefix: '❯ ',
          process_names: ['node'],
          // The sim agent does not draw arguments it was given: nothing of the startup text can be seen.
          shows_startup_text: false,
          env: { ARGV_DUMP: argvDump, ENV_DUMP: envDump },
        },
      },
    }),
  );
  const read = (path: string) => readFileSync(path, 'utf8').split('\0').filter(Boolean);
  return {
    argv: () => read(argvDump),
    env: () => Object.fromEntries(read(envDump).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])),
  };
}

describe('agents started as configured', () => {
  it('gives the agent polecat’s identity and the caller’s credentials, and nothing else the server holds', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const dump = dumpingAgent(town, '--task');
    const plan = planStart(address, { town: town.root, agent: 'dump', prompt: 'start "now"; $HOME `x`' });
    // A server another caller started: its global environment has that caller's key, endpoint, secret and identity.
    execFileSync('tmux', ['-L', plan.socket, 'new-session', '-d', '-s', 'keeper'], {
      env: { ...process.env, ANTHROPIC_API_KEY: 'sk-someone-else', ANTHROPIC_BASE_URL: 'https://elsewhere.example', SECRET_FOO: 'leak', GT_CREW: 'joe', GT_ROLE: 'mayor' },
    });
    try {
      const saved = { ...process.env };
      Object.assign(process.env, { OPENAI_API_KEY: 'sk-openai-mine', ANTHROPIC_BASE_URL: 'https://mine.example', GT_ROLE: 'crew', CLAUDECODE: '1' });
      try {
        const result = await start(plan, { deps });
        expect(result.failure).toBeUndefined();
        expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain('sk-openai-mine');
      } finally {
        process.env = saved;
      }
      expect(dump.argv()).toEqual(['--task', 'start "now"; $HOME `x`']);
      const env = dump.env();
      expect(env).toMatchObject({
        GT_ROLE: 'gastown/polecats/Toast',
        GT_RIG: 'gastown',
        GT_POLECAT: 'Toast',
        GT_AGENT: 'dump',
        GT_RUN: plan.runId,
        GT_SESSION: 'gastown-Toast',
        GT_PROCESS_NAMES: 'node',
        GT_ROOT: town.root,
        BD_ACTOR: 'gastown/polecats/Toast',
        BEADS_AGENT_NAME: 'gastown/Toast',
        GIT_AUTHOR_NAME: 'Toast',
        OPENAI_API_KEY: 'sk-openai-mine',
        CLAUDECODE: '',
      });
      for (const key of ['ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'SECRET_FOO', 'GT_CREW']) expect(env, key).not.toHaveProperty(key);
      expect(existsSync(plan.credentialsFile)).toBe(false);
      await stop(planStop(address, { town: town.root }), { deps });
    } finally {
      killServer(plan.socket); // the other caller's session, and the polecat if the test failed before stopping it
    }
  });

  it('runs the startup command with /bin/sh whatever default-shell the server has', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const plan = planStart(address, { town: town.root, agent: 'sim' });
    execFileSync('tmux', ['-L', plan.socket, 'new-session', '-d', '-s', 'keeper', 'sleep 600', ';', 'set-option', '-g', 'default-shell', '/bin/false']);
    try {
      const result = await start(plan, { deps });
      expect(result.failure, JSON.stringify(result.failure)).toBeUndefined();
      await stop(planStop(address, { town: town.root }), { deps });
    } finally {
      killServer(plan.socket); // the keeper session, and the polecat if the test failed before stopping it
    }
  });

  it('types the startup text for an agent that takes none on its command line', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const dump = dumpingAgent(town, 'none');
    const plan = planStart(address, { town: town.root, agent: 'dump', prompt: 'hello agent' });
    const result = await start(plan, { deps });
    expect(result.failure).toBeUndefined();
    expect(dump.argv()).toEqual([]);
    await stop(planStop(address, { town: town.root }), { deps });
  });

  it('runs the agent the rig configures, with a warning when a configured preset is not installed', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    mkdirSync(join(town.root, 'gastown', 'settings'), { recursive: true });
    writeFileSync(join(town.root, 'gastown', 'settings', 'config.json'), JSON.stringify({ role_agents: { polecat: 'auggie' }, agent: 'sim' }));
    const plan = planStart(address, { town: town.root, env: { ...process.env, PATH: process.env.PATH! } });
    expect(plan.agent.name).toBe('sim');
    const result = await start(plan, { deps });
    expect(result.result).toBe('running');
    expect(result.warnings).toEqual(['rig role_agents.polecat is auggie, but auggie is not installed; trying the next setting']);
    await stop(planStop(address, { town: town.root }), { deps });
  });
});

describe('an agent wrapped in a shell script', () => {
  it('is taken as up once its hook sets GT_AGENT_READY, though the pane still shows the shell', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    mkdirSync(join(town.root, 'settings'), { recursive: true });
    const script = `tmux set-environment GT_AGENT_READY 1; "${process.execPath}" "${simAgentScript()}"; echo wrapper done`;
    writeFileSync(
      join(town.root, 'settings', 'agents.json'),
      JSON.stringify({ agents: { wrapped: { command: '/bin/sh', args: ['-c', script], prompt_mode: 'none', ready_prompt_prefix: '❯ ' } } }),
    );
    const result = await start(planStart(address, { town: town.root, agent: 'wrapped', prompt: 'hello wrapper' }), { deps });
    expect(result.failure, JSON.stringify(result.failure)).toBeUndefined();
    await stop(planStop(address, { town: town.root }), { deps });
  });
});

describe('agents with no prompt to see', () => {
  it('waits their ready delay, answering dialogs meanwhile, then types the startup text', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    mkdirSync(join(town.root, 'gastown', 'settings'), { recursive: true });
    writeFileSync(
      join(town.root, 'gastown', 'settings', 'agents.json'),
      JSON.stringify({ agents: { blind: { provider: 'sim', ready_prompt_prefix: '', ready_delay_ms: 400 } } }),
    );
    const log = town.logPath('blind');
    const plan = planStart(address, { town: town.root, agent: `blind --dialogs trust --log ${log}`, prompt: 'no prompt to see' });
    const result = await start(plan, { deps });
    expect(result.failure).toBeUndefined();
    expect(result.dialogsAnswered).toEqual(['trust: Yes, I trust this folder']);
    const events = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(events.filter((e) => e.event === 'submit').map((e) => e.text)).toEqual(['no prompt to see']);
    // The dialog step gave the agent its 400 ms before calling it ready, and the text came after its prompt.
    const dialogs = new RunFiles(town.root, plan.runId).journal().find((e) => e.type === 'step.finished' && e.step === 'acceptBypass');
    expect(dialogs?.type === 'step.finished' && dialogs.ms).toBeGreaterThanOrEqual(400);
    const prompt = events.find((e) => e.event === 'screen' && e.name === 'prompt');
    const typed = events.find((e) => e.event === 'text');
    expect(typed.ts).toBeGreaterThanOrEqual(prompt.ts);
    await stop(planStop(address, { town: town.root }), { deps });
  });
});

describe('issues through the stand-in bd', () => {
  it('routes an issue of another rig to that rig’s database and restores it on failure', async () => {
    const town = makeTown({ gastown: ['Toast'], beads: [] });
    town.setIssues('beads', { 'bd-7': { status: 'open' } });
    mkdirSync(join(town.root, '.beads'), { recursive: true });
    writeFileSync(join(town.root, '.beads', 'routes.jsonl'), '{"prefix": "bd-", "path": "beads"}\n');
    const plan = planStart(address, { town: town.root, agent: 'sim --exit-at prompt', issue: 'bd-7' });
    expect(plan.beadsDir).toBe(join(town.root, 'beads'));
    const result = await start(plan, { deps });
    expect(result.result).toBe('failed');
    expect(result.undone.join()).toContain('restored issue bd-7 to status open');
    expect(town.issue('beads', 'bd-7')).toMatchObject({ status: 'open', assignee: '' });
    const calls = readFileSync(join(town.root, 'beads', '.beads', 'calls.log'), 'utf8');
    expect(calls).toContain('"update","bd-7","--status=hooked","--assignee=gastown/polecats/Toast"');
  });

  it.each([
    ['bd missing', { GT_BD: '/nonexistent/bd' }, /bd not found, needed for issue gt-1 .*\/nonexistent\/bd/],
    ['bd failing', { BD_STANDIN_FAIL: 'exit:3' }, /bd show gt-1 --json failed \(exit 3\): Error: injected failure/],
    ['bd printing garbage', { BD_STANDIN_FAIL: 'garbage' }, /bd show gt-1: output is not JSON/],
    ['bd slower than its timeout', { BD_STANDIN_FAIL: 'slow:5000' }, /bd show gt-1 --json timed out after 500 ms/],
  ])('%s: a clear error naming the issue, before any session exists', async (_label, env, message) => {
    const town = makeTown({ gastown: ['Toast'] });
    town.setIssues('gastown', { 'gt-1': { status: 'open' } });
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const plan = planStart(address, { town: town.root, agent: 'sim', issue: 'gt-1' });
      const began = Date.now();
      const result = await start(plan, { deps: createStepDeps({ pollMs: 25, bdTimeoutMs: 500 }) });
      expect(Date.now() - began).toBeLessThan(4_000);
      expect(result.failure?.step).toBe('validateIssue');
      expect(result.failure?.message).toMatch(message);
      expect(result.undone).toEqual([]);
      const journal = new RunFiles(town.root, plan.runId).journal();
      expect(journal.find((e) => e.type === 'failure')).toMatchObject({ step: 'validateIssue', message: result.failure?.message });
      expect(journal.at(-1)).toMatchObject({ type: 'run.finished', result: 'failed' });
      expect(await new Tmux({ socket: plan.socket }).hasSession(plan.sessionName)).toBe(false);
    } finally {
      process.env = saved;
    }
  });

  it('says where it looked when a route leads to a directory that does not exist', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    mkdirSync(join(town.root, '.beads'), { recursive: true });
    writeFileSync(join(town.root, '.beads', 'routes.jsonl'), '{"prefix": "xx-", "path": "gone/rig"}\n');
    const result = await start(planStart(address, { town: town.root, agent: 'sim', issue: 'xx-1' }), { deps });
    expect(result.failure?.message).toBe(`issue xx-1 is looked up in ${join(town.root, 'gone/rig')}, which is not a directory (check <town>/.beads/routes.jsonl)`);
  });

  it('stops a bd that hangs when the start is cancelled', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    town.setIssues('gastown', { 'gt-1': { status: 'open' } });
    const saved = { ...process.env };
    process.env.BD_STANDIN_FAIL = 'slow:20000';
    try {
      const controller = new AbortController();
      const running = start(planStart(address, { town: town.root, agent: 'sim', issue: 'gt-1' }), { deps, signal: controller.signal });
      await retryUntil('bd to be called', () => {
        try {
          return readFileSync(join(town.root, 'gastown', '.beads', 'calls.log'), 'utf8').includes('show') || undefined;
        } catch {
          return undefined;
        }
      });
      const began = Date.now();
      controller.abort();
      expect((await running).result).toBe('cancelled');
      expect(Date.now() - began).toBeLessThan(2_000);
    } finally {
      process.env = saved;
    }
  });
});
