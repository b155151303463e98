import { fromPromise } from 'xstate';
import type { IssueSnapshot, StartupInput } from '../../machines/startup.js';
import { TERMINAL_STATUSES } from '../beads/client.js';
import { StepError } from './errors.js';
import type { StepDeps } from './deps.js';

/** `bd show <id> --json`: the issue must exist and not be closed or tombstoned. Returns its state for rollback. */
export const validateIssue = (deps: StepDeps) =>
  fromPromise<IssueSnapshot, StartupInput>(async ({ input, signal }) => {
    const id = input.issue;
    if (id === undefined) throw new StepError('validateIssue ran without an issue');
    const issue = await deps.beads.show(id, { cwd: input.beadsDir, signal });
    if (TERMINAL_STATUSES.includes(issue.status)) {
      throw new StepError(`issue ${id} has terminal status ${issue.status}: it cannot be worked on`);
    }
    return { status: issue.status, ...(issue.assignee !== undefined ? { assignee: issue.assignee } : {}) };
  });

