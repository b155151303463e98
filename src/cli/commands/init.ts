import { Command } from 'commander';
import { relative } from 'node:path';
import { initTown } from '../../town/init.js';
import { printJson, processOutput, type Output } from '../output.js';
import { jsonOption } from '../options.js';

export function initCommand(output: Output = processOutput): Command {
  return new Command('init')
    .description("make a town: mayor/town.json and mayor/rigs.json in Gas Town's layout, each only when absent")
    .argument('[dir]', 'the town directory, made if missing', '.')
    .option('--name <name>', "the town's name (default: the directory's name)")
    .option('--force', 'make it even in a town or inside one; files already there are never overwritten')
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Then: polecat rig add <rig> <git-url-or-path>, polecat add <rig>/<name>, polecat start <rig>/<name>.
Refused (exit 2, nothing written): a directory that is a town already or lies inside one, without --force.`,
    )
    .action(async (dir: string, flags: { name?: string; force?: boolean; json?: boolean }) => {
      const result = await initTown(dir, { ...(flags.name !== undefined ? { name: flags.name } : {}), ...(flags.force ? { force: true } : {}) });
      if (flags.json) return printJson(output, result);
      const names = (paths: readonly string[]) => paths.map((path) => relative(result.root, path)).join(', ');
      output.out.write(
        `town ${result.name} at ${result.root}${result.written.length > 0 ? `: wrote ${names(result.written)}` : ''}${result.kept.length > 0 ? `; kept ${names(result.kept)} as they were` : ''}\n`,
      );
    });
}
