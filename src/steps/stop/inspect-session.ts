import { fromPromise } from 'xstate';
import type { InspectOutput, StopInput } from '../../../machines/stop.js';
import { firstPaneTarget } from '../../tmux/client.js';
import { TmuxError } from '../../tmux/errors.js';
import { sessionProcesses } from '../../tmux/kill.js';
import type { StepDeps } from '../deps.js';

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
