import { Command } from 'commander';
import { resolveTown } from '../../plan.js';
import { GitFailedError } from '../../git/git.js';
import { addRig } from '../../town/rig-add.js';
import { CliError, EXIT, printJson, processOutput, type Output } from '../output.js';
import { jsonOption, townOption } from '../options.js';

export function rigCommand(output: Output = processOutput): Command {
  const rig = new Command('rig').description("the town's rigs: each a project's repository, its polecats' worktrees made from it");
  rig
    .command('add')
    .description("add a rig in Gas Town's layout: a bare clone <rig>/.repo.git, <rig>/config.json, polecats/, settings/, its mayor/rigs.json entry")
    .argument('<rig>', "the rig's name: letters, digits and '_'")
    .argument('<repository>', 'a git URL (file://, https://, ssh) or a path to a repository')
    .option('--branch <branch>', 'the branch polecats start from (default: the repository\'s HEAD)')
    .option('--prefix <prefix>', 'the beads prefix (default: derived from the name as Gas Town derives it)')
    .addOption(jsonOption())
    .addOption(townOption())
    .addHelpText('after', '\nNothing is left half made: a clone or anything after it that fails removes what it made. git never prompts for credentials.')
    .action(async (name: string, repository: string, flags: { branch?: string; prefix?: string; json?: boolean; town?: string }) => {
      const { townRoot } = resolveTown(flags);
      try {
        const added = await addRig(townRoot, name, repository, { ...(flags.branch !== undefined ? { branch: flags.branch } : {}), ...(flags.prefix !== undefined ? { prefix: flags.prefix } : {}) });
        if (flags.json) return printJson(output, added);
        output.out.write(`rig ${added.rig} added from ${added.gitUrl}: branch ${added.defaultBranch}, beads prefix ${added.prefix}; next: polecat add ${added.rig}/<name>\n`);
      } catch (error) {
        if (error instanceof GitFailedError) throw new CliError(error.message, EXIT.failed);
        throw error;
      }
    });
  return rig;
}
