import { Command } from 'commander';
import { resolveTown } from '../../plan.js';
import { listDesired } from '../../supervise/desired.js';
import { supervisionPolicy } from '../../supervise/policy.js';
import { Supervisor } from '../../supervise/supervisor.js';
import { checkName } from '../../town/names.js';
import { processOutput, type Output } from '../output.js';
import { socketOption, townOption } from '../options.js';
import { cancelOnSignals, interruptedExitCode } from '../signals.js';

export function superviseCommand(output: Output = processOutput): Command {
  return new Command('supervise')
    .description('keep every polecat that is up running: restart its agent when it dies, with backoff; quarantine a crash loop (one supervisor per town)')
    .option('--rig <rig>', 'only the polecats of this rig')
    .addOption(townOption())
    .addOption(socketOption())
    .addHelpText(
      'after',
      `
In the foreground it prints one line per action: a polecat supervised, its agent gone, the backoff, a restart begun
and how it ended, a quarantine, a polecat put down. Each restart is a run of its own (polecat runs, polecat inspect).
Backoff doubles from 1 s to 5 min while an agent does not stay up 5 min; more than 5 restarts in 10 min quarantine
the polecat until polecat up is said of it again. Ctrl-C or SIGTERM ends it: a restart in progress finishes first,
and every polecat is left as it is.

Exit status: 130 Ctrl-C, 143 SIGTERM; 1 another supervisor of the town runs (its pid named); 2 bad input.`,
    )
    .action(async (flags: { rig?: string; town?: string; socket?: string }) => {
      const rig = flags.rig === undefined ? undefined : checkName('rig', flags.rig);
      const { townRoot, socket } = resolveTown(flags);
      // A policy that cannot be read is said now, not at the first death.
      for (const r of new Set([...listDesired(townRoot, rig).map((d) => d.rig), ...(rig !== undefined ? [rig] : [])])) supervisionPolicy(townRoot, r);
      const log = (line: string) => output.out.write(`${new Date().toISOString()}  ${line}\n`);
      const supervisor = Supervisor.take({ townRoot, socket, ...(rig !== undefined ? { rig } : {}), log });
      const cancellation = cancelOnSignals(output.err, { first: 'stopping the supervisor (a restart in progress finishes first)', again: 'still stopping' });
      try {
        log(`supervising town ${townRoot}${rig ? `, rig ${rig}` : ''} (pid ${process.pid})`);
        await supervisor.run(cancellation.signal);
        log('supervisor stopped; every polecat left as it is');
        process.exitCode = interruptedExitCode(cancellation.interruptedBy() ?? 'SIGINT');
      } finally {
        cancellation.dispose();
      }
    });
}
