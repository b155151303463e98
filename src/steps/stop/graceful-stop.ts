import { fromPromise } from 'xstate';
import type { StopStepInput } from '../../../machines/stop.js';
import { TmuxError } from '../../tmux/errors.js';
import { isSameProcessAlive } from '../../proc/process-tree.js';
import type { StepDeps } from '../deps.js';
import { sleep } from '../watch.js';
import { asEntries } from './snapshot.js';

/**
 * Between the two Ctrl-Cs: long enough for the agent to read them as two keypresses (the real CLIs' tests stop each
 * this way); one that exits on the first and is gone by then is not sent the second.
 */
export const SECOND_CTRL_C_AFTER_MS = 20;

/** /proc reads cost no process: the exit is watched closely, so a stop takes no longer than the agent does. */
const EXIT_POLL_MS = 10;

/**
 * Ctrl-C, and again if the agent is still there a moment later (Claude and its kind exit on the second), then watch
 * the agent process go, up to the timeout. Leftover children are the kill step's business: waiting for them here
 * would only waste the timeout.
 */
export const gracefulStop = (deps: StepDeps) =>
  fromPromise<{ exited: boolean }, StopStepInput>(async ({ input, signal }) => {
    const tmux = deps.tmux(input.plan.socket);
    const target = input.paneId;
    // No live agent pane to ask: nothing to wait for, the kill steps take over.
    if (target === undefined) return { exited: false };
    const all = asEntries(input.processes);
    const agent = all.filter((p) => p.pid === input.panePid);
    const entries = agent.length > 0 ? agent : all;
    const deadline = Date.now() + input.plan.gracefulMs;
    const gone = async (until: number) => {
      while (Date.now() < until) {
        if (!entries.some(isSameProcessAlive)) return true;
        await sleep(EXIT_POLL_MS, signal);
      }
      return !entries.some(isSameProcessAlive);
    };
    try {
      await tmux.sendKeys(target, ['C-c'], { signal });
      if (await gone(Math.min(deadline, Date.now() + SECOND_CTRL_C_AFTER_MS))) return { exited: true };
      await tmux.sendKeys(target, ['C-c'], { signal });
    } catch (error) {
      if (error instanceof TmuxError && error.isGone) return { exited: true };
      throw error;
    }
    return { exited: await gone(deadline) };
  });
