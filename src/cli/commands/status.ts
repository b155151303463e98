import { describeExit } from '../../tmux/formats.js';
import { Command } from 'commander';
import { status } from '../../manager.js';
import { parseAddress } from '../../town/names.js';
import { printJson, processOutput, type Output } from '../output.js';
import { jsonOption, socketOption, townOption } from '../options.js';

export function statusCommand(output: Output = processOutput): Command {
  return new Command('status')
    .description("show whether a polecat runs: session, socket, pane, agent pid, created, attached (exit 0 either way)")
    .argument('<rig/name>', 'the polecat, e.g. gastown/Toast')
    .addOption(jsonOption())
    .addOption(townOption())
    .addOption(socketOption())
    .action(async (target: string, flags: { json?: boolean; town?: string; socket?: string }) => {
      const result = await status(parseAddress(target), flags);
      if (flags.json) return printJson(output, result);
      const state = result.conflict
        ? `not running (${result.conflict})`
        : result.running
          ? 'running'
          : result.sessionExists
            ? `agent exited with ${describeExit(result.agentExitStatus, result.agentExitSignal)}; its session is kept with the last screen (polecat stop ${result.polecat} removes it)`
            : 'not running';
      const lines = [`${result.polecat}: ${state}`];
      lines.push(`  session  ${result.session}`, `  socket   ${result.socket}`);
      if (result.pane) lines.push(`  pane     ${result.pane}`);
      if (result.agentPid !== undefined) lines.push(`  agent    ${result.agent ?? ''} pid ${result.agentPid} (${result.agentCommand})`);
      if (result.created) lines.push(`  created  ${result.created}`);
      if (result.lastActivity) lines.push(`  activity ${result.lastActivity}`);
      if (result.attached !== undefined) lines.push(`  attached ${result.attached ? 'yes' : 'no'}`);
      output.out.write(`${lines.join('\n')}\n`);
    });
}
