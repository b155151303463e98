import { fromPromise } from 'xstate';
import type { StepResult, WaitInput } from '../../machines/startup.js';
import { lastLines } from '../agents/screen.js';
import type { StepDeps } from './deps.js';
import { StepError } from './errors.js';
import { isShell, lookAtPane, sleep } from './watch.js';

/** The agent process is up: the pane runs something other than a shell. The pane dying fails at once. */
export const waitForCommand = (deps: StepDeps) =>
  fromPromise<StepResult, WaitInput>(async ({ input: { plan, session, deadline }, signal }) => {
    const tmux = deps.tmux(plan.socket);
    for (;;) {
      const { info, screen } = await lookAtPane(tmux, session.paneId, signal, 'before its process was up');
      if (!isShell(info.currentCommand)) return {};
      if (Date.now() >= deadline) {
        throw new StepError(`the agent process did not start before the deadline: the pane still runs ${info.currentCommand}`, {
          screen: lastLines(screen),
        });
      }
      await sleep(deps.pollMs, signal);
    }
  });
