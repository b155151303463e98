import { fromPromise } from 'xstate';
import type { SessionStepInput, StepResult } from '../../machines/startup.js';
import type { StepDeps } from './deps.js';

/**
 * The session's environment table (read by later tools run in the session) and polecat's own session options,
 * which let `list` and `status` find polecats with one tmux call.
 */
export const setEnv = (deps: StepDeps) =>
  fromPromise<StepResult, SessionStepInput>(async ({ input: { plan, session }, signal }) => {
    await deps.tmux(plan.socket).recordPolecat(
      plan.sessionName,
      {
        environment: { ...plan.env, GT_PANE_ID: session.paneId },
        rig: plan.rig,
        name: plan.name,
        town: plan.townRoot,
        pane: session.paneId,
        run: plan.runId,
        agent: plan.agent.name,
      },
      { signal },
    );
    return {};
  });
