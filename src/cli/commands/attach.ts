import { basename } from 'node:path';
import { Command } from 'commander';
import { locate } from '../../plan.js';
import { createStepDeps } from '../../steps/deps.js';
import { parseAddress } from '../../town/names.js';
import { ownSession } from '../../town/session-owner.js';
import { CliError, EXIT, processOutput, type Output } from '../output.js';
import { socketOption, townOption } from '../options.js';

export function attachCommand(_output: Output = processOutput): Command {
  return new Command('attach')
    .description("watch and type into a polecat's agent: tmux takes over this terminal (inside tmux on the town's server, the client switches)")
    .argument('<rig/name>', 'the polecat, e.g. gastown/Toast')
    .addOption(townOption())
    .addOption(socketOption())
    .addHelpText('after', '\nDetach again with tmux\'s prefix key then d (C-b d by default); the agent keeps running.')
    .action(async (target: string, flags: { town?: string; socket?: string }) => {
      const address = parseAddress(target);
      const location = locate(address, flags);
      const tmux = createStepDeps().tmux(location.socket);
      const own = await ownSession(tmux, { ...address, ...location }, 'attach to it');
      if (!own?.agent) throw new CliError(`${address.rig}/${address.name} is not running (no session ${location.sessionName} on socket ${location.socket})`, EXIT.failed);
      const insideTmux = process.env.TMUX;
      const sameServer = insideTmux !== undefined && basename(insideTmux.split(',')[0] ?? '') === location.socket;
      if (!sameServer && !process.stdin.isTTY) throw new CliError('attach needs a terminal (standard input is not one)', EXIT.usage);
      process.exitCode = tmux.attach(location.sessionName, { switchClient: sameServer, insideOtherServer: insideTmux !== undefined && !sameServer });
    });
}
