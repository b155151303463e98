import { fromPromise } from 'xstate';
import type { StopStepInput } from '../../../machines/stop.js';
import { TmuxError } from '../../tmux/errors.js';
import { isSameProcessAlive } from '../../tmux/process-tree.js';
import type { StepDeps } from '../deps.js';
import { sleep } from '../watch.js';
import { asEntries } from './snapshot.js';

/**
 * Ctrl-C twice (Claude and its kind exit on the second), then watch the agent process go, up to the timeout.
 * Leftover children are the kill step's business: waiting for them here would only waste the timeout.
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
