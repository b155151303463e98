import { Command, Option } from 'commander';
import { capture } from '../../api/queries.js';
import { InvalidInputError, parseAddress } from '../../town/names.js';
import { CliError, EXIT, printJson, processOutput, type Output } from '../output.js';
import { jsonOption, socketOption, townOption } from '../options.js';

function parseLines(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 100_000) throw new InvalidInputError(`invalid -n ${JSON.stringify(text)}: expected a whole number from 0 to 100000`);
  return Number(text);
}

export function captureCommand(output: Output = processOutput): Command {
  return new Command('capture')
    .description("print the agent pane's text: the screen, plus scrollback lines above it with -n")
    .argument('<rig/name>', 'the polecat, e.g. gastown/Toast')
    .addOption(new Option('-n, --lines <count>', 'lines of scrollback above the screen').default('0'))
    .addOption(jsonOption())
    .addOption(townOption())
    .addOption(socketOption())
    .action(async (target: string, flags: { lines: string; json?: boolean; town?: string; socket?: string }) => {
      const address = parseAddress(target);
      const result = await capture(address, parseLines(flags.lines), flags);
      if (!result) throw new CliError(`${address.rig}/${address.name} is not running`, EXIT.failed);
      if (flags.json) return printJson(output, { ...result, lines: result.text.split('\n') });
      output.out.write(result.text.endsWith('\n') ? result.text : `${result.text}\n`);
    });
}
