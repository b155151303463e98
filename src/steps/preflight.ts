import { fromPromise } from 'xstate';
import type { StartupInput, StepResult } from '../../machines/startup.js';
import { firstPaneTarget } from '../tmux/client.js';
import { TmuxError } from '../tmux/errors.js';
import { killSessionWithProcesses } from '../tmux/kill.js';
import { isDirectory } from '../town/town.js';
import type { StepDeps } from './deps.js';
import { StepError } from './errors.js';

/** The polecat exists and its session is not running. A session whose agent pane is dead is stale and replaced. */
export const preflight = (deps: StepDeps) =>
  fromPromise<StepResult, StartupInput>(async ({ input, signal }) => {
    if (!isDirectory(input.polecatDir)) {
      throw new StepError(`polecat ${input.rig}/${input.name} not found: ${input.polecatDir} is not a directory`);
    }
    const tmux = deps.tmux(input.socket);
    if (!(await tmux.hasSession(input.sessionName, { signal }))) return {};
    let dead = false;
    try {
      dead = (await tmux.paneInfo(firstPaneTarget(input.sessionName), { signal })).dead;
    } catch (error) {
      if (!(error instanceof TmuxError && error.isGone)) throw error;
      return {};
    }
    if (!dead) {
      throw new StepError(
        `session ${input.sessionName} is already running on socket ${input.socket} (stop it first: polecat stop ${input.rig}/${input.name})`,
      );
    }
    await killSessionWithProcesses(tmux, input.sessionName, { graceMs: 2_000, signal });
    return { warnings: [`replaced stale session ${input.sessionName} (its agent had exited)`] };
  });
