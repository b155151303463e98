import { fromPromise } from 'xstate';
import type { StartupInput, StepResult } from '../../machines/startup.js';
import { StepError } from './errors.js';
import type { StepDeps } from './deps.js';

export function polecatAssignee(input: Pick<StartupInput, 'rig' | 'name'>): string {
  return `${input.rig}/polecats/${input.name}`;
}

/** `bd update <id> --status=hooked --assignee=<rig>/polecats/<name>`; rollback puts back what validateIssue saw. */
export const hook = (deps: StepDeps) =>
  fromPromise<StepResult, StartupInput>(async ({ input, signal }) => {
    if (input.issue === undefined) throw new StepError('hook ran without an issue');
    await deps.beads.update(input.issue, { status: 'hooked', assignee: polecatAssignee(input) }, { cwd: input.beadsDir, signal });
    return {};
  });
