import { fromPromise } from 'xstate';
import type { SessionStepInput, StepResult } from '../../machines/startup.js';
import { foregroundCommand, readProcess } from '../proc/process-tree.js';
import type { StepDeps } from './deps.js';
import { StepError } from './errors.js';
import { isShell, lookAtPane } from './watch.js';

/**
 * The agent process is alive, still holds its pane's terminal, and runs in its foreground. Read from /proc: a pane
 * whose session was killed has its terminal hung up (the process loses it, even if it ignores SIGHUP), so a live
 * process with its terminal means a live session, with no tmux process spent. When something is wrong, one look at
 * the pane says how the agent ended, with its screen.
 *
 * remain-on-exit stays on: an agent that later exits or crashes leaves its session, last screen and exit status for
 * `status` to show, and any children it left behind stay findable for `stop` to reap.
 */
export const verifyAlive = (deps: StepDeps) =>
  fromPromise<StepResult, SessionStepInput>(async ({ input: { plan, session }, signal }) => {
    const tmux = deps.tmux(plan.socket);
    const agent = readProcess(session.panePid);
    if (!agent || agent.tty === 0) {
      await lookAtPane(tmux, session.paneId, signal, 'right after startup');
      throw new StepError(agent ? `the agent process ${session.panePid} lost its terminal: its session is gone` : `the agent process ${session.panePid} is not alive`);
    }
    const command = foregroundCommand(agent);
    if (isShell(command) && (await tmux.showEnvironment(plan.sessionName, { signal })).GT_AGENT_READY !== '1') {
      throw new StepError(`the pane runs ${command}, not the agent`);
    }
    return {};
  });
