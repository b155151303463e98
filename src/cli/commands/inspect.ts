import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { startupMachine } from '../../../machines/startup.js';
import { stopMachine } from '../../../machines/stop.js';
import { renderRunSvg } from '../../inspect/svg.js';
import { runView, type RunView } from '../../inspect/timeline.js';
import { resolveTown } from '../../plan.js';
import { runState } from '../../runs/store.js';
import { formatMs, printJson, processOutput, quoteScreen, type Output } from '../output.js';
import { jsonOption, townOption } from '../options.js';
import { findRun } from './runs.js';

const MARK: Record<string, string> = { ok: '✓', failed: '✗', warning: '!', cancelled: '-' };

function printView(output: Output, view: RunView): void {
  const lines = [
    `run ${view.runId}: ${view.kind} of ${view.polecat}, ${view.state}${view.result ? `, ${view.result}` : ''}, ${formatMs(view.durationMs)}`,
    `  started ${view.startedAt}${view.finishedAt ? `, finished ${view.finishedAt}` : ''}${view.resumed ? `, resumed ${view.resumed}×` : ''}`,
    ...(view.follows ? [`  a restart by the supervisor, after run ${view.follows}${view.resumes ? `, resuming the agent's session ${view.resumes}` : ''}`] : []),
    ...view.path.map((s) => `  ${s.outcome ? (MARK[s.outcome] ?? '?') : ' '} ${s.state.padEnd(16)} ${s.ms !== undefined ? formatMs(s.ms).padStart(8) : ''}${s.outcome && s.outcome !== 'ok' ? `  ${s.outcome}` : ''}`),
    ...(view.cancelledIn !== undefined ? [`  CANCEL in ${view.cancelledIn}: ${view.kind === 'stop' ? 'the stop finished by force' : 'rolled back'}`] : []),
    ...view.warnings.map((w) => `  warning: ${w}`),
  ];
  if (view.failure) {
    const { step, message, command, exitStatus, screen } = view.failure;
    lines.push(`  failed at ${step}: ${message}`);
    if (command) {
      lines.push(`  command: ${command.line}`);
      lines.push(`    exit code ${command.exitCode ?? 'none'}${command.stderr ? `, stderr: ${command.stderr.replace(/\n/g, '\n      ')}` : ''}`);
    }
    if (exitStatus !== undefined) lines.push(`  the agent exited with status ${exitStatus}`);
    if (screen) lines.push('  last screen:', quoteScreen(screen));
  }
  if (view.state === 'interrupted') {
    lines.push(
      view.kind === 'start'
        ? `  interrupted: continue with \`polecat resume ${view.runId}\` or undo with \`polecat rollback ${view.runId}\``
        : `  interrupted: run \`polecat stop ${view.polecat}\` again to finish stopping it`,
    );
  }
  output.out.write(`${lines.join('\n')}\n`);
}

export function inspectCommand(output: Output = processOutput): Command {
  return new Command('inspect')
    .description('show one run: the path it took with the time of each step, warnings, failure and last screen')
    .argument('<run>', 'run id (or a unique prefix), from polecat runs')
    .option('--follow', 'keep showing a run in progress until it ends')
    .option('--svg <file>', 'also draw the machine to FILE (SVG, offline) with the path this run took highlighted, each step with its time')
    .addOption(jsonOption())
    .addOption(townOption())
    .action(async (runId: string, flags: { follow?: boolean; json?: boolean; svg?: string; town?: string }) => {
      const { townRoot } = resolveTown(flags);
      const files = findRun(townRoot, runId);
      const view = () => {
        const record = files.record();
        return runView(record, runState(record), files.journal());
      };
      if (flags.svg !== undefined) {
        const current = view();
        writeFileSync(flags.svg, renderRunSvg(current.kind === 'stop' ? stopMachine : startupMachine, current));
        output.err.write(`drew run ${current.runId} to ${flags.svg}\n`);
      }
      if (!flags.follow) return flags.json ? printJson(output, view()) : printView(output, view());
      let shown = 0;
      for (;;) {
        const current = view();
        const entries = files.journal();
        for (const entry of entries.slice(shown)) output.out.write(`${flags.json ? JSON.stringify(entry) : `${new Date(entry.ts).toISOString()} ${entry.type} ${JSON.stringify({ ...entry, ts: undefined, type: undefined })}`}\n`);
        shown = entries.length;
        if (current.state !== 'in progress') {
          if (!flags.json) printView(output, current);
          return;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    });
}
