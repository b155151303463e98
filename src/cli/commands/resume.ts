import { Command } from 'commander';
import { resume, rollbackRun } from '../../api/start.js';
import { resolveTown } from '../../plan.js';
import { processOutput, progressPrinter, type Output } from '../output.js';
import { cancelOnSignals, holdSignals } from '../signals.js';
import { reportStartResult } from '../start-report.js';
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
      const cancellation = cancelOnSignals(output.err);
      const started = Date.now();
      try {
        const result = await resume(townRoot, files.runId, {
          onProgress: progress.onProgress,
          signal: cancellation.signal,
          onResuming: () => output.err.write(`Resuming run ${files.runId}\n`),
        });
        const record = files.record();
        process.exitCode = reportStartResult(output, `${record.rig}/${record.name}`, result, cancellation.interruptedBy(), Date.now() - started);
      } finally {
        progress.close();
        cancellation.dispose();
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
      const release = holdSignals(output.err, 'rolling back');
      const result = await rollbackRun(townRoot, files.runId).finally(release);
      for (const warning of result.warnings ?? []) output.err.write(`  warning: ${warning}\n`);
      output.out.write(`run ${files.runId} rolled back: ${result.undone.join('; ') || 'nothing to undo'}\n`);
    });
}
