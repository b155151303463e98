import { Command } from 'commander';
import { describeActivity } from '../../activity/describe.js';
import { list } from '../../manager.js';
import { checkName } from '../../town/names.js';
import { printJson, processOutput, type Output } from '../output.js';
import { jsonOption, socketOption, townOption } from '../options.js';

export function listCommand(output: Output = processOutput): Command {
  return new Command('list')
    .description("list the town's running polecats (one tmux call), optionally of one rig")
    .argument('[rig]', 'only this rig')
    .addOption(jsonOption())
    .addOption(townOption())
    .addOption(socketOption())
    .action(async (rig: string | undefined, flags: { json?: boolean; town?: string; socket?: string }) => {
      const result = await list(rig === undefined ? undefined : checkName('rig', rig), flags);
      if (flags.json) return printJson(output, result.polecats);
      if (result.polecats.length === 0) {
        output.out.write(`no polecats running${rig ? ` in rig ${rig}` : ''} (socket ${result.socket})\n`);
        return;
      }
      const width = Math.max(...result.polecats.map((p) => p.polecat.length), 7);
      const now = Date.now();
      const doing = result.polecats.map((p) => (p.activity ? describeActivity(p.activity, now) : '-'));
      const doingWidth = Math.max(...doing.map((d) => d.length), 5);
      output.out.write(`${'POLECAT'.padEnd(width)}  ${'SESSION'.padEnd(20)}  AGENT      ${'DOING'.padEnd(doingWidth)}  CREATED                    ATTACHED\n`);
      result.polecats.forEach((p, i) => {
        const agent = p.running ? p.agentCommand : p.agentExitSignal !== undefined ? `signal ${p.agentExitSignal}` : `exit ${p.agentExitStatus ?? '?'}`;
        output.out.write(`${p.polecat.padEnd(width)}  ${p.session.padEnd(20)}  ${agent.padEnd(9)}  ${doing[i]!.padEnd(doingWidth)}  ${(p.created ?? '-').padEnd(25)}  ${p.attached ? 'yes' : 'no'}\n`);
      });
    });
}
