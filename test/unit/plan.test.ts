import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultStartupText, planStart, planStop } from '../../src/plan.js';
import { makeTown } from '../helpers/town.js';

const address = { rig: 'gastown', name: 'Toast' };

describe('planStart', () => {
  it('puts the startup text and the settings file on a Claude command line', () => {
    const town = makeTown({ gastown: ['Toast'] });
    const plan = planStart(address, { town: town.root, issue: 'gt-1' });
    const settings = `${town.root}/gastown/polecats/.claude/settings.json`;
    expect(plan.agent).toMatchObject({ name: 'claude', promptMode: 'arg', readyPromptPrefix: '❯ ', settings: { path: settings, provider: 'claude' } });
    expect(plan.agent.argv).toEqual(['claude', '--dangerously-skip-permissions', '--settings', settings, defaultStartupText(address, 'gt-1')]);
    expect(plan.startupText).toContain('gt-1');
    if (process.getuid?.() === 0) expect(plan.env.IS_SANDBOX).toBe('1');
  });

  it('types the startup text for the sim instead of passing it, and writes no settings for it', () => {
    const town = makeTown({ gastown: ['Toast'] });
    const plan = planStart(address, { town: town.root, agent: 'sim --dialogs trust', prompt: 'go' });
    expect(plan.agent.promptMode).toBe('none');
    expect(plan.agent.settings).toBeUndefined();
    expect(plan.agent.argv.slice(-2)).toEqual(['--dialogs', 'trust']);
    expect(plan.agent.argv).not.toContain('go');
    expect(plan.startupText).toBe('go');
  });

  it("gives the agent polecat's identity and never the caller's", () => {
    const town = makeTown({ gastown: ['Toast'] });
    const plan = planStart(address, {
      town: town.root,
      agent: 'sim',
      env: { GT_ROLE: 'mayor', GT_POLECAT: 'Other', BD_ACTOR: 'someone', GIT_AUTHOR_NAME: 'Me', GT_TOWN_ROOT: '' },
    });
    expect(plan.env).toMatchObject({
      GT_ROLE: 'gastown/polecats/Toast',
      GT_RIG: 'gastown',
      GT_POLECAT: 'Toast',
      GT_AGENT: 'sim',
      GT_RUN: plan.runId,
      GT_SESSION: 'gastown-Toast',
      BD_ACTOR: 'gastown/polecats/Toast',
      BEADS_AGENT_NAME: 'gastown/Toast',
      GIT_AUTHOR_NAME: 'Toast',
      NODE_OPTIONS: '',
      CLAUDECODE: '',
    });
  });

  it('uses the given timeouts over the defaults and refuses issue ids with shell metacharacters', () => {
    const town = makeTown({ gastown: ['Toast'] });
    expect(planStart(address, { town: town.root, agent: 'sim', timeouts: { readyMs: 5 } }).timeouts).toMatchObject({ readyMs: 5, commandMs: 60_000 });
    for (const issue of ['gt-1;rm -rf', '$(id)', '`id`', '', '-x', 'a b']) {
      expect(() => planStart(address, { town: town.root, agent: 'sim', issue })).toThrow(/invalid issue id/);
    }
  });

  it('keeps a startup text that looks like an option from being read as one', () => {
    const town = makeTown({ gastown: ['Toast'] });
    const plan = planStart(address, { town: town.root, prompt: '--help me fix the build' });
    expect(plan.agent.argv.slice(-2)).toEqual(['--', '--help me fix the build']);
  });

  it("gives Claude a copy of the user's own --settings file with polecat's hooks, the argument pointed at it; the user's file is theirs", () => {
    const town = makeTown({ gastown: ['Toast'] });
    const own = join(town.root, 'my-settings.json');
    writeFileSync(own, JSON.stringify({ model: 'opus' }));
    for (const [agent, expected] of [
      [`claude --settings ${own}`, ['--settings', 'MERGED']],
      [`claude --settings=${own}`, ['--settings=MERGED']],
    ] as const) {
      const plan = planStart(address, { town: town.root, agent });
      const merged = join(town.root, '.runtime', 'polecat', 'settings', 'gastown', 'Toast.json');
      expect(plan.agent.settings).toEqual({ path: merged, provider: 'claude', mergedFrom: own });
      expect(plan.agent.argv.filter((a) => a.startsWith('--settings') || a === merged)).toEqual(expected.map((word) => word.replace('MERGED', merged)));
      expect(plan.planWarnings).toBeUndefined();
    }
    // Relative to the work directory, where Claude would read it.
    writeFileSync(join(town.root, 'gastown', 'polecats', 'Toast', 'local.json'), '{}');
    expect(planStart(address, { town: town.root, agent: 'claude --settings local.json' }).agent.settings?.mergedFrom).toBe(join(town.root, 'gastown', 'polecats', 'Toast', 'local.json'));
  });

  it("refuses a --settings file that is missing or not a JSON object, before anything runs; leaves settings given as JSON alone, saying so", () => {
    const town = makeTown({ gastown: ['Toast'] });
    const bad = join(town.root, 'bad.json');
    writeFileSync(bad, '{"model": ');
    writeFileSync(join(town.root, 'list.json'), '[]');
    expect(() => planStart(address, { town: town.root, agent: 'claude --settings /nowhere/s.json' })).toThrow("the agent's --settings /nowhere/s.json: no such file");
    expect(() => planStart(address, { town: town.root, agent: `claude --settings ${bad}` })).toThrow(`the agent's --settings ${bad} is not JSON: `);
    expect(() => planStart(address, { town: town.root, agent: `claude --settings ${join(town.root, 'list.json')}` })).toThrow('is not a JSON object of settings');
    const inline = planStart(address, { town: town.root, agent: `claude --settings '{"model":"opus"}'` });
    expect(inline.agent.settings).toBeUndefined();
    expect(inline.agent.argv).toContain('{"model":"opus"}');
    expect(inline.planWarnings).toEqual([
      "the agent's own --settings JSON is used as it is, without polecat's activity hooks: what the agent is doing is read from its screen only (give the settings as a file to have polecat add its hooks to a copy)",
    ]);
    expect(planStart(address, { town: town.root, agent: 'claude' }).planWarnings).toBeUndefined();
  });

  it('plans a stop on the same socket and session as the start', () => {
    const town = makeTown({ gastown: ['Toast'] });
    const started = planStart(address, { town: town.root, agent: 'sim' });
    expect(planStop(address, { town: town.root, force: true })).toMatchObject({
      socket: started.socket,
      sessionName: started.sessionName,
      force: true,
    });
  });
});
