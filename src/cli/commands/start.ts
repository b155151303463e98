import { Command, Option } from 'commander';
import type { StartupOutput } from '../../../machines/startup.js';
import { start, type RunOptions } from '../../manager.js';
import { planStart } from '../../plan.js';
import { startLiveInspector, type InspectTarget, type LiveInspector } from '../../inspect/live.js';
import { InvalidInputError, parseAddress } from '../../town/names.js';
import { EXIT, formatMs, processOutput, progressPrinter, quoteScreen, type Output } from '../output.js';
import { cancelOnSignals, interruptedExitCode } from '../signals.js';
import { parseTimeouts, socketOption, START_TIMEOUTS, townOption } from '../options.js';

interface StartFlags {
  inspect?: boolean;
  inspectSky?: boolean;
  inspectPort: string;
  issue?: string;
  agent?: string;
  town?: string;
  socket?: string;
  prompt?: string;
  timeout?: string;
}

export function startCommand(output: Output = processOutput): Command {
  return new Command('start')
    .description('start a polecat: its agent in a tmux session on the town socket, dialogs answered, startup text delivered')
    .argument('<rig/name>', 'the polecat, e.g. gastown/Toast')
    .option('--issue <id>', 'beads issue to validate and hook to the polecat (needs bd on PATH or $GT_BD)')
    .option(
      '--agent <"name [args...]">',
      'agent and extra arguments, e.g. --agent "sim --dialogs trust,bypass" (default: the rig\'s or town\'s settings/config.json, else claude)',
    )
    .option('--prompt <text>', 'startup text delivered to the agent (default: names the polecat and its issue)')
    .option('--timeout <name=seconds,...>', 'deadlines of the waits: command, dialogs, ready, nudge (default: command=60,dialogs=180,ready=60,nudge=30)')
    .option('--inspect', "stream the run to the Stately inspector through a relay on 127.0.0.1 whose page you open; --inspect=sky: Stately's hosted relay instead (needs internet)")
    .addOption(new Option('--inspect-sky').hideHelp())
    .option('--inspect-port <port>', 'port of the local relay for --inspect', '8080')
    .addOption(townOption())
    .addOption(socketOption())
    .addHelpText(
      'after',
      `
Steps: preflight, validateIssue, ensureSettings, createSession, setEnv, hook, theme, waitForCommand,
acceptBypass, waitForReady, nudges, verifyAlive. A failure rolls back what the start did (the session and every
process in it, the issue's status) and exits 1. Ctrl-C cancels and rolls back (exit 130).

Examples:
  polecat start gastown/Toast --town ~/gt --agent "sim --dialogs trust,bypass"
  polecat start gastown/Toast --issue gt-abc12 --agent claude`,
    )
    .action(async (target: string, flags: StartFlags) => {
      const plan = planStart(parseAddress(target), {
        ...flags,
        ...(flags.timeout !== undefined ? { timeouts: parseTimeouts(flags.timeout, START_TIMEOUTS) } : {}),
      });
      const inspect = inspectTarget(flags);
      process.exitCode = await runStart(plan, output, inspect);
    });
}

function inspectTarget(flags: StartFlags): { target: InspectTarget; port: number } | undefined {
  if (!flags.inspect && !flags.inspectSky) return undefined;
  const target: InspectTarget = flags.inspectSky ? 'sky' : 'local';
  const port = Number(flags.inspectPort);
  if (!/^\d+$/.test(flags.inspectPort) || port < 1 || port > 65535) throw new InvalidInputError(`invalid --inspect-port ${JSON.stringify(flags.inspectPort)}: expected 1 to 65535`);
  return { target, port };
}

/** How a start ended, told the user: the summary on success, else the failed step, its screen and what was undone. */
export function reportStartResult(
  output: Output,
  label: string,
  result: StartupOutput,
  interruptedBy: NodeJS.Signals | undefined,
  totalMs: number,
): number {
  const { err, out } = output;
  const total = formatMs(totalMs);
  for (const warning of result.warnings) err.write(`  warning: ${warning}\n`);
  if (result.result === 'running') {
    if (result.dialogsAnswered.length > 0) err.write(`  answered: ${result.dialogsAnswered.join('; ')}\n`);
    out.write(
      `${label} running in ${total}: session ${result.sessionName}, socket ${result.socket}, pane ${result.session?.paneId}, agent pid ${result.session?.panePid}\n` +
        `  attach: tmux -L ${result.socket} attach -t ${result.sessionName}\n`,
    );
    return EXIT.ok;
  }
  const undone = result.undone.length > 0 ? result.undone.join('; ') : 'nothing to undo';
  if (result.result === 'cancelled' || interruptedBy) {
    err.write(`${label} start cancelled after ${total}; rolled back: ${undone}\n`);
    return interruptedBy ? interruptedExitCode(interruptedBy) : EXIT.interrupted;
  }
  const failure = result.failure;
  err.write(`${label} failed at ${failure?.step ?? 'unknown step'}: ${failure?.message ?? 'unknown error'}\n`);
  if (failure?.screen) err.write(`  last screen:\n${quoteScreen(failure.screen)}\n`);
  err.write(`  rolled back: ${undone}\n`);
  return EXIT.failed;
}

async function runStart(plan: ReturnType<typeof planStart>, output: Output, inspectOn?: { target: InspectTarget; port: number }): Promise<number> {
  const { err } = output;
  const cancellation = cancelOnSignals(err);
  const progress = progressPrinter(err);
  err.write(`Starting ${plan.rig}/${plan.name} (agent ${plan.agent.name}, session ${plan.sessionName}, socket ${plan.socket})\n`);
  let inspector: LiveInspector | undefined;
  try {
    inspector = inspectOn ? await startLiveInspector(inspectOn.target, inspectOn.port) : undefined;
    if (inspector) err.write(`  inspect: ${inspector.url}\n`);
    const started = Date.now();
    const options: RunOptions = { onProgress: progress.onProgress, signal: cancellation.signal, ...(inspector ? { inspect: inspector.inspect } : {}) };
    const result = await start(plan, options);
    return reportStartResult(output, `${plan.rig}/${plan.name}`, result, cancellation.interruptedBy(), Date.now() - started);
  } finally {
    progress.close();
    await inspector?.stop();
    cancellation.dispose();
  }
}
