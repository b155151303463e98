import { Command } from 'commander';
import { resume, rollbackRun } from '../../manager.js';
import { resolveTown } from '../../plan.js';
import { EXIT, processOutput, progressPrinter, type Output } from '../output.js';
import { townOption } from '../options.js';
import { findRun } from './runs.js';

export function resumeCommand(output: Output = processOutput): Command {
  return new Command('resume')
    .description('continue an interrupted start from where it was (the step it was in runs again; waits keep their deadlines)')
    .argument('<run>', 'run id (or a unique prefix), from polecat runs')
    .addOption(townOption())
    .action(async (runId: string, flags: { town?: string }) => {
      const { townRoot } = resolveTown(flags);
      const files = findRun(townRoot, runId);
      const progress = progressPrinter(output.err);
      try {
        const result = await resume(townRoot, files.runId, { onProgress: progress.onProgress });
        if (result.result === 'running') {
          output.out.write(`run ${files.runId} resumed: running in session ${result.sessionName}, socket ${result.socket}\n`);
        } else {
          output.err.write(`run ${files.runId} resumed and ${result.result}${result.failure ? ` at ${result.failure.step}: ${result.failure.message}` : ''}; rolled back: ${result.undone.join('; ') || 'nothing to undo'}\n`);
          process.exitCode = EXIT.failed;
        }
      } finally {
        progress.close();
      }
    });
}

export function rollbackCommand(output: Output = processOutput): Command {
  return new Command('rollback')
    .description('undo an interrupted start: its session and every process in it, the issue it hooked')
    .argument('<run>', 'run id (or a unique prefix), from polecat runs')
    .addOption(townOption())
    .action(async (runId: string, flags: { town?: string }) => {
      const { townRoot } = resolveTown(flags);
      const files = findRun(townRoot, runId);
      const result = await rollbackRun(townRoot, files.runId);
      for (const warning of result.warnings ?? []) output.err.write(`  warning: ${warning}\n`);
      output.out.write(`run ${files.runId} rolled back: ${result.undone.join('; ') || 'nothing to undo'}\n`);
    });
}
