import { Command } from 'commander';
import { stop } from '../../manager.js';
import { planStop } from '../../plan.js';
import { parseAddress } from '../../town/names.js';
import { EXIT, formatMs, processOutput, progressPrinter, type Output } from '../output.js';
import { parseTimeouts, socketOption, STOP_TIMEOUTS, townOption } from '../options.js';

export function stopCommand(output: Output = processOutput): Command {
  return new Command('stop')
    .description('stop a polecat: ask its agent to exit, then kill every process its session owns and the session')
    .argument('<rig/name>', 'the polecat, e.g. gastown/Toast')
    .option('--force', 'skip asking the agent to exit (Ctrl-C); go straight to SIGTERM/SIGKILL')
    .option('--timeout <name=seconds,...>', 'graceful: how long the agent gets to exit after Ctrl-C; kill: SIGTERM to SIGKILL (default: graceful=3,kill=2)')
    .addOption(townOption())
    .addOption(socketOption())
    .action(async (target: string, flags: { force?: boolean; timeout?: string; town?: string; socket?: string }) => {
      const address = parseAddress(target);
      const plan = planStop(address, { ...flags, ...(flags.timeout !== undefined ? parseTimeouts(flags.timeout, STOP_TIMEOUTS) : {}) });
      const progress = progressPrinter(output.err);
      const started = Date.now();
      try {
        const result = await stop(plan, { onProgress: progress.onProgress });
        const name = `${address.rig}/${address.name}`;
        if (result.cancelledStart) output.out.write(`${name}: cancelled the start in progress (run ${result.cancelledStart}); it rolled back\n`);
        if (result.result === 'notRunning') {
          output.out.write(`${name} is not running (no session ${plan.sessionName} on socket ${plan.socket}); nothing to stop\n`);
          process.exitCode = EXIT.ok;
        } else if (result.result === 'stopped') {
          const leftovers = [
            ...(result.terminated.length > 0 ? [`${result.terminated.length} terminated`] : []),
            ...(result.killed.length > 0 ? [`${result.killed.length} killed after ignoring SIGTERM`] : []),
          ];
          const asked = plan.force ? 'forced' : result.exitedGracefully ? 'the agent exited when asked' : 'the agent did not exit when asked';
          const how = [asked, ...leftovers].join('; ');
          output.out.write(`${name} stopped in ${formatMs(Date.now() - started)}: ${result.processes} process${result.processes === 1 ? '' : 'es'} gone (${how}), session ${plan.sessionName} gone\n`);
          process.exitCode = EXIT.ok;
        } else {
          output.err.write(`${name} stop failed at ${result.failure?.step}: ${result.failure?.message}\n`);
          process.exitCode = EXIT.failed;
        }
      } finally {
        progress.close();
      }
    });
}
