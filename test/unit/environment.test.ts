import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOOK_NAMES } from '../../machines/activity.js';
import { hookCommand } from '../../src/activity/hook-command.js';
import { agentEnvironment, agentInheritance, CREDENTIAL_ALLOW_LIST, credentialsFrom } from '../../src/agents/environment.js';
import { ensureSettingsFile, mergeClaudeHooks, settingsPlan, settingsTemplate } from '../../src/agents/settings.js';
import { BUILTIN_PRESETS, type HooksProvider } from '../../src/agents/presets.js';
import { buildStartupCommand, credentialsScript } from '../../src/agents/shell.js';
import { makeTown } from '../helpers/town.js';

const base = {
  address: { rig: 'gastown', name: 'Toast' },
  townRoot: '/town',
  workDir: '/town/gastown/polecats/Toast',
  sessionName: 'gastown-Toast',
  agentName: 'claude',
  processNames: ['node', 'claude'],
  runId: 'run-1',
  presetEnv: {},
};

describe('agentEnvironment', () => {
  it('holds polecat’s identity and the preset’s variables, and no credentials (they never go on a command line)', () => {
    const env = agentEnvironment({ ...base, presetEnv: { OPENCODE_PERMISSION: '{"*":"allow"}', NODE_OPTIONS: '--max-old-space-size=4096' } });
    expect(env).toMatchObject({
      GT_ROLE: 'gastown/polecats/Toast',
      GT_RIG: 'gastown',
      GT_POLECAT: 'Toast',
      GT_AGENT: 'claude',
      GT_RUN: 'run-1',
      OPENCODE_PERMISSION: '{"*":"allow"}',
      NODE_OPTIONS: '--max-old-space-size=4096',
      CLAUDECODE: '',
    });
    for (const key of CREDENTIAL_ALLOW_LIST) expect(env).not.toHaveProperty(key);
  });

  it('takes only the allow-listed credentials of the caller', () => {
    const callerEnv = {
      ANTHROPIC_API_KEY: 'sk-1',
      OPENAI_API_KEY: 'sk-2',
      VERTEX_REGION_CLAUDE_4_OPUS: 'europe-west1',
      https_proxy: 'http://proxy:3128',
      ANTHROPIC_BASE_URL: 'https://elsewhere.example',
      SECRET_OF_MINE: 'x',
      GT_ROLE: 'mayor',
    };
    expect(credentialsFrom(callerEnv)).toEqual({
      ANTHROPIC_API_KEY: 'sk-1',
      OPENAI_API_KEY: 'sk-2',
      VERTEX_REGION_CLAUDE_4_OPUS: 'europe-west1',
      https_proxy: 'http://proxy:3128',
    });
    expect(CREDENTIAL_ALLOW_LIST).not.toContain('ANTHROPIC_BASE_URL');
  });

  it('keeps the base variables and the credentials passed now; nothing else of what the pane inherits', () => {
    const keep = agentInheritance(['OPENAI_API_KEY']);
    expect(keep.names).toEqual(expect.arrayContaining(['PATH', 'HOME', 'TERM', 'TMUX', 'SSH_AUTH_SOCK', 'OPENAI_API_KEY']));
    expect(keep.prefixes).toContain('LC_');
    for (const name of ['ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'GT_CREW', 'GT_ROLE', 'SECRET_OF_MINE']) expect(keep.names, name).not.toContain(name);
  });

  it('through a real shell: credentials from the file (then deleted), identity and strays of the server gone', () => {
    const env = agentEnvironment(base);
    const dir = mkdtempSync(join(tmpdir(), 'polecat-env-'));
    const file = join(dir, 'credentials.env');
    const secret = `sk-'quoted' "and" $dollar \`tick\` \n newline`;
    writeFileSync(file, credentialsScript({ ANTHROPIC_API_KEY: secret }), { mode: 0o600 });
    const inherited = ['GT_CREW', 'ANTHROPIC_BASE_URL', 'SECRET_OF_MINE'];
    const command = buildStartupCommand(env, ['/usr/bin/env', '-0'], { keep: agentInheritance(['ANTHROPIC_API_KEY']), credentialsFile: file });
    expect(command).not.toContain('sk-');
    const server = { ...process.env, GT_CREW: 'joe', GT_ROLE: 'mayor', ANTHROPIC_BASE_URL: 'https://elsewhere.example', SECRET_OF_MINE: 'x' };
    const result = spawnSync('/bin/sh', ['-c', command], { env: server, encoding: 'utf8' });
    const seen = Object.fromEntries(result.stdout.split('\0').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
    expect(seen).toMatchObject({ GT_ROLE: 'gastown/polecats/Toast', ANTHROPIC_API_KEY: secret });
    for (const key of inherited) expect(seen, key).not.toHaveProperty(key);
    expect(existsSync(file)).toBe(false);
  });
});

describe('settings files', () => {
  it.each([
    ['claude', 'polecats/.claude/settings.json', ['--settings']],
    ['gemini', 'polecats/Toast/.gemini/settings.json', []],
    ['cursor', 'polecats/Toast/.cursor/hooks.json', []],
    ['opencode', 'polecats/Toast/.opencode/plugins/gastown.js', []],
    ['copilot', 'polecats/Toast/.github/hooks/gastown.json', []],
  ])('%s: written at %s', async (agent, relative, args) => {
    const town = makeTown({ gastown: ['Toast'] });
    const polecats = join(town.root, 'gastown', 'polecats');
    const plan = settingsPlan(BUILTIN_PRESETS[agent]!, polecats, join(polecats, 'Toast'));
    expect(plan.path).toBe(join(town.root, 'gastown', relative));
    expect(plan.args).toEqual(args.length > 0 ? ['--settings', plan.path] : []);
    const provider = BUILTIN_PRESETS[agent]!.hooks.provider as Exclude<HooksProvider, 'none'>;
    expect(await ensureSettingsFile(plan.path!, provider)).toBe('created');
    const mode = statSync(plan.path!).mode & 0o777;
    if (relative.endsWith('.json')) {
      expect(mode).toBe(0o600);
      expect(() => JSON.parse(readFileSync(plan.path!, 'utf8'))).not.toThrow();
    } else {
      expect(mode).toBe(0o644);
    }
    expect(readFileSync(plan.path!, 'utf8')).toBe(settingsTemplate(provider).content);
  });

  it('keeps a file the user changed', async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const path = join(town.root, 'gastown', 'polecats', '.claude', 'settings.json');
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, '{"mine": true}\n');
    expect(await ensureSettingsFile(path, 'claude')).toBe('kept');
    expect(readFileSync(path, 'utf8')).toBe('{"mine": true}\n');
  });

  it("runs the same ready call from every provider's hook, as the files always had it", () => {
    const command = 'tmux set-environment GT_AGENT_READY 1 >/dev/null 2>&1 || true';
    // Claude's and Gemini's SessionStart also report themselves to the polecat's event file, after the ready call.
    const gemini = JSON.parse(settingsTemplate('gemini').content).hooks;
    expect(gemini.SessionStart[0].hooks[0]).toEqual({ type: 'command', command });
    expect(gemini.SessionStart[0].hooks[1]).toEqual({ type: 'command', command: hookCommand('SessionStart'), timeout: 5_000 });
    expect(gemini.AfterAgent[0].hooks).toEqual([{ type: 'command', command: hookCommand('Stop'), timeout: 5_000 }]);
    expect(Object.keys(gemini).sort()).toEqual(['AfterAgent', 'AfterTool', 'BeforeAgent', 'BeforeTool', 'Notification', 'SessionEnd', 'SessionStart']);
    const claude = JSON.parse(settingsTemplate('claude').content).hooks;
    expect(claude.SessionStart[0].hooks[0]).toEqual({ type: 'command', command });
    expect(claude.SessionStart[0].hooks[1]).toMatchObject({ type: 'command', command: hookCommand('SessionStart') });
    expect(Object.keys(claude).sort()).toEqual([...HOOK_NAMES].sort());
    expect(JSON.parse(settingsTemplate('copilot').content).hooks.sessionStart).toEqual([{ type: 'command', bash: command }]);
    expect(settingsTemplate('opencode').content).toContain(
      "    if (event.type === 'session.created') execFile('tmux', ['set-environment', 'GT_AGENT_READY', '1'], () => {});\n",
    );
  });

  it("adds polecat's hooks to the user's own Claude settings after theirs, keeping everything else", () => {
    const mine = { type: 'command', command: 'my-hook' };
    const merged = mergeClaudeHooks({ model: 'opus', env: { A: '1' }, hooks: { Stop: [{ matcher: '', hooks: [mine] }], MyOwnEvent: [1] } });
    expect(merged).toMatchObject({ model: 'opus', env: { A: '1' } });
    const hooks = merged.hooks as Record<string, Array<{ hooks: Array<{ command: string }> }>>;
    expect(hooks.Stop!.map((group) => group.hooks[0]!.command)).toEqual(['my-hook', hookCommand('Stop')]);
    expect(hooks.MyOwnEvent).toEqual([1]);
    expect(Object.keys(hooks).sort()).toEqual([...HOOK_NAMES, 'MyOwnEvent'].sort());
    expect(Object.keys(mergeClaudeHooks({ hooks: 'not an object' }).hooks as object).sort()).toEqual([...HOOK_NAMES].sort());
  });

  it('writes nothing for agents without hooks', () => {
    for (const agent of ['codex', 'amp', 'auggie', 'sim']) expect(settingsPlan(BUILTIN_PRESETS[agent]!, '/p', '/w')).toEqual({ path: undefined, args: [] });
  });
});
