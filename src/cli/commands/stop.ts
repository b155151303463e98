import { Command } from 'commander';
import type { StopInput, StopOutput } from '../../../machines/stop.js';
import { stop } from '../../api/stop.js';
import { planStop } from '../../plan.js';
import { parseAddress } from '../../town/names.js';
import { EXIT, formatMs, processOutput, progressPrinter, type Output } from '../output.js';
import { parseTimeouts, socketOption, STOP_TIMEOUTS, townOption } from '../options.js';
import { cancelOnSignals, signalName, type SignalWords } from '../signals.js';

/** Where a stop is, for what the first Ctrl-C says it does. */
interface StopProgress {
  /** The step running; undefined before the machine starts. */
  step?: string;
  /** A start of the polecat in progress that the stop waits for (to roll back). */
  waitingForStart?: string;
}

const KILL_STEPS = new Set(['killProcesses', 'killSession', 'verifyGone']);

/** A stop is never undone by a signal: it finishes at once by force, and later signals are told to wait. */
export function stopSignalWords(where: () => StopProgress, many = false): SignalWords {
  const agent = many ? 'the agents' : 'the agent';
  return {
    first: () => {
      const { step, waitingForStart } = where();
      if (step === undefined && waitingForStart !== undefined) {
        return `stopping at once: the start in progress (run ${waitingForStart}) finishes rolling back, then the stop goes straight to killing (no waiting for ${agent} to exit)…`;
      }
      if (step !== undefined && KILL_STEPS.has(step)) return `stopping at once: the kill steps are under way and finish…`;
      return `stopping at once (no more waiting for ${agent} to exit)…`;
    },
    again: 'still stopping',
  };
}

/** How the agent was (or was not) asked to leave, for the stopped line. */
function howAsked(plan: StopInput, result: StopOutput): string {
  if (plan.force) return 'forced';
  if (result.interruptedIn === 'inspectSession') return 'the agent not asked to exit';
  if (result.interruptedIn === 'gracefulStop') return 'the wait for the agent to exit cut short';
  return result.exitedGracefully ? 'the agent exited when asked' : 'the agent did not exit when asked';
}

export function stopCommand(output: Output = processOutput): Command {
  return new Command('stop')
    .description('stop a polecat: ask its agent to exit, then kill every process its session owns and the session')
    .argument('<rig/name>', 'the polecat, e.g. gastown/Toast')
    .option('--force', 'skip asking the agent to exit (Ctrl-C); go straight to SIGTERM/SIGKILL')
    .option('--timeout <name=seconds,...>', 'graceful: how long the agent gets to exit after Ctrl-C; kill: SIGTERM to SIGKILL (default: graceful=3,kill=2)')
    .addOption(townOption())
    .addOption(socketOption())
    .addHelpText(
      'after',
      `
Steps: inspectSession, gracefulStop (skipped with --force), killProcesses, killSession, verifyGone. A start of the
polecat in progress is cancelled first (it rolls back), and the stop waits for it.

Ctrl-C (or SIGTERM) never leaves the polecat half stopped: interrupting a stop does not undo it, it makes it finish
at once by force. While the agent is being asked to exit, the stop no longer waits for it and goes on to
SIGTERM/SIGKILL; once the kill steps have begun, they finish. Waiting for a start in progress to roll back goes on
(up to 60 s), then the stop runs by force. Further Ctrl-Cs are only acknowledged. The run's journal records the
interruption (CANCEL), and the result line says so.

Exit status: 0 stopped (interrupted or not) or not running; 1 failed; 2 bad input.`,
    )
    .action(async (target: string, flags: { force?: boolean; timeout?: string; town?: string; socket?: string }) => {
      const address = parseAddress(target);
      const plan = planStop(address, { ...flags, ...(flags.timeout !== undefined ? parseTimeouts(flags.timeout, STOP_TIMEOUTS) : {}) });
      const name = `${address.rig}/${address.name}`;
      const progress = progressPrinter(output.err);
      const where: StopProgress = {};
      const cancellation = cancelOnSignals(output.err, stopSignalWords(() => where));
      const started = Date.now();
      try {
        const result = await stop(plan, {
          signal: cancellation.signal,
          onProgress: (event) => {
            if (event.type === 'step.started') where.step = event.step;
            progress.onProgress(event);
          },
          onCancellingStart: (runId) => {
            where.waitingForStart = runId;
            output.err.write(`${name} is being started (run ${runId}): cancelling that start and waiting for it to roll back…\n`);
          },
        });
        const by = cancellation.interruptedBy();
        const interruptedBy = `interrupted${by ? ` by ${signalName(by)}` : ''}`;
        if (result.cancelledStart) output.out.write(`${name}: cancelled the start in progress (run ${result.cancelledStart}); it rolled back\n`);
        if (result.result === 'notRunning') {
          output.out.write(`${name} is not running (no session ${plan.sessionName} on socket ${plan.socket}); nothing to stop${result.interrupted ? ` (${interruptedBy})` : ''}\n`);
          process.exitCode = EXIT.ok;
        } else if (result.result === 'stopped') {
          const leftovers = [
            ...(result.terminated.length > 0 ? [`${result.terminated.length} terminated`] : []),
            ...(result.killed.length > 0 ? [`${result.killed.length} killed after ignoring SIGTERM`] : []),
          ];
          const how = [howAsked(plan, result), ...leftovers].join('; ');
          const interrupted = result.interrupted ? ` (${interruptedBy}, finished by force)` : '';
          output.out.write(
            `${name} stopped in ${formatMs(Date.now() - started)}${interrupted}: ${result.processes} process${result.processes === 1 ? '' : 'es'} gone (${how}), session ${plan.sessionName} gone\n`,
          );
          process.exitCode = EXIT.ok;
        } else {
          output.err.write(`${name} stop failed at ${result.failure?.step}: ${result.failure?.message}${result.interrupted ? ` (${interruptedBy})` : ''}\n`);
          process.exitCode = EXIT.failed;
        }
      } finally {
        progress.close();
        cancellation.dispose();
      }
    });
}
