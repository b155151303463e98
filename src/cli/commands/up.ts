/**
 * `polecat up`: the polecats should be running. Said first (the town's desired state, with the start options a
 * restart uses again), then each one not running is started exactly as `polecat start` starts it. `polecat down`:
 * they should not run; said, then each running one is stopped. `start` and `stop` leave what was said as it is.
 */
import { Command } from 'commander';
import { list } from '../../api/queries.js';
import { stop } from '../../api/stop.js';
import { planStarts, planStop, resolveTown, rigAddresses, type StartOptions } from '../../plan.js';
import { writeDesired, type UpOptions } from '../../supervise/desired.js';
import { isDirectory } from '../../town/town.js';
import { checkName, formatAddress, InvalidInputError, parseAddress, type PolecatAddress } from '../../town/names.js';
import { DEFAULT_PARALLEL } from '../../api/many.js';
import { EXIT, processOutput, type Output } from '../output.js';
import { parseTimeouts, socketOption, START_TIMEOUTS, STOP_TIMEOUTS, townOption } from '../options.js';
import { cancelOnSignals } from '../signals.js';
import { runStartBatch } from '../start-batch.js';
import { stopSignalWords } from './stop.js';

interface TargetFlags {
  all?: boolean;
  town?: string;
  socket?: string;
}

/** The polecats named, or with --all every polecat of the one rig named. */
function targetsOf(targets: readonly string[], flags: TargetFlags): PolecatAddress[] {
  if (!flags.all) return targets.map(parseAddress);
  if (targets.length !== 1 || targets[0]!.includes('/')) {
    throw new InvalidInputError(`--all takes one rig and no polecat names, got ${targets.map((t) => JSON.stringify(t)).join(' ')}`);
  }
  const { addresses } = rigAddresses(checkName('rig', targets[0]!), flags);
  if (addresses.length === 0) throw new InvalidInputError(`no polecats in rig ${targets[0]}`);
  return addresses;
}

/** The town's polecats with a session, by `rig/name` (`running`: only those whose agent runs): one tmux call. */
async function withSessions(flags: TargetFlags, running: boolean): Promise<Set<string>> {
  return new Set((await list(undefined, { ...flags, replay: false })).polecats.filter((p) => !running || p.running).map((p) => p.polecat));
}

export function upCommand(output: Output = processOutput): Command {
  return new Command('up')
    .description('say that polecats should be running (kept so by polecat supervise), and start each one that is not, as polecat start does')
    .usage('[options] <rig/name>...  |  <rig> --all [options]')
    .argument('<rig/name...>', 'the polecats, e.g. gastown/Toast gastown/Nux; with --all, the rig alone')
    .option('--all', 'every polecat of the rig')
    .option('--agent <"name [args...]">', 'agent and extra arguments, as for polecat start; kept for its restarts')
    .option('--issue <id>', 'beads issue to hook, one polecat only; kept for its restarts')
    .option('--prompt <text>', 'startup text, as for polecat start; kept for its restarts')
    .option('--timeout <name=seconds,...>', 'deadlines of the waits, as for polecat start; kept for its restarts')
    .option('--parallel <n>', `at most this many starts at a time (default: ${DEFAULT_PARALLEL})`)
    .addOption(townOption())
    .addOption(socketOption())
    .addHelpText(
      'after',
      `
What is said is kept in <town>/.runtime/polecat/desired/<rig>/<name>.json until polecat down. A polecat already
running is left as it is. Every name and option is checked before anything is said or started.

Exit status: 0 every polecat running; 1 any start failed (it is still up: the supervisor starts it again);
2 bad input (nothing said or started); 130 Ctrl-C.`,
    )
    .action(async (targets: string[], flags: TargetFlags & Omit<UpOptions, 'timeouts'> & { timeout?: string; parallel?: string }) => {
      const addresses = targetsOf(targets, flags);
      if (flags.issue !== undefined && addresses.length !== 1) throw new InvalidInputError('--issue hooks an issue to one polecat: give one');
      const parallel = flags.parallel === undefined ? DEFAULT_PARALLEL : Number(flags.parallel);
      if (!Number.isSafeInteger(parallel) || parallel < 1) throw new InvalidInputError(`invalid --parallel ${JSON.stringify(flags.parallel)}: expected a positive whole number`);
      const timeouts = flags.timeout !== undefined ? parseTimeouts(flags.timeout, START_TIMEOUTS) : undefined;
      const options: StartOptions = { ...flags, ...(timeouts ? { timeouts } : {}) };
      // Planned, so checked, before anything is said or started; a polecat that is not there is not said up.
      const plans = planStarts(addresses, options);
      for (const plan of plans) {
        if (!isDirectory(plan.polecatDir)) throw new InvalidInputError(`polecat ${plan.rig}/${plan.name} not found: ${plan.polecatDir} is not a directory`);
      }
      const { townRoot } = resolveTown(flags);
      const kept: UpOptions = {
        ...(flags.agent !== undefined ? { agent: flags.agent } : {}),
        ...(flags.issue !== undefined ? { issue: flags.issue } : {}),
        ...(flags.prompt !== undefined ? { prompt: flags.prompt } : {}),
        ...(timeouts ? { timeouts } : {}),
      };
      for (const address of addresses) await writeDesired(townRoot, address, 'up', kept);
      const running = await withSessions(flags, true);
      const label = (plan: { rig: string; name: string }) => `${plan.rig}/${plan.name}`;
      process.exitCode = await runStartBatch(
        plans.filter((plan) => !running.has(label(plan))),
        plans.filter((plan) => running.has(label(plan))),
        parallel,
        output,
      );
    });
}

export function downCommand(output: Output = processOutput): Command {
  return new Command('down')
    .description('say that polecats should not run (polecat supervise no longer starts them), and stop each one that runs')
    .usage('[options] <rig/name>...  |  <rig> --all [options]')
    .argument('<rig/name...>', 'the polecats, e.g. gastown/Toast gastown/Nux; with --all, the rig alone')
    .option('--all', 'every polecat of the rig')
    .option('--force', 'skip asking the agents to exit, as for polecat stop')
    .option('--timeout <name=seconds,...>', 'graceful and kill times, as for polecat stop (default: graceful=3,kill=2)')
    .addOption(townOption())
    .addOption(socketOption())
    .addHelpText('after', '\nExit status: 0 every polecat down and stopped; 1 any stop failed; 2 bad input (nothing said or stopped).')
    .action(async (targets: string[], flags: TargetFlags & { force?: boolean; timeout?: string }) => {
      const addresses = targetsOf(targets, flags);
      const timeouts = flags.timeout !== undefined ? parseTimeouts(flags.timeout, STOP_TIMEOUTS) : {};
      const plans = addresses.map((address) => planStop(address, { ...flags, ...timeouts }));
      const { townRoot } = resolveTown(flags);
      for (const address of addresses) await writeDesired(townRoot, address, 'down');
      // A session whose agent has exited is stopped too: its session and what is left in it go.
      const running = await withSessions(flags, false);
      const cancellation = cancelOnSignals(output.err, stopSignalWords(() => ({}), addresses.length > 1));
      try {
        const results = await Promise.allSettled(
          addresses.map(async (address, i) => {
            const key = formatAddress(address);
            if (!running.has(key)) return `${key}: down (was not running)`;
            const result = await stop(plans[i]!, { signal: cancellation.signal });
            return `${key}: down (${result.result === 'notRunning' ? 'was not running' : `stopped, ${result.processes} process${result.processes === 1 ? '' : 'es'} gone`})`;
          }),
        );
        let failed = false;
        results.forEach((settled, i) => {
          if (settled.status === 'fulfilled') output.out.write(`${settled.value}\n`);
          else {
            failed = true;
            output.err.write(`${formatAddress(addresses[i]!)}: down, but its stop failed: ${settled.reason instanceof Error ? settled.reason.message : String(settled.reason)}\n`);
          }
        });
        process.exitCode = failed ? EXIT.failed : EXIT.ok;
      } finally {
        cancellation.dispose();
      }
    });
}
