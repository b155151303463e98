import { fromPromise } from 'xstate';
import type { KillOutput, StopStepInput } from '../../../machines/stop.js';
import { killProcesses as killProcessTree } from '../../proc/kill.js';
import { StepError } from '../errors.js';
import { asEntries } from './snapshot.js';

export const killProcesses = () =>
  fromPromise<KillOutput, StopStepInput>(async ({ input, signal }) => {
    const result = await killProcessTree(asEntries(input.processes), { graceMs: input.plan.killGraceMs, signal });
    if (result.survivors.length > 0) throw new StepError(`processes survived SIGKILL: ${result.survivors.join(', ')}`);
    return { terminated: result.terminated, killed: result.killed };
  });
