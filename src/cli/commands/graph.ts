import { Command, Option } from 'commander';
import { startupMachine } from '../../../machines/startup.js';
import { stopMachine } from '../../../machines/stop.js';
import { GRAPH_FORMATS, renderGraph, type GraphFormat } from '../../inspect/graph.js';
import { InvalidInputError } from '../../town/names.js';
import { processOutput, type Output } from '../output.js';

const MACHINES = { startup: startupMachine, stop: stopMachine };

export function graphCommand(output: Output = processOutput): Command {
  return new Command('graph')
    .description('print a machine as a diagram (mermaid, dot) or as its config (json, as the Stately editor reads it)')
    .argument('[machine]', `which machine: ${Object.keys(MACHINES).join(' or ')}`, 'startup')
    .addOption(new Option('--format <format>', 'output format').choices(GRAPH_FORMATS).default('mermaid'))
    .action((name: string, flags: { format: GraphFormat }) => {
      const machine = MACHINES[name as keyof typeof MACHINES];
      if (!machine) throw new InvalidInputError(`unknown machine ${JSON.stringify(name)}: use ${Object.keys(MACHINES).join(' or ')}`);
      output.out.write(renderGraph(machine, flags.format));
    });
}
