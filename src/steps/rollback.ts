import { fromPromise } from 'xstate';
import type { RollbackInput, RollbackOutput } from '../../machines/startup.js';
import { TmuxError } from '../tmux/errors.js';
import { killSessionWithProcesses } from '../tmux/kill.js';
import type { StepDeps } from './deps.js';

export const ROLLBACK_KILL_GRACE_MS = 1_000;

/**
 * Undo what this run did, and only that: the session is killed (with every process it owns) only when its GT_RUN
 * says this run made it; the issue gets back the status and assignee it had before the hook.
 * Each part is tried even when another fails; failures become warnings on the run.
 */
export const rollback = (deps: StepDeps) =>
  fromPromise<RollbackOutput, RollbackInput>(async ({ input }) => {
    // Rollback must finish even when the run was cancelled: it takes no abort signal.
    const undone: string[] = [];
    const warnings: string[] = [];
    const tmux = deps.tmux(input.socket);
    try {
      const env = await tmux.showEnvironment(input.sessionName).catch((error: unknown) => {
        if (error instanceof TmuxError && error.isGone) return undefined;
        throw error;
      });
      if (env?.GT_RUN === input.runId) {
        const { processes, survivors } = await killSessionWithProcesses(tmux, input.sessionName, { graceMs: ROLLBACK_KILL_GRACE_MS });
        undone.push(`killed session ${input.sessionName} and its ${processes} process${processes === 1 ? '' : 'es'}`);
        if (survivors.length > 0) warnings.push(`processes still alive after SIGKILL: ${survivors.join(', ')}`);
      }
    } catch (error) {
      warnings.push(`could not kill session ${input.sessionName}: ${(error as Error).message}`);
    }
    if (input.issue !== undefined && input.restoreIssue !== undefined) {
      try {
        await deps.beads.update(
          input.issue,
          { status: input.restoreIssue.status, assignee: input.restoreIssue.assignee ?? '' },
          { cwd: input.beadsDir },
        );
        undone.push(`restored issue ${input.issue} to status ${input.restoreIssue.status}${input.restoreIssue.assignee ? ` (assignee ${input.restoreIssue.assignee})` : ''}`);
      } catch (error) {
        warnings.push(`could not restore issue ${input.issue}: ${(error as Error).message}`);
      }
    }
    return { undone, warnings };
  });
