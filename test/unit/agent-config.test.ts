import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseAgent, loadAgents } from '../../src/agents/config.js';
import { BUILTIN_PRESETS } from '../../src/agents/presets.js';
import { makeTown } from '../helpers/town.js';

function writeJson(path: string, value: unknown) {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
}

const EVERYWHERE = process.env.PATH;

describe('loadAgents', () => {
  it('has every built-in preset', () => {
    const town = makeTown({ gastown: ['Toast'] });
    expect(Object.keys(loadAgents(town.root, 'gastown')).sort()).toEqual(
      ['amp', 'auggie', 'claude', 'codex', 'copilot', 'cursor', 'gemini', 'opencode', 'sim'].sort(),
    );
  });

  it('merges town then rig agents.json field by field over the built-ins', () => {
    const town = makeTown({ gastown: ['Toast'] });
    writeJson(join(town.root, 'settings', 'agents.json'), {
      version: 1,
      agents: { claude: { args: ['--model', 'opus'], env: { A: 'town' } }, mine: { command: '/opt/bin/mine', prompt_mode: '--task' } },
    });
    writeJson(join(town.root, 'gastown', 'settings', 'agents.json'), { version: 1, agents: { claude: { env: { B: 'rig' } } } });
    const agents = loadAgents(town.root, 'gastown');
    expect(agents.claude).toMatchObject({
      command: 'claude',
      args: ['--model', 'opus'],
      env: { A: 'town', B: 'rig' },
      readyPromptPrefix: '❯ ',
      hooks: BUILTIN_PRESETS.claude!.hooks,
    });
    expect(agents.mine).toMatchObject({ command: '/opt/bin/mine', processNames: ['mine'], prompt: { kind: 'flag', flag: '--task' }, readyPromptPrefix: '❯ ' });
    expect(loadAgents(town.root, 'other').claude!.env).toEqual({ A: 'town' });
  });

  it('gives another program none of Claude’s flags or settings, and keeps Claude’s process names for a new path to claude', () => {
    const town = makeTown({ gastown: ['Toast'] });
    writeJson(join(town.root, 'settings', 'agents.json'), { agents: { cat: { command: '/bin/cat' }, claude: { command: '/opt/claude/bin/claude' } } });
    const agents = loadAgents(town.root, 'gastown');
    expect(agents.cat).toMatchObject({ args: [], hooks: { provider: 'none' }, processNames: ['cat'] });
    expect(agents.claude).toMatchObject({ command: '/opt/claude/bin/claude', processNames: ['node', 'claude'], hooks: { provider: 'claude' } });
  });

  it('bases a custom agent on its provider, else on the preset running the same program', () => {
    const town = makeTown({ gastown: ['Toast'] });
    writeJson(join(town.root, 'settings', 'agents.json'), {
      agents: { fastcodex: { provider: 'codex', args: ['--model', 'x'] }, wrapped: { command: '/usr/local/bin/gemini' } },
    });
    const agents = loadAgents(town.root, 'gastown');
    expect(agents.fastcodex).toMatchObject({ command: 'codex', args: ['--model', 'x'], readyPromptPrefix: '› ', prompt: { kind: 'positional' } });
    expect(agents.wrapped).toMatchObject({ command: '/usr/local/bin/gemini', prompt: { kind: 'flag', flag: '-i' }, hooks: { provider: 'gemini' } });
  });

  it('reads how a custom agent shows readiness, work and its startup text, keeping the preset\'s where not given', () => {
    const town = makeTown({ gastown: ['Toast'] });
    writeJson(join(town.root, 'settings', 'agents.json'), {
      agents: {
        boxed: {
          command: '/opt/boxed',
          ready_markers: ['ctrl+k menu'],
          busy_markers: ['Thinking', 'esc stop'],
          shows_startup_text: false,
          permission_markers: ['Allow this?'],
          api_error_markers: ['Request failed'],
        },
        gemini: { args: ['--model', 'pro'] },
      },
    });
    const agents = loadAgents(town.root, 'gastown');
    expect(agents.boxed).toMatchObject({
      readyMarkers: ['ctrl+k menu'],
      busyMarkers: ['Thinking', 'esc stop'],
      showsStartupText: false,
      // Not given: Claude's, whose screen reading a new program starts from.
      activityWords: { permission: ['Allow this?'], interrupted: ['Interrupted · What should Claude do instead?'], apiError: ['Request failed'] },
    });
    expect(agents.gemini).toMatchObject({ readyPromptPrefix: '* ', busyMarkers: ['(esc to cancel'], readyMarkers: [], showsStartupText: true });
  });

  it.each([
    [{ agents: { x: { ready_markers: 'ctrl+k' } } }, /agents\.x\.ready_markers must be an array of strings/],
    [{ agents: { x: { busy_markers: [1] } } }, /agents\.x\.busy_markers must be an array of strings/],
    [{ agents: { x: { shows_startup_text: 'no' } } }, /agents\.x\.shows_startup_text must be true or false/],
    ['{not json', /not valid JSON/],
    ['[]', /expected a JSON object/],
    [{ agents: [] }, /agents must be an object/],
    [{ agents: { x: { args: 'a b' } } }, /agents\.x\.args must be an array of strings/],
    [{ agents: { x: { env: { A: 1 } } } }, /agents\.x\.env must be an object of strings/],
    [{ agents: { x: { ready_delay_ms: -1 } } }, /ready_delay_ms must be a whole number/],
    [{ agents: { x: { prompt_mode: 'sometimes' } } }, /prompt_mode must be/],
    [{ agents: { x: { hooks: { provider: 'emacs' } } } }, /hooks\.provider must be one of/],
    [{ agents: { 'a b': {} } }, /agent name "a b"/],
    [{ agents: { x: { command: '' } } }, /agents\.x\.command must be/],
    [{ agents: { x: { env: { 'BAD KEY': 'v' } } } }, /agents\.x\.env key "BAD KEY" must be a variable name/],
    [{ agents: { x: { provider: 'nosuch' } } }, /unknown agent "nosuch" \(agents\.x\.provider in/],
    [{ version: 2, agents: {} }, /version must be 1/],
  ])('refuses a bad agents.json (%j) naming the file and field', (content, message) => {
    const town = makeTown({ gastown: ['Toast'] });
    const file = join(town.root, 'settings', 'agents.json');
    writeJson(file, content);
    expect(() => loadAgents(town.root, 'gastown')).toThrow(message);
    expect(() => loadAgents(town.root, 'gastown')).toThrow(file);
  });
});

describe('chooseAgent', () => {
  function choose(files: Record<string, unknown>, path = EVERYWHERE) {
    const town = makeTown({ gastown: ['Toast'] });
    for (const [relative, content] of Object.entries(files)) writeJson(join(town.root, relative), content);
    return chooseAgent(town.root, 'gastown', loadAgents(town.root, 'gastown'), path);
  }

  it('falls back to claude', () => {
    expect(choose({})).toMatchObject({ preset: { name: 'claude' }, source: 'default' });
  });

  // Was a bug, kept as a regression test: with no agent configured, the built-in claude ran, without what the town's
  // agents.json says of claude (its env, such as the endpoint a user points it at).
  it("falls back to claude as the town's agents.json has it", () => {
    const chosen = choose({ 'settings/agents.json': { agents: { claude: { env: { ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' } } } } });
    expect(chosen).toMatchObject({ preset: { name: 'claude', env: { ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' } }, source: 'default' });
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['town default_agent', { 'settings/config.json': { default_agent: 'sim' } }, 'sim', 'town default_agent'],
    ['rig agent over town default', { 'settings/config.json': { default_agent: 'claude' }, 'gastown/settings/config.json': { agent: 'sim' } }, 'sim', 'rig agent'],
    ['town role_agents over rig agent', { 'settings/config.json': { role_agents: { polecat: 'sim' } }, 'gastown/settings/config.json': { agent: 'claude' } }, 'sim', 'town role_agents.polecat'],
    ['rig role_agents over town role_agents', { 'settings/config.json': { role_agents: { polecat: 'claude' } }, 'gastown/settings/config.json': { role_agents: { polecat: 'sim' } } }, 'sim', 'rig role_agents.polecat'],
    ['role_agents for another role only', { 'gastown/settings/config.json': { role_agents: { witness: 'sim' } } }, 'claude', 'default'],
  ])('%s', (_label, files, name, source) => {
    expect(choose(files)).toMatchObject({ preset: { name }, source, warnings: [] });
  });

  it('uses a rig runtime block as a custom agent', () => {
    const choice = choose({ 'gastown/settings/config.json': { runtime: { command: '/opt/claude-wrapper', args: ['--x'] }, agent: 'sim' } });
    expect(choice).toMatchObject({ source: 'rig runtime', preset: { command: '/opt/claude-wrapper', args: ['--x'], readyPromptPrefix: '❯ ' } });
  });

  it('skips a role_agents preset whose program is not installed, with a warning', () => {
    const choice = choose({ 'gastown/settings/config.json': { role_agents: { polecat: 'codex' }, agent: 'sim' } }, '/nonexistent');
    expect(choice.preset.name).toBe('sim');
    expect(choice.warnings).toEqual(['rig role_agents.polecat is codex, but codex is not installed; trying the next setting']);
  });

  it.each([
    [{ 'gastown/settings/config.json': { agent: 'nosuch' } }, /unknown agent "nosuch" \(agent in .*gastown\/settings\/config\.json\)/],
    [{ 'settings/config.json': { role_agents: { polecat: 'nosuch' } } }, /unknown agent "nosuch" \(role_agents\.polecat in .*settings\/config\.json\)/],
    [{ 'settings/config.json': { default_agent: 3 } }, /default_agent must be an agent name/],
    [{ 'settings/config.json': '{' }, /not valid JSON/],
  ])('refuses bad configuration %j before anything starts', (files, message) => {
    expect(() => choose(files)).toThrow(message);
  });
});
