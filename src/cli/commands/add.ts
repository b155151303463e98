import { Command } from 'commander';
import { resolveTown } from '../../plan.js';
import { addPolecat } from '../../town/polecat-add.js';
import { RigAddError } from '../../town/rig-add.js';
import { parseAddress } from '../../town/names.js';
import { CliError, EXIT, printJson, processOutput, type Output } from '../output.js';
import { jsonOption, townOption } from '../options.js';

export function addCommand(output: Output = processOutput): Command {
  return new Command('add')
    .description("make polecats: each <rig>/polecats/<name>/<rig>/, a git worktree on a new branch from origin/<default branch>")
    .argument('<rig/name...>', 'the polecats, e.g. gastown/Toast')
    .option('--branch <name>', 'the new branch (default: polecat/<name>-<timestamp>); one polecat only')
    .option('--base <ref>', 'what it starts from (default: origin/<default branch>, fetched first)')
    .addOption(jsonOption())
    .addOption(townOption())
    .addHelpText('after', '\nThe branch has no upstream: "ahead" means not pushed, and its first push (git push -u origin <branch>) sets it.\nAn existing directory, branch or registered worktree is refused, nothing changed.')
    .action(async (targets: string[], flags: { branch?: string; base?: string; json?: boolean; town?: string }) => {
      const addresses = targets.map(parseAddress);
      if (flags.branch !== undefined && addresses.length > 1) throw new CliError('--branch names one branch: give one polecat', EXIT.usage);
      const { townRoot } = resolveTown(flags);
      const made = [];
      for (const address of addresses) {
        try {
          made.push(await addPolecat(townRoot, address, { ...(flags.branch !== undefined ? { branch: flags.branch } : {}), ...(flags.base !== undefined ? { base: flags.base } : {}) }));
        } catch (error) {
          if (error instanceof RigAddError) throw new CliError(`${address.rig}/${address.name}: ${error.message}`, EXIT.failed);
          throw error;
        }
        const last = made.at(-1)!;
        if (!flags.json) output.out.write(`${last.polecat}: worktree ${last.worktree} on branch ${last.branch} from ${last.base}\n`);
      }
      if (flags.json) printJson(output, made);
    });
}
