import { spawnSync } from 'node:child_process';
import { statSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentEnvironment, CREDENTIAL_ALLOW_LIST, IDENTITY_VARIABLES, variablesToUnset } from '../../src/agents/environment.js';
import { ensureSettingsFile, settingsPlan, settingsTemplate } from '../../src/agents/settings.js';
import { BUILTIN_PRESETS, type HooksProvider } from '../../src/agents/presets.js';
import { buildStartupCommand } from '../../src/agents/shell.js';
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
  it('passes the allow-listed credentials and nothing else of the caller', () => {
    const callerEnv = {
      ANTHROPIC_API_KEY: 'sk-1',
      OPENAI_API_KEY: 'sk-2',
      VERTEX_REGION_CLAUDE_4_OPUS: 'europe-west1',
      HTTPS_PROXY: 'http://proxy:3128',
      ANTHROPIC_BASE_URL: 'https://elsewhere.example',
      SECRET_OF_MINE: 'x',
      GT_ROLE: 'mayor',
      GT_CREW: 'joe',
      NODE_OPTIONS: '--inspect',
    };
    const env = agentEnvironment({ ...base, callerEnv });
    expect(env).toMatchObject({
      ANTHROPIC_API_KEY: 'sk-1',
      OPENAI_API_KEY: 'sk-2',
      VERTEX_REGION_CLAUDE_4_OPUS: 'europe-west1',
      HTTPS_PROXY: 'http://proxy:3128',
      GT_ROLE: 'gastown/polecats/Toast',
      NODE_OPTIONS: '',
      CLAUDECODE: '',
    });
    for (const key of ['ANTHROPIC_BASE_URL', 'SECRET_OF_MINE', 'GT_CREW']) expect(env).not.toHaveProperty(key);
    expect(CREDENTIAL_ALLOW_LIST).not.toContain('ANTHROPIC_BASE_URL');
  });

  it('sets every identity variable to the polecat or unsets it', () => {
    const env = agentEnvironment({ ...base, callerEnv: {} });
    const unset = variablesToUnset(env);
    for (const key of IDENTITY_VARIABLES) expect(key in env || unset.includes(key), key).toBe(true);
    expect(unset).toEqual(['GT_CREW', 'GT_DOG_NAME']);
  });

  it('keeps no identity of the caller through a real shell, even when the shell inherited it', () => {
    const env = agentEnvironment({ ...base, callerEnv: {} });
    const command = buildStartupCommand(env, ['/usr/bin/env', '-0'], variablesToUnset(env));
    const inherited = { ...process.env, GT_CREW: 'joe', GT_DOG_NAME: 'rex', GT_ROLE: 'mayor', BD_ACTOR: 'mayor', GIT_AUTHOR_NAME: 'Me' };
    const result = spawnSync('/bin/sh', ['-c', command], { env: inherited, encoding: 'utf8' });
    const seen = Object.fromEntries(result.stdout.split('\0').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
    expect(seen).toMatchObject({ GT_ROLE: 'gastown/polecats/Toast', BD_ACTOR: 'gastown/polecats/Toast', GIT_AUTHOR_NAME: 'Toast' });
    expect(seen).not.toHaveProperty('GT_CREW');
    expect(seen).not.toHaveProperty('GT_DOG_NAME');
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

  it('writes nothing for agents without hooks', () => {
    for (const agent of ['codex', 'amp', 'auggie', 'sim']) expect(settingsPlan(BUILTIN_PRESETS[agent]!, '/p', '/w')).toEqual({ path: undefined, args: [] });
  });
});
