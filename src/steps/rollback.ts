import { rm } from 'node:fs/promises';
import { fromPromise } from 'xstate';
import type { RollbackInput, RollbackOutput } from '../../machines/startup.js';
import type { Beads } from '../beads/client.js';
import { killProcesses } from '../proc/kill.js';
import { listProcesses, processesOwnedBy } from '../proc/process-tree.js';
import type { Tmux } from '../tmux/client.js';
import { TmuxError } from '../tmux/errors.js';
import type { StepDeps } from './deps.js';
import { killSessionWithProcesses } from './session-processes.js';

export const ROLLBACK_KILL_GRACE_MS = 1_000;

interface Outcome {
  readonly undone: string[];
  readonly warnings: string[];
}

/**
 * Undo what this run did, and only that: the session is killed (with every process it owns) only when its GT_RUN
 * says this run made it; the issue gets back the status and assignee it had before the hook.
 * Each part is tried even when another fails; failures become warnings on the run.
 * It takes no abort signal: a cancelled run must still finish its rollback.
 */
export const rollback = (deps: StepDeps) =>
  fromPromise<RollbackOutput, RollbackInput>(async ({ input }) => {
    const outcome: Outcome = { undone: [], warnings: [] };
    if (input.sessionMayExist) {
      const tmux = deps.tmux(input.socket);
      // A cancelled step's tmux call may still be under way (making the session): what it does must be seen.
      await tmux.settled();
      await killOwnSession(tmux, input, outcome);
    }
    // Normally read and deleted by the agent's shell at once; an agent that never got that far leaves it here.
    await rm(input.credentialsFile, { force: true }).catch((error: unknown) => {
      outcome.warnings.push(`could not remove the credentials file ${input.credentialsFile}: ${(error as Error).message}`);
    });
    if (input.issue !== undefined && input.restoreIssue !== undefined) {
      // A cancelled hook's `bd update` may still be writing: the restore must come after it.
      await deps.beads.settled();
      await restoreIssue(deps.beads, input, outcome);
    }
    return outcome;
  });

async function killOwnSession(tmux: Tmux, input: RollbackInput, outcome: Outcome): Promise<void> {
  try {
    const env = await tmux.showEnvironment(input.sessionName).catch((error: unknown) => {
      if (error instanceof TmuxError && error.isGone) return undefined;
      throw error;
    });
    if (env === undefined) return await reapOrphanedAgent(input, outcome);
    if (env.GT_RUN !== input.runId) return;
    const { processes, survivors } = await killSessionWithProcesses(tmux, input.sessionName, { graceMs: ROLLBACK_KILL_GRACE_MS });
    outcome.undone.push(`killed session ${input.sessionName} and its ${processes} process${processes === 1 ? '' : 'es'}`);
    if (survivors.length > 0) outcome.warnings.push(`processes still alive after SIGKILL: ${survivors.join(', ')}`);
  } catch (error) {
    outcome.warnings.push(`could not kill session ${input.sessionName}: ${(error as Error).message}`);
  }
}

/**
 * The session is gone but the agent this run started may not be: a tmux server killed or crashed hangs its panes up,
 * and an agent that ignores SIGHUP lives on. It and everything it owns are killed, if it is still that process.
 */
async function reapOrphanedAgent(input: RollbackInput, outcome: Outcome): Promise<void> {
  if (!input.agent) return;
  const all = listProcesses();
  const root = all.find((p) => p.pid === input.agent!.pid);
  if (root && root.startTime !== input.agent.startTime) return;
  const owned = processesOwnedBy(input.agent.pid, all);
  if (owned.length === 0) return;
  const { survivors } = await killProcesses(owned, { graceMs: ROLLBACK_KILL_GRACE_MS });
  outcome.undone.push(`killed the ${owned.length} process${owned.length === 1 ? '' : 'es'} of the agent its gone session left running`);
  if (survivors.length > 0) outcome.warnings.push(`processes still alive after SIGKILL: ${survivors.join(', ')}`);
}

async function restoreIssue(beads: Beads, input: RollbackInput, outcome: Outcome): Promise<void> {
  const issue = input.issue!;
  const before = input.restoreIssue!;
  try {
    await beads.update(issue, { status: before.status, assignee: before.assignee ?? '' }, { cwd: input.beadsDir });
    outcome.undone.push(`restored issue ${issue} to status ${before.status}${before.assignee ? ` (assignee ${before.assignee})` : ''}`);
  } catch (error) {
    outcome.warnings.push(`could not restore issue ${issue}: ${(error as Error).message}`);
  }
}
