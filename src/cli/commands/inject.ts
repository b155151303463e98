import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { inject } from '../../manager.js';
import { InvalidInputError, parseAddress } from '../../town/names.js';
import { processOutput, type Output } from '../output.js';
import { socketOption, townOption } from '../options.js';

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
    .addOption(townOption())
    .addOption(socketOption())
    .action(async (target: string, words: string[], flags: { file?: string; town?: string; socket?: string }) => {
      const address = parseAddress(target);
      const text = readText(words, flags.file).replace(/\n$/, '');
      const result = await inject(address, text, flags);
      output.out.write(`${result.polecat}: ${result.bytes} bytes delivered and submitted\n`);
    });
}
