import { fromPromise } from 'xstate';
import type { StopStepInput } from '../../../machines/stop.js';
import { isSameProcessAlive } from '../../proc/process-tree.js';
import type { StepDeps } from '../deps.js';
import { StepError } from '../errors.js';
import { asEntries } from './snapshot.js';

export const verifyGone = (deps: StepDeps) =>
  fromPromise<void, StopStepInput>(async ({ input, signal }) => {
    if (await deps.tmux(input.plan.socket).hasSession(input.plan.sessionName, { signal })) {
      throw new StepError(`session ${input.plan.sessionName} is still there after kill-session`);
    }
    const alive = asEntries(input.processes).filter(isSameProcessAlive);
    if (alive.length > 0) throw new StepError(`processes still alive: ${alive.map((p) => `${p.pid} (${p.command})`).join(', ')}`);
  });
