import { Command } from 'commander';
import { STEP_ORDER } from '../../../machines/startup.js';
import { list } from '../../api/queries.js';
import { start } from '../../api/start.js';
import type { RunOptions } from '../../runs/recording.js';
import { planStart, planStarts, rigAddresses, type StartOptions } from '../../plan.js';
import { DEFAULT_PARALLEL } from '../../api/many.js';
import type { LiveInspector } from '../../inspect/live.js';
import { addInspectOptions, inspectTarget, withInspector, type InspectFlags, type InspectOn } from '../inspect-option.js';
import { checkName, InvalidInputError, parseAddress, type PolecatAddress } from '../../town/names.js';
import { EXIT, printJson, processOutput, progressPrinter, wrapWords, type Output } from '../output.js';
import { cancelOnSignals } from '../signals.js';
import { runStartBatch } from '../start-batch.js';
import { reportStartResult, startJson } from '../start-report.js';
import { parseTimeouts, socketOption, START_TIMEOUTS, townOption } from '../options.js';

interface StartFlags extends InspectFlags {
  all?: boolean;
  parallel?: string;
  issue?: string;
  agent?: string;
  town?: string;
  socket?: string;
  prompt?: string;
  timeout?: string;
  json?: boolean;
}

export function startCommand(output: Output = processOutput): Command {
  return addInspectOptions(
    new Command('start')
      .description('start polecats: each one\'s agent in a tmux session on the town socket, dialogs answered, startup text delivered')
      .usage('[options] <rig/name>...  |  <rig> --all [options]')
      .argument('<rig/name...>', 'the polecats, e.g. gastown/Toast gastown/Nux; with --all, the rig alone')
      .option('--all', 'every polecat of the rig: each directory under <town>/<rig>/polecats/ (hidden ones such as .claude are not polecats)')
      .option('--parallel <n>', `at most this many starts at a time (default: ${DEFAULT_PARALLEL})`)
      .option('--issue <id>', 'beads issue to validate and hook to the polecat, one polecat only (needs bd on PATH or $GT_BD)')
      .option(
        '--agent <"name [args...]">',
        'agent and extra arguments, e.g. --agent "sim --dialogs trust,bypass", split into words as sh quotes them but never expanded or run (default: the rig\'s or town\'s settings/config.json, else claude)',
      )
      .option('--prompt <text>', 'startup text delivered to the agent (default: names the polecat and its issue)')
      .option('--timeout <name=seconds,...>', 'deadlines of the waits: command, dialogs, ready, nudge (default: command=60,dialogs=180,ready=60,nudge=30)')
      .option('--json', "print the outcome as JSON on stdout, progress and reports going to stderr only: one object for one polecat, an array of them for several")
      .addOption(townOption())
      .addOption(socketOption())
      .addHelpText(
        'after',
        `
${wrapWords(`Steps: ${STEP_ORDER.join(', ')} (polecat graph draws them). A failure rolls back what the start did (the session and every process in it, the issue's status) and exits 1. Ctrl-C cancels and rolls back (exit 130).`)}

Many at once: name several polecats, or a rig with --all. Every name is checked and every start planned before
any begins; then each polecat is started as its own run (its own lock, record and rollback), at most --parallel
at a time. The default, ${DEFAULT_PARALLEL}, starts a rig in a few waves and keeps the machine and the tmux server
responsive while the agents (each a large program) start. A failure does not stop the others. On a terminal each start
in flight shows its step and time; elsewhere one line per polecat as it ends (a failure with its last screen),
then a summary: "3 started, 1 failed (gastown/Nux), 0 cancelled in 9.8 s".
With --all, polecats already running are reported and left as they are, not counted as failures; a polecat
named on the command line that is already running fails as it does alone. A rig with no polecats starts nothing.
Ctrl-C cancels every start in flight (each rolls back) and begins no other.

Exit status: 0 every polecat running (with --all, or already running); 1 any failed; 2 bad input (nothing
started); 130 Ctrl-C, 143 SIGTERM.

Examples:
  polecat start gastown/Toast --town ~/gt --agent "sim --dialogs trust,bypass"
  polecat start gastown/Toast --issue gt-abc12 --agent claude
  polecat start gastown/Toast gastown/Nux gastown/Max --parallel 2
  polecat start gastown --all`,
      ),
    'the run (one polecat only)',
  )
    .action(async (targets: string[], flags: StartFlags) => {
      const parallel = parseParallel(flags.parallel);
      const options: StartOptions = {
        ...flags,
        ...(flags.timeout !== undefined ? { timeouts: parseTimeouts(flags.timeout, START_TIMEOUTS) } : {}),
      };
      if (!flags.all && targets.length === 1) {
        const plan = planStart(parseAddress(targets[0]!), options);
        process.exitCode = await runStart(plan, output, inspectTarget(flags), flags.json === true);
        return;
      }
      if (flags.inspect || flags.inspectSky) throw new InvalidInputError('--inspect watches one start: give one polecat');
      if (flags.all) {
        if (flags.issue !== undefined) throw new InvalidInputError('--issue hooks an issue to one polecat; it cannot go with --all');
        const rig = allTarget(targets);
        const { addresses, unaddressable } = rigAddresses(rig, options);
        process.exitCode = await startAll(rig, addresses, unaddressable, options, parallel, output, flags.json === true);
        return;
      }
      process.exitCode = await runStartBatch(planStarts(targets.map(parseAddress), options), [], parallel, output, flags.json === true);
    });
}

/** `--all` takes the rig alone: a polecat name alongside would say two different things. */
function allTarget(targets: readonly string[]): string {
  if (targets.length !== 1 || targets[0]!.includes('/')) {
    throw new InvalidInputError(`--all takes one rig and no polecat names (polecat start <rig> --all), got ${targets.map((t) => JSON.stringify(t)).join(' ')}`);
  }
  return checkName('rig', targets[0]!);
}

function parseParallel(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PARALLEL;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidInputError(`invalid --parallel ${JSON.stringify(text)}: expected a positive whole number of starts at a time`);
  }
  return n;
}

/** Every polecat of the rig; those already running are left as they are (the user asked for all of them running). */
async function startAll(
  rig: string,
  addresses: readonly PolecatAddress[],
  unaddressable: readonly string[],
  options: StartOptions,
  parallel: number,
  output: Output,
  json: boolean,
): Promise<number> {
  const plans = addresses.length > 0 ? planStarts(addresses, options) : [];
  for (const name of unaddressable) output.err.write(`  note: skipped ${rig}/polecats/${name}: not a valid polecat name\n`);
  if (plans.length === 0) {
    output.err.write(`no polecats in rig ${rig}: nothing to start\n`);
    if (json) printJson(output, []);
    return EXIT.ok;
  }
  const running = new Set((await list(rig, options)).polecats.filter((p) => p.running).map((p) => p.name));
  return runStartBatch(
    plans.filter((plan) => !running.has(plan.name)),
    plans.filter((plan) => running.has(plan.name)),
    parallel,
    output,
    json,
  );
}

async function runStart(plan: ReturnType<typeof planStart>, output: Output, inspectOn: InspectOn | undefined, json: boolean): Promise<number> {
  const { err } = output;
  const cancellation = cancelOnSignals(err);
  const progress = progressPrinter(err);
  err.write(`Starting ${plan.rig}/${plan.name} (agent ${plan.agent.name}, session ${plan.sessionName}, socket ${plan.socket})\n`);
  try {
    return await withInspector(inspectOn, output, (inspector) => startOne(plan, output, inspector, json, cancellation, progress));
  } finally {
    progress.close();
    cancellation.dispose();
  }
}

async function startOne(
  plan: ReturnType<typeof planStart>,
  output: Output,
  inspector: LiveInspector | undefined,
  json: boolean,
  cancellation: ReturnType<typeof cancelOnSignals>,
  progress: ReturnType<typeof progressPrinter>,
): Promise<number> {
  const started = Date.now();
  const options: RunOptions = { onProgress: progress.onProgress, signal: cancellation.signal, ...(inspector ? { inspect: inspector.inspect } : {}) };
  const result = await start(plan, options);
  const label = `${plan.rig}/${plan.name}`;
  if (!json) return reportStartResult(output, label, result, cancellation.interruptedBy(), Date.now() - started);
  // The outcome as data on stdout; the same words as without --json go to stderr.
  const code = reportStartResult({ out: output.err, err: output.err }, label, result, cancellation.interruptedBy(), Date.now() - started);
  printJson(output, startJson(plan, result, Date.now() - started));
  return code;
}
