import { fromPromise } from 'xstate';
import type { SessionInfo, StartupInput, StepResult } from '../../machines/startup.js';
import { readProcess } from '../tmux/process-tree.js';
import type { StepDeps } from './deps.js';
import { StepError } from './errors.js';
import { isShell, lookAtPane } from './watch.js';

/**
 * The session is there and the agent process alive. remain-on-exit stays on: an agent that later exits or crashes
 * leaves its session, last screen and exit status for `status` to show, and any children it left behind stay
 * findable for `stop` to reap, instead of vanishing with the session.
 */
export const verifyAlive = (deps: StepDeps) =>
  fromPromise<StepResult, { plan: StartupInput; session: SessionInfo }>(async ({ input: { plan, session }, signal }) => {
    const tmux = deps.tmux(plan.socket);
    const { info } = await lookAtPane(tmux, session.paneId, signal, 'right after startup');
    if (isShell(info.currentCommand) && (await tmux.showEnvironment(plan.sessionName, { signal })).GT_AGENT_READY !== '1') {
      throw new StepError(`the pane runs ${info.currentCommand}, not the agent`);
    }
    if (info.panePid === undefined || readProcess(info.panePid) === undefined) {
      throw new StepError(`the agent process ${info.panePid ?? '(unknown pid)'} is not alive`);
    }
    return {};
  });
