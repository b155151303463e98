import { Command } from 'commander';
import { GitFailedError } from '../../git/git.js';
import { resolveTown } from '../../plan.js';
import { addPolecats, type PolecatAdded } from '../../town/polecat-add.js';
import { checkName, InvalidInputError, parseAddress } from '../../town/names.js';
import { CliError, EXIT, printJson, processOutput, type Output } from '../output.js';
import { jsonOption, townOption } from '../options.js';

interface AddFlags {
  branch?: string;
  base?: string;
  count?: string;
  json?: boolean;
  town?: string;
}

/** What to add: one rig's polecats by name, or (--count) a rig and how many names to take from its pool. */
function targetsOf(targets: readonly string[], count: string | undefined): { rig: string; wanted: string[] | number } {
  if (count !== undefined) {
    if (!/^[1-9][0-9]*$/.test(count) || Number(count) > 1000) throw new InvalidInputError(`invalid --count ${JSON.stringify(count)}: a whole number from 1 to 1000`);
    if (targets.length !== 1 || targets[0]!.includes('/')) throw new InvalidInputError('--count takes names from the pool of one rig: polecat add <rig> --count N');
    return { rig: checkName('rig', targets[0]!), wanted: Number(count) };
  }
  const addresses = targets.map((target) => {
    if (!target.includes('/')) throw new InvalidInputError(`expected <rig>/<name>, got ${JSON.stringify(target)} (or polecat add ${target} --count N for names from the rig's pool)`);
    return parseAddress(target);
  });
  const rigs = new Set(addresses.map((a) => a.rig));
  if (rigs.size > 1) throw new InvalidInputError(`give polecats of one rig at a time (got ${[...rigs].join(', ')})`);
  return { rig: addresses[0]!.rig, wanted: addresses.map((a) => a.name) };
}

export function addCommand(output: Output = processOutput): Command {
  return new Command('add')
    .description('make polecats: each <rig>/polecats/<name>/<rig>/, a git worktree on a new branch from origin/<default branch>')
    .argument('<rig/name...>', "the polecats, e.g. gastown/Toast; with --count, only the rig")
    .option('--count <n>', "make N polecats named from the rig's pool (settings/config.json namepool.names, else polecat's own)")
    .option('--branch <name>', 'the new branch (default: polecat/<name>-<timestamp>); one polecat only')
    .option('--base <ref>', 'what it starts from (default: origin/<default branch>, fetched first)')
    .addOption(jsonOption())
    .addOption(townOption())
    .addHelpText(
      'after',
      `
The rig's default branch is fetched first; the branch starts from it, never from the rig's local branch, and has
no upstream: "ahead" means not pushed, and its first push (git push -u origin <branch>) sets it.
An existing directory, branch or registered worktree is refused, nothing changed. Names Gas Town keeps for its own
agents (witness, mayor, deacon, refinery, crew, polecats) are refused and never taken from the pool.

Examples:
  polecat add app/Toast
  polecat add app/Toast --branch fix/login --base origin/release
  polecat add app --count 5

Exit status: 0 all made; 1 git failed (what was made before stays); 2 bad input or refused.`,
    )
    .action(async (targets: string[], flags: AddFlags) => {
      const { rig, wanted } = targetsOf(targets, flags.count);
      const { townRoot } = resolveTown(flags);
      const made: PolecatAdded[] = [];
      try {
        await addPolecats(townRoot, rig, wanted, {
          ...(flags.branch !== undefined ? { branch: flags.branch } : {}),
          ...(flags.base !== undefined ? { base: flags.base } : {}),
          onAdded: (added) => {
            made.push(added);
            if (!flags.json) output.out.write(`${added.polecat}: worktree ${added.worktree} on branch ${added.branch} from ${added.base}\n`);
          },
        });
      } catch (error) {
        // What was made before the failure stays, and a script is told which.
        if (flags.json && made.length > 0) printJson(output, made);
        if (error instanceof GitFailedError) throw new CliError(error.message, EXIT.failed);
        throw error;
      }
      if (flags.json) printJson(output, made);
    });
}
