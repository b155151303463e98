import { Command } from 'commander';
import { describeActivity } from '../../activity/describe.js';
import { WAIT_TARGETS, waitFor, type WaitTarget } from '../../api/wait.js';
import { InvalidInputError, parseAddress } from '../../town/names.js';
import { printJson, processOutput, type Output } from '../output.js';
import { jsonOption, socketOption, townOption } from '../options.js';
import { cancelOnSignals, interruptedExitCode } from '../signals.js';
import { addInspectOptions, inspectTarget, withInspector, type InspectFlags } from '../inspect-option.js';

export function waitCommand(output: Output = processOutput): Command {
  return addInspectOptions(
    new Command('wait')
      .description(
        'wait until each polecat is in a state (from its agent\'s hooks and its pane): exit 0 when all are, 1 when time ran out or one can no longer get there (its agent exited, or its turn failed while waiting for idle), 2 bad input, 130 on Ctrl-C, 143 on SIGTERM',
      )
      .argument('<rig/name...>', 'the polecats, e.g. gastown/Toast gastown/Nux')
      .requiredOption('--for <state>', `${WAIT_TARGETS.join(', ')} (change: anything other than what it is doing now)`)
      .option('--timeout <seconds>', 'give up after this long (default: no limit)')
      .addOption(jsonOption())
      .addOption(townOption())
      .addOption(socketOption()),
    "each polecat's live activity machine",
  )
    .action(async (targets: string[], flags: InspectFlags & { for: string; timeout?: string; json?: boolean; town?: string; socket?: string }) => {
      if (!(WAIT_TARGETS as readonly string[]).includes(flags.for)) {
        throw new InvalidInputError(`invalid --for ${JSON.stringify(flags.for)}: expected one of ${WAIT_TARGETS.join(', ')}`);
      }
      if (flags.timeout !== undefined && (!/^\d+(\.\d+)?$/.test(flags.timeout) || Number(flags.timeout) <= 0)) {
        throw new InvalidInputError(`invalid --timeout ${JSON.stringify(flags.timeout)}: expected a number of seconds above 0`);
      }
      const addresses = targets.map(parseAddress);
      const inspectOn = inspectTarget(flags);
      const cancellation = cancelOnSignals(output.err, { first: 'stopping the wait', again: 'stopping the wait' });
      try {
        const outcomes = await withInspector(inspectOn, output, (inspector) =>
          waitFor(addresses, flags.for as WaitTarget, {
            ...(flags.town !== undefined ? { town: flags.town } : {}),
            ...(flags.socket !== undefined ? { socket: flags.socket } : {}),
            ...(flags.timeout !== undefined ? { timeoutMs: Number(flags.timeout) * 1000 } : {}),
            signal: cancellation.signal,
            ...(inspector ? { inspect: inspector.inspect } : {}),
          }),
        );
        if (flags.json) printJson(output, outcomes);
        else {
          for (const outcome of outcomes) {
            const doing = outcome.activity ? describeActivity(outcome.activity, Date.now()) : 'not running';
            output.out.write(`${outcome.polecat}: ${outcome.reached ? doing : `not ${flags.for} (${outcome.why}); ${doing}`}\n`);
          }
        }
        const interrupted = cancellation.interruptedBy();
        process.exitCode = interrupted ? interruptedExitCode(interrupted) : outcomes.every((o) => o.reached) ? 0 : 1;
      } finally {
        cancellation.dispose();
      }
    });
}
