import { fromPromise } from 'xstate';
import type { InspectOutput, StopInput } from '../../../machines/stop.js';
import { ownSession } from '../../town/session-owner.js';
import type { StepDeps } from '../deps.js';
import { sessionProcesses } from '../session-processes.js';

/**
 * Find the session and snapshot every process its panes own. A session of that name that is not this polecat's is
 * refused, never stopped.
 */
export const inspectSession = (deps: StepDeps) =>
  fromPromise<InspectOutput, StopInput>(async ({ input, signal }) => {
    const tmux = deps.tmux(input.socket);
    const own = await ownSession(tmux, input, 'stop it', { signal });
    if (!own) return { running: false, processes: [] };
    const processes = await sessionProcesses(tmux, input.sessionName, { signal });
    const agent = own.agent;
    return {
      running: true,
      // Only the recorded agent pane is asked to exit: no keys go to a pane polecat cannot name.
      ...(agent && !agent.paneDead ? { paneId: agent.paneId } : {}),
      ...(agent?.panePid !== undefined && !agent.paneDead ? { panePid: agent.panePid } : {}),
      processes: processes.map(({ pid, startTime, command }) => ({ pid, startTime, command })),
    };
  });
