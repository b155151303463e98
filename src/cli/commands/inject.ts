import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describeActivity } from '../../activity/describe.js';
import { waitFor, type WaitOutcome, type WaitTarget } from '../../api/wait.js';
import { inject } from '../../api/inject.js';
import { InvalidInputError, parseAddress } from '../../town/names.js';
import { processOutput, type Output } from '../output.js';
import { socketOption, townOption } from '../options.js';
import { cancelOnSignals, interruptedExitCode } from '../signals.js';

function readText(words: readonly string[], file: string | undefined): string {
  if (file !== undefined && words.length > 0) throw new InvalidInputError('give the text as words or with --file, not both');
  if (file !== undefined) {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new InvalidInputError(`--file ${JSON.stringify(file)} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
    }
  }
  if (words.length > 0) return words.join(' ');
  if (process.stdin.isTTY) throw new InvalidInputError('no text: give it as words, with --file, or on standard input');
  return readFileSync(0, 'utf8');
}

export function injectCommand(output: Output = processOutput): Command {
  return new Command('inject')
    .description("type text into a polecat's agent and submit it once, checked on screen (several lines are pasted)")
    .argument('<rig/name>', 'the polecat, e.g. gastown/Toast')
    .argument('[message...]', 'the text (words are joined with spaces); else --file, else standard input')
    .option('--file <file>', 'read the text from FILE')
    .option('--wait-idle', 'first wait until the agent is idle, so the text never lands in a turn in progress')
    .option('--then-wait <state>', 'then wait until the turn the text started is over: idle (its end), or change (anything)')
    .option('--wait-timeout <seconds>', 'give up either wait after this long, exit 1 (default: no limit)')
    .addOption(townOption())
    .addOption(socketOption())
    .action(
      async (
        target: string,
        words: string[],
        flags: { file?: string; waitIdle?: boolean; thenWait?: string; waitTimeout?: string; town?: string; socket?: string },
      ) => {
        const address = parseAddress(target);
        if (flags.thenWait !== undefined && flags.thenWait !== 'idle' && flags.thenWait !== 'change') {
          throw new InvalidInputError(`invalid --then-wait ${JSON.stringify(flags.thenWait)}: expected idle or change`);
        }
        if (flags.waitTimeout !== undefined && (!/^\d+(\.\d+)?$/.test(flags.waitTimeout) || Number(flags.waitTimeout) <= 0)) {
          throw new InvalidInputError(`invalid --wait-timeout ${JSON.stringify(flags.waitTimeout)}: expected a number of seconds above 0`);
        }
        const text = readText(words, flags.file).replace(/\n$/, '');
        const cancellation = cancelOnSignals(output.err, { first: 'stopping', again: 'stopping' });
        const waitOptions = { ...flags, signal: cancellation.signal, ...(flags.waitTimeout !== undefined ? { timeoutMs: Number(flags.waitTimeout) * 1000 } : {}) };
        try {
          const report = (outcome: WaitOutcome, what: string) => {
            const doing = outcome.activity ? describeActivity(outcome.activity, Date.now()) : 'not running';
            output.out.write(`${outcome.polecat}: ${outcome.reached ? doing : `not ${what} (${outcome.why}); ${doing}`}\n`);
            const interrupted = cancellation.interruptedBy();
            process.exitCode = interrupted ? interruptedExitCode(interrupted) : outcome.reached ? 0 : 1;
            return outcome.reached;
          };
          if (flags.waitIdle) {
            const [idle] = await waitFor([address], 'idle', waitOptions);
            if (!idle!.reached) return void report(idle!, 'idle, so nothing was typed');
          }
          const submittedAt = Date.now();
          const result = await inject(address, text, flags);
          output.out.write(`${result.polecat}: ${result.bytes} bytes delivered and submitted\n`);
          if (flags.thenWait !== undefined) {
            const [after] = await waitFor([address], flags.thenWait as WaitTarget, { ...waitOptions, after: submittedAt });
            report(after!, flags.thenWait);
          }
        } finally {
          cancellation.dispose();
        }
      },
    );
}
