import { fromPromise } from 'xstate';
import type { StopStepInput } from '../../../machines/stop.js';
import { killProcesses as killProcessTree } from '../../proc/kill.js';
import type { StepDeps } from '../deps.js';
import { sessionProcesses } from '../session-processes.js';

export const killSession = (deps: StepDeps) =>
  fromPromise<void, StopStepInput>(async ({ input, signal }) => {
    const tmux = deps.tmux(input.plan.socket);
    // Processes that appeared since the snapshot (an agent forking during the stop) go too.
    const late = await sessionProcesses(tmux, input.plan.sessionName, { signal });
    await killProcessTree(late, { graceMs: input.plan.killGraceMs, signal });
    await tmux.killSession(input.plan.sessionName, { signal });
  });
