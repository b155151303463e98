import { fromPromise } from 'xstate';
import type { SessionInfo, StartupInput, StepResult } from '../../machines/startup.js';
import { sessionTarget } from '../tmux/client.js';
import type { StepDeps } from './deps.js';

/**
 * The session's environment table (read by later tools run in the session) and polecat's own session options,
 * which let `list` and `status` find polecats with one tmux call.
 */
export const setEnv = (deps: StepDeps) =>
  fromPromise<StepResult, { plan: StartupInput; session: SessionInfo }>(async ({ input: { plan, session }, signal }) => {
    const target = sessionTarget(plan.sessionName);
    const table: Record<string, string> = { ...plan.env, GT_PANE_ID: session.paneId };
    const options: Record<string, string> = {
      '@polecat_rig': plan.rig,
      '@polecat_name': plan.name,
      '@polecat_town': plan.townRoot,
      '@polecat_pane': session.paneId,
      '@polecat_run': plan.runId,
      '@polecat_agent': plan.agent.name,
    };
    await deps.tmux(plan.socket).batch(
      [
        ...Object.entries(table).map(([key, value]) => ['set-environment', '-t', target, key, value]),
        ...Object.entries(options).map(([key, value]) => ['set-option', '-t', target, key, value]),
      ],
      { signal },
    );
    return {};
  });
