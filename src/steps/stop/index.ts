import { fromPromise } from 'xstate';
import type { InspectOutput, KillOutput, StopInput, StopStepInput } from '../../../machines/stop.js';
import { firstPaneTarget } from '../../tmux/client.js';
import { TmuxError } from '../../tmux/errors.js';
import { sessionProcesses } from '../../tmux/kill.js';
import { isSameProcessAlive, killProcesses as killProcessTree, type ProcessEntry } from '../../tmux/process-tree.js';
import type { StepDeps } from '../deps.js';
import { StepError } from '../errors.js';
import { sleep } from '../watch.js';

/** The snapshot keeps pid and start time, so a pid reused by an unrelated process is never signalled. */
function asEntries(processes: StopStepInput['processes']): ProcessEntry[] {
  return processes.map((p) => ({ ...p, ppid: 0, pgid: 0, sid: 0 }));
}

export const inspectSession = (deps: StepDeps) =>
  fromPromise<InspectOutput, StopInput>(async ({ input, signal }) => {
    const tmux = deps.tmux(input.socket);
    if (!(await tmux.hasSession(input.sessionName, { signal }))) return { running: false, processes: [] };
    const processes = await sessionProcesses(tmux, input.sessionName, { signal });
    let pane: { paneId: string; panePid?: number } | undefined;
    try {
      const env = await tmux.showEnvironment(input.sessionName, { signal });
      pane = await tmux.paneInfo(env.GT_PANE_ID ?? firstPaneTarget(input.sessionName), { signal });
    } catch (error) {
      if (!(error instanceof TmuxError && error.isGone)) throw error;
    }
    return {
      running: true,
      ...(pane ? { paneId: pane.paneId } : {}),
      ...(pane?.panePid !== undefined ? { panePid: pane.panePid } : {}),
      processes: processes.map(({ pid, startTime, command }) => ({ pid, startTime, command })),
    };
  });

/**
 * Ctrl-C twice (Claude and its kind exit on the second), then watch the agent process go, up to the timeout.
 * Leftover children are the kill step's business: waiting for them here would only waste the timeout.
 */
export const gracefulStop = (deps: StepDeps) =>
  fromPromise<{ exited: boolean }, StopStepInput>(async ({ input, signal }) => {
    const tmux = deps.tmux(input.plan.socket);
    const target = input.paneId ?? firstPaneTarget(input.plan.sessionName);
    const all = asEntries(input.processes);
    const agent = all.filter((p) => p.pid === input.panePid);
    const entries = agent.length > 0 ? agent : all;
    const deadline = Date.now() + input.plan.gracefulMs;
    try {
      await tmux.sendKeys(target, ['C-c'], { signal });
      await sleep(100, signal);
      await tmux.sendKeys(target, ['C-c'], { signal });
    } catch (error) {
      if (error instanceof TmuxError && error.isGone) return { exited: true };
      throw error;
    }
    while (Date.now() < deadline) {
      if (!entries.some(isSameProcessAlive)) return { exited: true };
      await sleep(deps.pollMs, signal);
    }
    return { exited: false };
  });

export const killProcesses = () =>
  fromPromise<KillOutput, StopStepInput>(async ({ input, signal }) => {
    const result = await killProcessTree(asEntries(input.processes), { graceMs: input.plan.killGraceMs, signal });
    if (result.survivors.length > 0) throw new StepError(`processes survived SIGKILL: ${result.survivors.join(', ')}`);
    return { terminated: result.terminated, killed: result.killed };
  });

export const killSession = (deps: StepDeps) =>
  fromPromise<void, StopStepInput>(async ({ input, signal }) => {
    const tmux = deps.tmux(input.plan.socket);
    // Processes that appeared since the snapshot (an agent forking during the stop) go too.
    const late = await sessionProcesses(tmux, input.plan.sessionName, { signal });
    await killProcessTree(late, { graceMs: input.plan.killGraceMs, signal });
    await tmux.killSession(input.plan.sessionName, { signal });
  });

export const verifyGone = (deps: StepDeps) =>
  fromPromise<void, StopStepInput>(async ({ input, signal }) => {
    if (await deps.tmux(input.plan.socket).hasSession(input.plan.sessionName, { signal })) {
      throw new StepError(`session ${input.plan.sessionName} is still there after kill-session`);
    }
    const alive = asEntries(input.processes).filter(isSameProcessAlive);
    if (alive.length > 0) throw new StepError(`processes still alive: ${alive.map((p) => `${p.pid} (${p.command})`).join(', ')}`);
  });
