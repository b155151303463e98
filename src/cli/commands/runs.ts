import { Command } from 'commander';
import { resolveTown } from '../../plan.js';
import { DEFAULT_RETENTION, pruneRuns, retentionPolicy } from '../../runs/retention.js';
import { listRuns, RunFiles, type JournalEntry } from '../../runs/store.js';
import { runView } from '../../inspect/timeline.js';
import { InvalidInputError, parseAddress } from '../../town/names.js';
import { formatMs, printJson, processOutput, type Output } from '../output.js';
import { jsonOption, townOption } from '../options.js';

export function runsCommand(output: Output = processOutput): Command {
  return new Command('runs')
    .description('list starts and stops (runs) with state, result and duration, newest first')
    .argument('[rig/name]', 'only the runs of this polecat')
    .option('--all', 'every run, not only the last 20')
    .option('--prune', "remove finished runs past the town's retention: each polecat's beyond its newest --keep, older than --keep-days (never one in progress or interrupted)")
    .option('--keep <n>', `with --prune: runs kept per polecat (default: settings/config.json runs.keep, else ${DEFAULT_RETENTION.keep})`)
    .option('--keep-days <days>', `with --prune: runs younger than this are kept (default: runs.keep_days, else ${DEFAULT_RETENTION.keepDays})`)
    .option('--dry-run', 'with --prune: say what would be removed, remove nothing')
    .addOption(jsonOption())
    .addOption(townOption())
    .action((target: string | undefined, flags: { all?: boolean; json?: boolean; town?: string; prune?: boolean; keep?: string; keepDays?: string; dryRun?: boolean }) => {
      const address = target === undefined ? undefined : parseAddress(target);
      const { townRoot } = resolveTown(flags);
      if (!flags.prune && (flags.keep !== undefined || flags.keepDays !== undefined || flags.dryRun)) throw new InvalidInputError('--keep, --keep-days and --dry-run go with --prune');
      if (flags.prune) {
        if (address) throw new InvalidInputError('--prune applies to the whole town: give no polecat');
        const policy = retentionPolicy(townRoot);
        const result = pruneRuns(townRoot, { keep: wholeNumber('--keep', flags.keep) ?? policy.keep, keepDays: wholeNumber('--keep-days', flags.keepDays) ?? policy.keepDays }, { dryRun: flags.dryRun === true });
        if (flags.json) return printJson(output, result);
        const verb = flags.dryRun ? 'would prune' : 'pruned';
        output.out.write(`${verb} ${result.pruned.length} run${result.pruned.length === 1 ? '' : 's'}, kept ${result.kept} (${result.unfinished} in progress or interrupted, never pruned)\n`);
        return;
      }
      const damaged: string[] = [];
      const runs = listRuns(townRoot, (runId, error) => damaged.push(`${runId}: ${error.message}`))
        .filter((r) => !address || (r.record.rig === address.rig && r.record.name === address.name))
        .slice(0, flags.all ? undefined : 20)
        .map((r) => {
          let journal: JournalEntry[] = [];
          try {
            journal = new RunFiles(townRoot, r.record.runId).journal();
          } catch (error) {
            damaged.push(`${r.record.runId}: ${(error as Error).message}`);
          }
          return runView(r.record, r.state, journal);
        });
      for (const line of damaged) output.err.write(`warning: damaged run ${line}\n`);
      if (flags.json) return printJson(output, runs.map(({ path: _path, ...run }) => run));
      if (runs.length === 0) return void output.out.write('no runs\n');
      // Restarts name the run they follow, so a polecat's chain of restarts reads down the table.
      const restarts = runs.some((run) => run.follows !== undefined);
      output.out.write(`${'RUN'.padEnd(36)}  KIND   ${'POLECAT'.padEnd(20)}  ${'STATE'.padEnd(11)}  ${'RESULT'.padEnd(10)}  ${'DURATION'.padStart(8)}  STARTED${restarts ? `${' '.repeat(22)}FOLLOWS` : ''}\n`);
      for (const run of runs) {
        const line = `${run.runId.padEnd(36)}  ${run.kind.padEnd(5)}  ${run.polecat.padEnd(20)}  ${run.state.padEnd(11)}  ${(run.result ?? '-').padEnd(10)}  ${formatMs(run.durationMs).padStart(8)}  ${run.startedAt}`;
        output.out.write(`${restarts && run.follows ? `${line.padEnd(line.length - run.startedAt.length + 29)}${run.follows}` : line}\n`);
      }
    });
}

function wholeNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new InvalidInputError(`invalid ${flag} ${JSON.stringify(text)}: expected a whole number of 0 or more`);
  return Number(text);
}

export function findRun(townRoot: string, runId: string): RunFiles {
  if (!/^[A-Za-z0-9-]+$/.test(runId)) throw new InvalidInputError(`invalid run id ${JSON.stringify(runId)}: run ids are letters, digits and '-' (see polecat runs)`);
  // The exact id of a run whose record is damaged: say so, rather than that there is no such run.
  const exact = new RunFiles(townRoot, runId);
  if (exact.exists()) {
    exact.record();
    return exact;
  }
  // Accept a unique prefix of the id, as the list shows them long.
  const matches = listRuns(townRoot).filter((r) => r.record.runId.startsWith(runId));
  if (matches.length === 1) return new RunFiles(townRoot, matches[0]!.record.runId);
  if (matches.length > 1) throw new Error(`run id ${runId} is ambiguous: ${matches.map((m) => m.record.runId).join(', ')}`);
  throw new Error(`no run ${runId} in town ${townRoot} (see polecat runs)`);
}

