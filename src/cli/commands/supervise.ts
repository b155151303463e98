import { Command, Option } from 'commander';
import { resolveTown } from '../../plan.js';
import { createStepDeps } from '../../steps/deps.js';
import { attachHint, takeEnvironment, runningSupervisor, startDetached, stopSupervisor, SUPERVISOR_SESSION } from '../../supervise/detached.js';
import { describeSupervision, viewOf } from '../../supervise/describe.js';
import { listDesired } from '../../supervise/desired.js';
import { supervisionPolicy, hungPolicy } from '../../supervise/policy.js';
import { notifyPolicy } from '../../supervise/notify.js';
import { listSupervision } from '../../supervise/supervision-file.js';
import { Supervisor } from '../../supervise/supervisor.js';
import { checkName, InvalidInputError } from '../../town/names.js';
import { addInspectOptions, inspectTarget, withInspector, type InspectFlags } from '../inspect-option.js';
import { CliError, EXIT, printJson, processOutput, type Output } from '../output.js';
import { jsonOption, socketOption, townOption } from '../options.js';
import { cancelOnSignals, interruptedExitCode } from '../signals.js';

interface SuperviseFlags extends InspectFlags {
  rig?: string;
  once?: boolean;
  detach?: boolean;
  status?: boolean;
  stop?: boolean;
  stopTimeout: string;
  envFrom?: string;
  json?: boolean;
  town?: string;
  socket?: string;
}

export function superviseCommand(output: Output = processOutput): Command {
  const command = new Command('supervise')
    .description('keep every polecat that is up running: restart its agent when it dies, with backoff; quarantine a crash loop (one supervisor per town)')
    .option('--rig <rig>', 'only the polecats of this rig')
    .option('--once', 'one pass and exit (for cron): settle, restart what is due, wait for those restarts')
    .option('--detach', "run in a tmux session of its own on the town's server (polecat-supervisor), outliving this terminal")
    .option('--status', 'say whether a supervisor of the town runs (its pid, detached or not) and what it keeps of each polecat; exit 0 running, 1 not')
    .option('--stop', 'end the running supervisor (SIGTERM, as Ctrl-C in its terminal) and wait for it; a restart in progress finishes first')
    .option('--stop-timeout <seconds>', 'how long --stop waits for it to end', '60')
    // How --detach hands the caller's environment to the supervisor it starts (a file it reads and deletes).
    .addOption(new Option('--env-from <file>').hideHelp())
    .addOption(jsonOption())
    .addOption(townOption())
    .addOption(socketOption());
  return addInspectOptions(command, 'every supervision, its restarts and their steps')
    .addHelpText(
      'after',
      `
In the foreground it prints one line per action: a polecat supervised, its agent gone, the backoff, a restart begun
and how it ended, a quarantine, a polecat put down. Each restart is a run of its own (polecat runs, polecat inspect).
Backoff doubles from 1 s to 5 min while an agent does not stay up 5 min; more than 5 restarts in 10 min quarantine
the polecat until polecat up is said of it again. The town's or rig's settings/config.json change these:
  "supervision": { "backoff_min_s": 1, "backoff_max_s": 300, "stable_after_s": 300, "max_restarts": 5,
                   "window_s": 600, "hung_after_s": 1800, "restart_hung": false }
A hung agent (busy, no pane activity for hung_after_s) is reported; restarted only with restart_hung.
What it keeps of each polecat is in its file and shown by polecat status and polecat list; a supervisor started
later (or the next --once) carries on from it, and first settles a start a dead supervisor left half done
(resumed, or rolled back). Ctrl-C or SIGTERM ends it: a restart in progress finishes first, and every polecat is
left as it is. --once waits out a backoff ending within 10 s; a longer one is left to the next pass.

Exit status: 0 done (--status: a supervisor runs); 1 another supervisor of the town runs (its pid named), the
detached one did not start, or (--status) none runs; 2 bad input; 130 Ctrl-C, 143 SIGTERM.`,
    )
    .action(async (flags: SuperviseFlags) => {
      const rig = flags.rig === undefined ? undefined : checkName('rig', flags.rig);
      const modes = (['once', 'detach', 'status', 'stop'] as const).filter((mode) => flags[mode]);
      if (modes.length > 1) throw new InvalidInputError(`--${modes[0]} and --${modes[1]} cannot go together`);
      if (flags.json && !flags.status) throw new InvalidInputError('--json goes with --status');
      const stopTimeout = Number(flags.stopTimeout);
      if (!/^\d+(\.\d+)?$/.test(flags.stopTimeout) || stopTimeout <= 0) throw new InvalidInputError(`invalid --stop-timeout ${JSON.stringify(flags.stopTimeout)}: expected a number of seconds above 0`);
      const inspectOn = inspectTarget(flags);
      if (inspectOn && (flags.detach || flags.status || flags.stop)) throw new InvalidInputError('--inspect watches a supervisor run here: it cannot go with --detach, --status or --stop');
      const { townRoot, socket } = resolveTown(flags);
      if (flags.envFrom !== undefined) takeEnvironment(townRoot, flags.envFrom);
      if (flags.status) {
        process.exitCode = await showStatus(townRoot, socket, rig, flags.json === true, output);
        return;
      }
      if (flags.stop) {
        const stopped = await stopSupervisor(townRoot, socket, { timeoutMs: stopTimeout * 1000 });
        output.err.write(stopped ? `supervisor (pid ${stopped.pid}) stopped; every polecat left as it is\n` : `no supervisor of town ${townRoot} runs\n`);
        return;
      }
      // A policy that cannot be read is said now, not at the first death.
      for (const r of new Set([...listDesired(townRoot, rig).map((d) => d.rig), ...(rig !== undefined ? [rig] : [])])) {
        supervisionPolicy(townRoot, r);
        hungPolicy(townRoot, r);
        notifyPolicy(townRoot, r);
      }
      if (flags.detach) {
        const args = ['--town', townRoot, '--socket', socket, ...(rig !== undefined ? ['--rig', rig] : [])];
        try {
          const { holder } = await startDetached(townRoot, socket, args);
          output.err.write(
            `supervisor started (pid ${holder.pid}) in tmux session ${SUPERVISOR_SESSION} on socket ${socket}\n  see it: ${attachHint(socket)}\n  polecat supervise --status, polecat supervise --stop\n`,
          );
        } catch (error) {
          throw new CliError(error instanceof Error ? error.message : String(error), EXIT.failed);
        }
        return;
      }
      const log = (line: string) => output.out.write(`${new Date().toISOString()}  ${line}\n`);
      await withInspector(inspectOn, output, async (inspector) => {
        const supervisor = Supervisor.take({ townRoot, socket, ...(rig !== undefined ? { rig } : {}), log, ...(inspector ? { inspect: inspector.inspect } : {}) });
        const cancellation = cancelOnSignals(output.err, { first: 'stopping the supervisor (a restart in progress finishes first)', again: 'still stopping' });
        try {
          log(`supervising town ${townRoot}${rig ? `, rig ${rig}` : ''} (pid ${process.pid})${flags.once ? ': one pass' : ''}`);
          if (flags.once) await supervisor.once(cancellation.signal);
          else await supervisor.run(cancellation.signal);
          log(flags.once && !cancellation.signal.aborted ? 'pass done; every polecat left as it is' : 'supervisor stopped; every polecat left as it is');
          const by = cancellation.interruptedBy();
          if (by) process.exitCode = interruptedExitCode(by);
          else if (!flags.once) process.exitCode = interruptedExitCode('SIGINT');
        } finally {
          cancellation.dispose();
        }
      });
    });
}

/** Who supervises the town, and what it keeps of each polecat up. */
async function showStatus(townRoot: string, socket: string, rig: string | undefined, json: boolean, output: Output): Promise<number> {
  const holder = runningSupervisor(townRoot);
  const pane = holder ? (await createStepDeps().tmux(socket).sessionPanes(SUPERVISOR_SESSION).catch(() => []))[0] : undefined;
  const detached = holder !== undefined && pane?.panePid === holder.pid;
  const desired = listDesired(townRoot, rig);
  const records = listSupervision(townRoot, rig);
  const now = Date.now();
  const polecats = desired.map((d) => {
    const key = `${d.rig}/${d.name}`;
    const view = d.want === 'up' ? viewOf(records.get(key), d, now) : undefined;
    return { polecat: key, want: d.want, since: d.since, ...(view ? { supervision: view } : {}), said: describeSupervision(key, d, view, now) };
  });
  if (json) {
    printJson(output, { town: townRoot, socket, supervisor: holder ? { pid: holder.pid, ...(detached ? { session: SUPERVISOR_SESSION } : {}) } : null, polecats: polecats.map(({ said: _said, ...rest }) => rest) });
  } else {
    const lines = [holder ? `supervisor running: pid ${holder.pid}${detached ? `, detached in tmux session ${SUPERVISOR_SESSION} (${attachHint(socket)})` : ', in a terminal'}` : `no supervisor of town ${townRoot} runs (polecat supervise, or --detach)`];
    const width = Math.max(7, ...polecats.map((p) => p.polecat.length));
    for (const p of polecats) lines.push(`  ${p.polecat.padEnd(width)}  ${p.said}`);
    if (polecats.length === 0) lines.push('  no polecat is up (polecat up <rig>/<name>)');
    output.out.write(`${lines.join('\n')}\n`);
  }
  return holder ? EXIT.ok : EXIT.failed;
}
