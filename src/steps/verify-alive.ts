import { fromPromise } from 'xstate';
import type { SessionInfo, StartupInput, StepResult } from '../../machines/startup.js';
import { readProcess } from '../tmux/process-tree.js';
import type { StepDeps } from './deps.js';
import { StepError } from './errors.js';
import { isShell, lookAtPane } from './watch.js';

/**
 * The session is there and the agent process alive. Then remain-on-exit goes off: from now on an agent that exits
 * takes its session with it, as a user closing it expects.
 */
export const verifyAlive = (deps: StepDeps) =>
  fromPromise<StepResult, { plan: StartupInput; session: SessionInfo }>(async ({ input: { plan, session }, signal }) => {
    const tmux = deps.tmux(plan.socket);
    const { info } = await lookAtPane(tmux, session.paneId, signal, 'right after startup');
    if (isShell(info.currentCommand)) throw new StepError(`the pane runs ${info.currentCommand}, not the agent`);
    if (info.panePid === undefined || readProcess(info.panePid) === undefined) {
      throw new StepError(`the agent process ${info.panePid ?? '(unknown pid)'} is not alive`);
    }
    await tmux.setOption(session.paneId, 'remain-on-exit', 'off', { signal, window: true });
    return {};
  });
