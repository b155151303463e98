/**
 * A real agent CLI started by polecat as a user would start it, with its screens recorded, and stopped with a
 * check that nothing of it is left.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { eventFilePath, readEvents } from '../../src/activity/event-file.js';
import { start, stop } from '../../src/manager.js';
import { planStart, planStop, type StartOptions } from '../../src/plan.js';
import { createStepDeps } from '../../src/steps/deps.js';
import { screenSpecOf } from '../../src/steps/screen-watch.js';
import { sessionProcesses } from '../../src/steps/session-processes.js';
import { Tmux } from '../../src/tmux/client.js';
import type { StartupInput, StartupOutput } from '../../machines/startup.js';
import { ScreenRecorder } from './screen-recorder.js';
import { isAlive, makeTown, retryUntil, type TestTown } from './town.js';

export const address = { rig: 'gastown', name: 'Toast' };
const deps = createStepDeps({ pollMs: 100 });

export interface RealStart {
  readonly town: TestTown;
  readonly plan: StartupInput;
  readonly result: StartupOutput;
  readonly screens: ScreenRecorder;
  readonly tmux: Tmux;
}

/** `settings/agents.json` of the town: what a user configures for an agent (its env, say). */
export function configureAgents(town: TestTown, agents: Record<string, unknown>): void {
  mkdirSync(join(town.root, 'settings'), { recursive: true });
  writeFileSync(join(town.root, 'settings', 'agents.json'), JSON.stringify({ agents }));
}

/** A town whose polecat Toast works in a git repository of its own, as a polecat's worktree is one. */
export function gitTown(): TestTown {
  const town = makeTown({ gastown: ['Toast'] });
  const workDir = join(town.root, 'gastown', 'polecats', 'Toast');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: workDir, stdio: 'ignore' });
  git('init', '-q');
  git('-c', 'user.name=polecat', '-c', 'user.email=polecat@example.invalid', 'commit', '-q', '--allow-empty', '-m', 'start');
  return town;
}

export async function startReal(agent: string, town: TestTown = gitTown(), options: Partial<StartOptions> = {}): Promise<RealStart> {
  const plan = planStart(address, { town: town.root, agent, timeouts: { dialogsMs: 90_000, readyMs: 60_000, nudgeMs: 60_000 }, ...options });
  const screens = new ScreenRecorder(plan.socket, plan.sessionName, screenSpecOf(plan.agent)).start();
  try {
    const result = await start(plan, { deps });
    return { town, plan, result, screens, tmux: new Tmux({ socket: plan.socket }) };
  } finally {
    screens.stop();
  }
}

/** Waits until the agent's hooks have reported these events, in this order (others may come between); returns every event's name. */
export async function awaitHookEvents(run: RealStart, events: readonly string[], timeoutMs = 15_000): Promise<string[]> {
  const names = () => readEvents(eventFilePath(run.town.root, address.rig, address.name), run.plan.runId).lines.map((line) => line.event);
  const inOrder = (seen: readonly string[]) => {
    let at = 0;
    for (const name of seen) if (name === events[at]) at += 1;
    return at === events.length;
  };
  try {
    return await retryUntil(`hook events ${events.join(', ')}`, () => (inOrder(names()) ? names() : undefined), timeoutMs);
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; reported: ${names().join(', ') || 'nothing'}`);
  }
}

/** Waits for the agent's screen to show what the probe looks for; fails with the last screen. */
export async function awaitScreen(run: RealStart, what: string, probe: (screen: string) => boolean, timeoutMs = 30_000): Promise<string> {
  let last = '';
  try {
    return await retryUntil(
      what,
      async () => {
        last = await run.tmux.capturePane(run.result.session!.paneId);
        return probe(last) ? last : undefined;
      },
      timeoutMs,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- last screen ---\n${last}`);
  }
}

/** Stops the polecat and checks that no process of its session is left, nor any process naming the town. */
export async function stopAndExpectNothingLeft(run: RealStart): Promise<void> {
  const before = await sessionProcesses(run.tmux, run.plan.sessionName);
  expect(before.length).toBeGreaterThan(0);
  const stopped = await stop(planStop(address, { town: run.town.root }), { deps });
  expect(stopped.result).toBe('stopped');
  await retryUntil('every process of the session to be gone', () => before.every((p) => !isAlive(p.pid)) || undefined, 10_000);
  expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(run.town.root);
}

/** After a failed start: the rollback left no session and no process naming the town. */
export async function expectRolledBack(run: RealStart): Promise<void> {
  expect(await run.tmux.hasSession(run.plan.sessionName)).toBe(false);
  await retryUntil('no process naming the town', () => !execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).includes(run.town.root) || undefined, 10_000);
}

/** The start ended running, with exactly these dialogs answered and these warnings (none, unless given). */
export function expectStarted(run: RealStart, dialogs: readonly string[], warnings: readonly string[] = []): void {
  expect(run.result.failure, JSON.stringify(run.result.failure)).toBeUndefined();
  expect(run.result.result).toBe('running');
  expect(run.result.dialogsAnswered).toEqual(dialogs);
  expect(run.result.warnings).toEqual(warnings);
}

/** The start failed with this message, its screen showing this, and was rolled back. */
export async function expectRefused(run: RealStart, message: string | RegExp, onScreen: string): Promise<void> {
  expect(run.result.result).toBe('failed');
  if (typeof message === 'string') expect(run.result.failure?.message).toBe(message);
  else expect(run.result.failure?.message).toMatch(message);
  expect(run.result.failure?.screen).toContain(onScreen);
  await expectRolledBack(run);
}
