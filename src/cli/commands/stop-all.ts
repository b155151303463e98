import { Command } from 'commander';
import { stopAll } from '../../api/many.js';
import { checkName } from '../../town/names.js';
import { EXIT, processOutput, type Output } from '../output.js';
import { parseTimeouts, socketOption, STOP_TIMEOUTS, townOption } from '../options.js';
import { cancelOnSignals } from '../signals.js';
import { stopSignalWords } from './stop.js';

export function stopAllCommand(output: Output = processOutput): Command {
  return new Command('stop-all')
    .description("stop every polecat of a rig in parallel (only this town's polecat sessions of that rig; nothing else)")
    .argument('<rig>', 'the rig')
    .option('--force', 'skip asking the agents to exit (Ctrl-C); go straight to SIGTERM/SIGKILL')
    .option('--timeout <name=seconds,...>', 'graceful and kill times, as for stop (default: graceful=3,kill=2)')
    .addOption(townOption())
    .addOption(socketOption())
    .addHelpText(
      'after',
      `
Ctrl-C (or SIGTERM) interrupts every stop, and each finishes at once by force (no more waiting for the agents to
exit); none is left half done. Further Ctrl-Cs are only acknowledged.

Exit status: 0 every polecat stopped (interrupted or not); 1 any stop failed; 2 bad input.`,
    )
    .action(async (rig: string, flags: { force?: boolean; timeout?: string; town?: string; socket?: string }) => {
      const cancellation = cancelOnSignals(output.err, stopSignalWords(() => ({}), true));
      try {
        const options = { ...flags, ...(flags.timeout !== undefined ? parseTimeouts(flags.timeout, STOP_TIMEOUTS) : {}), signal: cancellation.signal };
        const result = await stopAll(checkName('rig', rig), options);
        for (const { polecat, result: r } of result.stopped) {
          const interrupted = r.interrupted ? '; interrupted, finished by force' : '';
          output.out.write(`${polecat}: ${r.result === 'notRunning' ? `was not running${r.interrupted ? ' (interrupted)' : ''}` : `stopped (${r.processes} process${r.processes === 1 ? '' : 'es'} gone${interrupted})`}\n`);
        }
        for (const { polecat, error } of result.failed) output.err.write(`${polecat}: stop failed: ${error}\n`);
        if (result.stopped.length === 0 && result.failed.length === 0) output.out.write(`no polecats of rig ${rig} running\n`);
        process.exitCode = result.failed.length > 0 ? EXIT.failed : EXIT.ok;
      } finally {
        cancellation.dispose();
      }
    });
}
