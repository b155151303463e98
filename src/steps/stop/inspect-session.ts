import { fromPromise } from 'xstate';
import type { InspectOutput, StopInput } from '../../../machines/stop.js';
import { agentPane, ownershipProblem } from '../../town/session-owner.js';
import type { StepDeps } from '../deps.js';
import { StepError } from '../errors.js';
import { sessionProcesses } from '../session-processes.js';

/**
 * Find the session and snapshot every process its panes own. A session of that name that is not this polecat's is
 * refused, never stopped.
 */
export const inspectSession = (deps: StepDeps) =>
  fromPromise<InspectOutput, StopInput>(async ({ input, signal }) => {
    const tmux = deps.tmux(input.socket);
    const rows = await tmux.sessionPanes(input.sessionName, { signal });
    if (rows.length === 0) return { running: false, processes: [] };
    const problem = ownershipProblem(rows, input);
    if (problem) throw new StepError(`${problem} (socket ${input.socket}); polecat will not stop it`);
    const processes = await sessionProcesses(tmux, input.sessionName, { signal });
    const agent = agentPane(rows);
    return {
      running: true,
      // Only the recorded agent pane is asked to exit: no keys go to a pane polecat cannot name.
      ...(agent && !agent.paneDead ? { paneId: agent.paneId } : {}),
      ...(agent?.panePid !== undefined && !agent.paneDead ? { panePid: agent.panePid } : {}),
      processes: processes.map(({ pid, startTime, command }) => ({ pid, startTime, command })),
    };
  });
