/**
 * `polecat remove`: every polecat named is looked at first (running, up, what would be lost); one refusal and
 * nothing is removed. With --force each is said down and stopped, then removed, and what was discarded is named.
 */
import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { GitFailedError } from '../../git/git.js';
import { list } from '../../api/queries.js';
import { stop } from '../../api/stop.js';
import { planStop, resolveTown } from '../../plan.js';
import { acquireLock, LockHeldError } from '../../runs/lock.js';
import { forgetDesired, readDesired, writeDesired } from '../../supervise/desired.js';
import { forgetSupervision } from '../../supervise/supervision-file.js';
import { formatAddress, parseAddress, type PolecatAddress } from '../../town/names.js';
import { planRemoval, removePolecat, wouldLose, type PolecatRemoved, type RemovalPlan } from '../../town/polecat-remove.js';
import { describeWork } from '../../town/worktree.js';
import { CliError, EXIT, printJson, processOutput, type Output } from '../output.js';
import { jsonOption, socketOption, townOption } from '../options.js';

interface RemoveFlags {
  force?: boolean;
  json?: boolean;
  town?: string;
  socket?: string;
}

interface Looked {
  readonly address: PolecatAddress;
  readonly plan: RemovalPlan;
  readonly session: string | undefined;
  readonly up: boolean;
}

/** Why it is not removed (without --force, or at all), each reason with what to do; empty when it can be. */
function refusals({ address, plan, session, up }: Looked, force: boolean): string[] {
  const key = formatAddress(address);
  if (plan.cwdInside) return [`your working directory is inside ${plan.polecatDir}: cd out of it first`];
  if (force) return [];
  return [
    ...(session !== undefined ? [`it is running (session ${session}): polecat stop ${key} first, or --force to stop it`] : []),
    ...(up ? [`it is up (polecat supervise keeps it running): polecat down ${key} first, or --force`] : []),
    ...(plan.unreadable ? [`${plan.problem}; what is in its files cannot be checked (--force removes them)`] : []),
    ...(wouldLose(plan) && !plan.unreadable ? ['it has work that would be lost (commit and push it, or --force to discard it):', ...describeWork(plan.work)] : []),
  ];
}

function removedLine(removed: PolecatRemoved): string[] {
  const branch =
    removed.branch === undefined ? '' : removed.branchDeleted ? ` and branch ${removed.branch}` : `; kept branch ${removed.branch} (${removed.branchKept ?? 'not deleted'})`;
  const head = `${removed.polecat}: removed worktree ${removed.worktree}${branch}`;
  const unchecked = removed.discardedUnchecked !== undefined ? [`  its files, unchecked (the worktree was broken)`] : [];
  const discarded = removed.discarded ? describeWork(removed.discarded, Infinity) : [];
  return unchecked.length + discarded.length > 0 ? [`${head}; --force discarded:`, ...unchecked, ...discarded] : [head];
}

export function removeCommand(output: Output = processOutput): Command {
  return new Command('remove')
    .description("remove polecats: each one's worktree, its registration, its directory and (when nothing on it is lost) its branch")
    .argument('<rig/name...>', 'the polecats, e.g. gastown/Toast')
    .option('--force', 'stop it if it runs, and remove it even with unsaved work (which is named)')
    .addOption(jsonOption())
    .addOption(townOption())
    .addOption(socketOption())
    .addHelpText(
      'after',
      `
Refused, with nothing removed, when any polecat named runs or is up, or would lose work: uncommitted or untracked
files, stashes of its branch, or commits on no remote branch (after fetching the rig's default branch; a squash
merge leaves the branch's own commits on no remote branch: push the branch, or --force). Never from a working
directory inside the polecat, not even with --force.
The branch is deleted when every commit on it is on a remote branch (pushed, merged, or never committed to), and
with --force; never the default branch or one another worktree has checked out. Other polecats are not touched.

Exit status: 0 removed; 1 refused or failed (what was removed before a failure stays removed); 2 bad input.`,
    )
    .action(async (targets: string[], flags: RemoveFlags) => {
      const addresses = targets.map(parseAddress);
      if (new Set(addresses.map(formatAddress)).size !== addresses.length) throw new CliError('a polecat is named twice', EXIT.usage);
      const { townRoot } = resolveTown(flags);
      // The sessions of this town's polecats, from one tmux call (a session of another's name is not listed).
      const sessions = new Map((await list(undefined, { ...flags, replay: false, said: false })).polecats.map((p) => [p.polecat, p.session]));
      const looked: Looked[] = [];
      for (const address of addresses) {
        const plan = await planRemoval(townRoot, address, process.cwd());
        looked.push({ address, plan, session: sessions.get(formatAddress(address)), up: readDesired(townRoot, address)?.want === 'up' });
      }
      for (const { plan } of looked) if (plan.fetchFailed) output.err.write(`${plan.polecat}: could not fetch the rig's default branch (${plan.fetchFailed}): judged by what was fetched before\n`);
      const refused = looked.map((l) => [formatAddress(l.address), refusals(l, flags.force === true)] as const).filter(([, why]) => why.length > 0);
      if (refused.length > 0) {
        for (const [key, [first, ...rest]] of refused) output.err.write([`polecat: ${key} not removed: ${first}`, ...rest].join('\n') + '\n');
        if (refused.length < looked.length) output.err.write('polecat: nothing was removed (every polecat named is removed, or none)\n');
        process.exitCode = EXIT.failed;
        return;
      }
      const removed: PolecatRemoved[] = [];
      try {
        for (const { address, plan, session, up } of looked) {
          const key = formatAddress(address);
          if (up) await writeDesired(townRoot, address, 'down');
          if (session !== undefined) {
            // Asked to exit first, as `polecat stop` does: remove's --force is leave to remove it, not to skip that.
            const stopped = await stop(planStop(address, { ...flags, force: false }));
            if (stopped.result === 'failed') throw new CliError(`${key}: not removed: its stop failed at ${stopped.failure?.step}: ${stopped.failure?.message}`, EXIT.failed);
            if (!flags.json) output.out.write(`${key}: stopped\n`);
          }
          let lock;
          try {
            lock = acquireLock(townRoot, address.rig, address.name, `remove-${randomBytes(4).toString('hex')}`, 'remove');
          } catch (error) {
            if (error instanceof LockHeldError) throw new CliError(`${key}: not removed: ${error.message}`, EXIT.failed);
            throw error;
          }
          try {
            removed.push(await removePolecat(townRoot, plan, flags.force === true));
          } finally {
            lock.release();
          }
          forgetDesired(townRoot, address);
          forgetSupervision(townRoot, address);
          if (!flags.json) output.out.write(removedLine(removed.at(-1)!).join('\n') + '\n');
        }
      } catch (error) {
        if (error instanceof GitFailedError) throw new CliError(error.message, EXIT.failed);
        throw error;
      } finally {
        if (flags.json) printJson(output, removed);
      }
    });
}
