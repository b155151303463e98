import { describeActivity } from '../../activity/describe.js';
import { describeExit } from '../../tmux/formats.js';
import { describeSupervision } from '../../supervise/describe.js';
import { Command } from 'commander';
import { DEFAULT_HUNG_AFTER_MS, status } from '../../api/queries.js';
import { InvalidInputError, parseAddress } from '../../town/names.js';
import { printJson, processOutput, type Output } from '../output.js';
import { jsonOption, socketOption, townOption } from '../options.js';

export function statusCommand(output: Output = processOutput): Command {
  return new Command('status')
    .description("show whether a polecat runs: session, socket, pane, agent pid, created, attached (exit 0 either way)")
    .argument('<rig/name>', 'the polecat, e.g. gastown/Toast')
    .option('--hung-after <seconds>', 'no pane activity for this long counts as agent-hung', String(DEFAULT_HUNG_AFTER_MS / 1000))
    .addOption(jsonOption())
    .addOption(townOption())
    .addOption(socketOption())
    .action(async (target: string, flags: { hungAfter: string; json?: boolean; town?: string; socket?: string }) => {
      const hungAfter = Number(flags.hungAfter);
      if (!/^\d+(\.\d+)?$/.test(flags.hungAfter) || hungAfter <= 0) {
        throw new InvalidInputError(`invalid --hung-after ${JSON.stringify(flags.hungAfter)}: expected a number of seconds above 0`);
      }
      const result = await status(parseAddress(target), { ...flags, hungAfterMs: hungAfter * 1000 });
      if (flags.json) return printJson(output, result);
      const state = result.conflict
        ? `not running (${result.conflict})`
        : result.running
          ? 'running'
          : result.sessionExists
            ? `agent exited with ${describeExit(result.agentExitStatus, result.agentExitSignal)}; its session is kept with the last screen (polecat stop ${result.polecat} removes it)`
            : 'not running';
      const lines = [`${result.polecat}: ${state}`, `  health   ${result.health}`];
      if (result.wantDamaged) lines.push(`  wanted   unknown: ${result.wantDamaged}`);
      if (result.want) lines.push(`  wanted   ${result.want.want} (since ${result.want.since}${result.want.want === 'up' ? '; polecat supervise keeps it running' : ''})`);
      if (result.want?.want === 'up') lines.push(`  supervision ${describeSupervision(result.polecat, result.want, result.supervision)}`);
      if (result.supervision?.lastFailure) lines.push(`  last restart failed: ${result.supervision.lastFailure}`);
      lines.push(`  session  ${result.session}`, `  socket   ${result.socket}`);
      if (result.pane) lines.push(`  pane     ${result.pane}`);
      if (result.agentPid !== undefined) lines.push(`  agent    ${result.agent ?? ''} pid ${result.agentPid} (${result.agentCommand})`);
      if (result.created) lines.push(`  created  ${result.created}`);
      if (result.activity) lines.push(`  doing    ${describeActivity(result.activity, Date.now())}`);
      if (result.lastActivity) lines.push(`  activity ${result.lastActivity}`);
      if (result.attached !== undefined) lines.push(`  attached ${result.attached ? 'yes' : 'no'}`);
      output.out.write(`${lines.join('\n')}\n`);
    });
}
