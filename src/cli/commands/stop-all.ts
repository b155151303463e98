import { Command } from 'commander';
import { stopAll } from '../../manager.js';
import { checkName } from '../../town/names.js';
import { EXIT, processOutput, type Output } from '../output.js';
import { parseTimeouts, socketOption, STOP_TIMEOUTS, townOption } from '../options.js';

export function stopAllCommand(output: Output = processOutput): Command {
  return new Command('stop-all')
    .description("stop every polecat of a rig in parallel (only this town's polecat sessions of that rig; nothing else)")
    .argument('<rig>', 'the rig')
    .option('--force', 'skip asking the agents to exit (Ctrl-C); go straight to SIGTERM/SIGKILL')
    .option('--timeout <name=seconds,...>', 'graceful and kill times, as for stop (default: graceful=3,kill=2)')
    .addOption(townOption())
    .addOption(socketOption())
    .action(async (rig: string, flags: { force?: boolean; timeout?: string; town?: string; socket?: string }) => {
      const result = await stopAll(checkName('rig', rig), { ...flags, ...(flags.timeout !== undefined ? parseTimeouts(flags.timeout, STOP_TIMEOUTS) : {}) });
      for (const { polecat, result: r } of result.stopped) {
        output.out.write(`${polecat}: ${r.result === 'notRunning' ? 'was not running' : `stopped (${r.processes} process${r.processes === 1 ? '' : 'es'} gone)`}\n`);
      }
      for (const { polecat, error } of result.failed) output.err.write(`${polecat}: stop failed: ${error}\n`);
      if (result.stopped.length === 0 && result.failed.length === 0) output.out.write(`no polecats of rig ${rig} running\n`);
      process.exitCode = result.failed.length > 0 ? EXIT.failed : EXIT.ok;
    });
}
