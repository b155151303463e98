/**
 * The real Claude Code CLI from npm, started by polecat as a user would: `--agent claude`. It runs without network
 * here, so it never answers, but everything up to that point is real: the trust dialog, the bypass-permissions
 * warning, the ready prompt, the startup prompt submitted, and the children Claude starts (its auto-updater).
 * The package is installed by this test into a cache directory; without the npm registry the test is skipped.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { status, start, stop } from '../../src/manager.js';
import { planStart, planStop } from '../../src/plan.js';
import { createStepDeps } from '../../src/steps/deps.js';
import { sessionProcesses } from '../../src/steps/session-processes.js';
import { Tmux } from '../../src/tmux/client.js';
import { isAlive, makeTown, retryUntil } from '../helpers/town.js';

const CACHE = resolve(import.meta.dirname, '../../node_modules/.cache/polecat-test-claude-code');

function installClaude(): { bin?: string; reason?: string } {
  const bin = join(CACHE, 'node_modules', '.bin', 'claude');
  if (!existsSync(bin)) {
    mkdirSync(CACHE, { recursive: true });
    const result = spawnSync('npm', ['install', '--prefix', CACHE, '--no-audit', '--no-fund', '--no-save', '@anthropic-ai/claude-code@2'], {
      encoding: 'utf8',
      timeout: 240_000,
    });
    if (result.status !== 0 || !existsSync(bin)) {
      return { reason: `npm could not install @anthropic-ai/claude-code: ${(result.stderr || result.error?.message || '').trim().split('\n').pop()}` };
    }
  }
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (version.status !== 0) return { reason: `claude --version failed: ${version.stderr.trim()}` };
  return { bin };
}

const claude = installClaude();
if (claude.reason) console.warn(`skipping the real Claude Code test: ${claude.reason}`);

describe.skipIf(claude.bin === undefined)('the real Claude Code CLI', () => {
  process.env.PATH = `${join(CACHE, 'node_modules', '.bin')}${delimiter}${process.env.PATH}`;
  // A home where Claude has been set up before (onboarding done), as on a polecat host; offline it cannot log in.
  writeFileSync(join(process.env.HOME!, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true }));

  it('gets through trust and bypass, takes the startup prompt, and leaves no process after stop', { timeout: 150_000 }, async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const home = process.env.HOME!;
    // The user's own settings file, without the key that skips the bypass warning: polecat keeps it, Claude asks.
    const settings = join(town.root, 'gastown', 'polecats', '.claude', 'settings.json');
    mkdirSync(join(settings, '..'), { recursive: true });
    writeFileSync(settings, '{"editorMode": "normal"}\n');
    // Claude's auto-updater runs `npm install -g`: keep it inside this test.
    const npmPrefix = mkdtempSync(join(tmpdir(), 'polecat-claude-npm-'));
    mkdirSync(join(town.root, 'settings'));
    writeFileSync(join(town.root, 'settings', 'agents.json'), JSON.stringify({ agents: { claude: { env: { npm_config_prefix: npmPrefix } } } }));

    const deps = createStepDeps({ pollMs: 100 });
    const address = { rig: 'gastown', name: 'Toast' };
    const prompt = 'polecat startup check: reply with the word ready';
    const plan = planStart(address, { town: town.root, agent: 'claude', prompt, timeouts: { dialogsMs: 90_000, readyMs: 30_000 } });
    expect(plan.env.IS_SANDBOX).toBe(process.getuid?.() === 0 ? '1' : undefined);
    const result = await start(plan, { deps });
    expect(result.failure, JSON.stringify(result.failure)).toBeUndefined();
    expect(result.result).toBe('running');
    expect(result.dialogsAnswered).toEqual(['trust: Yes, I trust this folder', 'bypass: Yes, I accept']);
    expect(result.warnings).toEqual([]);
    expect(readFileSync(settings, 'utf8')).toBe('{"editorMode": "normal"}\n');

    const tmux = new Tmux({ socket: plan.socket });
    const screen = await tmux.capturePane(result.session!.paneId);
    expect(screen).toContain(`❯ ${prompt}`);
    // Claude records each submitted prompt in its project transcript (written shortly after submission).
    const projects = join(home, '.claude', 'projects');
    const submitted = () => {
      if (!existsSync(projects)) return undefined;
      const transcripts = readdirSync(projects, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.jsonl'));
      const lines = transcripts.flatMap((f) => readFileSync(join(projects, f), 'utf8').split('\n').filter(Boolean));
      return lines.some((line) => line.includes('"type":"user"') && line.includes(prompt)) || undefined;
    };
    await retryUntil('Claude to record the startup prompt in its transcript', submitted, 20_000);
    expect((await status(address, { town: town.root })).running).toBe(true);

    const before = await sessionProcesses(tmux, plan.sessionName);
    expect(before.length).toBeGreaterThan(0);
    const stopped = await stop(planStop(address, { town: town.root }), { deps });
    expect(stopped.result).toBe('stopped');
    for (const p of before) expect(isAlive(p.pid), `${p.pid} ${p.command}`).toBe(false);
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(town.root);
  });

  it("with polecat's own settings file: no bypass warning to answer, the prompt seen without a warning", { timeout: 150_000 }, async () => {
    const town = makeTown({ gastown: ['Toast'] });
    const npmPrefix = mkdtempSync(join(tmpdir(), 'polecat-claude-npm-'));
    mkdirSync(join(town.root, 'settings'));
    writeFileSync(join(town.root, 'settings', 'agents.json'), JSON.stringify({ agents: { claude: { env: { npm_config_prefix: npmPrefix } } } }));
    const deps = createStepDeps({ pollMs: 100 });
    const address = { rig: 'gastown', name: 'Toast' };
    const plan = planStart(address, { town: town.root, agent: 'claude', timeouts: { dialogsMs: 90_000, readyMs: 30_000 } });
    const result = await start(plan, { deps });
    expect(result.failure, JSON.stringify(result.failure)).toBeUndefined();
    expect(result.dialogsAnswered).toEqual(['trust: Yes, I trust this folder']);
    expect(result.warnings).toEqual([]);
    const settings = JSON.parse(readFileSync(join(town.root, 'gastown', 'polecats', '.claude', 'settings.json'), 'utf8'));
    expect(settings.skipDangerousModePermissionPrompt).toBe(true);
    expect((await stop(planStop(address, { town: town.root }), { deps })).result).toBe('stopped');
  });
});
