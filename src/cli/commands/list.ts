import { watch, type FSWatcher } from 'node:fs';
import { Command } from 'commander';
import { describeActivity } from '../../activity/describe.js';
import { describeSupervision } from '../../supervise/describe.js';
import { eventFilePath, eventsDir } from '../../activity/event-file.js';
import { LiveActivity } from '../../activity/live.js';
import { lookOf } from '../../api/wait.js';
import { list, type ListedPolecat } from '../../api/queries.js';
import { resolveTown } from '../../plan.js';
import { withEveryPolecat } from '../../api/worktrees.js';
import { checkName, InvalidInputError } from '../../town/names.js';
import { printJson, processOutput, type Output } from '../output.js';
import { jsonOption, socketOption, townOption } from '../options.js';
import { cancelOnSignals, interruptedExitCode } from '../signals.js';

/** How often a watched list is redrawn when no hook writes: for what only the panes show, and the ages. */
const WATCH_REDRAW_MS = 1_000;

interface ListFlags {
  all?: boolean;
  json?: boolean;
  watch?: boolean;
  town?: string;
  socket?: string;
}

export function listCommand(output: Output = processOutput): Command {
  return new Command('list')
    .description("list the town's running polecats (one tmux call), and those put up that are not running now; optionally of one rig")
    .argument('[rig]', 'only this rig')
    .option('--all', "also the polecats that exist but have no session, with each worktree's branch, ahead (not pushed), behind and dirty files")
    .addOption(jsonOption())
    .option('--watch', 'on a terminal, redraw the table as what the agents are doing changes, until Ctrl-C')
    .addOption(townOption())
    .addOption(socketOption())
    .action(async (rigArg: string | undefined, flags: ListFlags) => {
      const rig = rigArg === undefined ? undefined : checkName('rig', rigArg);
      if (flags.watch) {
        if (flags.all) throw new InvalidInputError('--watch redraws what runs: it cannot go with --all (which reads every worktree)');
        if (flags.json) throw new InvalidInputError('--watch draws a table for people: it cannot go with --json (for scripts: polecat wait, or polecat events --follow --json)');
        if (!(output.out as Partial<NodeJS.WriteStream>).isTTY) throw new InvalidInputError('--watch redraws the table on a terminal, and standard output is not one: use polecat list, or polecat wait');
        process.exitCode = await watchList(rig, flags, output);
        return;
      }
      const result = await list(rig, flags);
      const polecats = flags.all ? await withEveryPolecat(resolveTown(flags).townRoot, rig, result.polecats) : result.polecats;
      if (flags.json) return printJson(output, polecats);
      output.out.write(table(rig, result.socket, polecats, Date.now(), flags.all).join('\n') + '\n');
    });
}

function worktreeColumns(p: ListedPolecat, branchWidth: number): string {
  const w = p.worktree;
  if (w === undefined) return `${'-'.padEnd(branchWidth)}  ${'-'.padStart(5)}  ${'-'.padStart(6)}  ${'-'.padStart(5)}`;
  if ('problem' in w) return w.problem;
  return `${(w.branch ?? '(detached)').padEnd(branchWidth)}  ${String(w.ahead).padStart(5)}  ${String(w.behind).padStart(6)}  ${String(w.dirty).padStart(5)}`;
}

function table(rig: string | undefined, socket: string, polecats: readonly ListedPolecat[], now: number, all = false): string[] {
  if (polecats.length === 0) return all ? [`no polecats${rig ? ` in rig ${rig}` : ' in the town'}`] : [`no polecats running${rig ? ` in rig ${rig}` : ''} (socket ${socket})`];
  if (all) return allTable(polecats, now);
  const width = Math.max(...polecats.map((p) => p.polecat.length), 7);
  const doing = polecats.map((p) => (p.activity ? describeActivity(p.activity, now) : '-'));
  const doingWidth = Math.max(...doing.map((d) => d.length), 5);
  // Only once something was said of a polecat (up or down): a town that never uses supervision keeps its table.
  const supervised = polecats.some((p) => p.want !== undefined);
  return [
    `${'POLECAT'.padEnd(width)}  ${'SESSION'.padEnd(20)}  AGENT      ${'DOING'.padEnd(doingWidth)}  CREATED                    ATTACHED${supervised ? '  SUPERVISION' : ''}`,
    ...polecats.map((p, i) => {
      const agent = p.absent ? 'none' : p.running ? p.agentCommand : p.agentExitSignal !== undefined ? `signal ${p.agentExitSignal}` : `exit ${p.agentExitStatus ?? '?'}`;
      const row = `${p.polecat.padEnd(width)}  ${(p.absent ? '-' : p.session).padEnd(20)}  ${agent.padEnd(9)}  ${doing[i]!.padEnd(doingWidth)}  ${(p.created ?? '-').padEnd(25)}  ${(p.attached ? 'yes' : 'no').padEnd(8)}`;
      return supervised ? `${row}  ${describeSupervision(p.polecat, p.want, p.supervision, now)}` : row.trimEnd();
    }),
  ];
}

/** Every polecat, what it runs and what its worktree holds (a narrower table: no times). */
function allTable(polecats: readonly ListedPolecat[], now: number): string[] {
  const width = Math.max(...polecats.map((p) => p.polecat.length), 7);
  const doing = polecats.map((p) => (p.absent ? 'not running' : p.activity ? describeActivity(p.activity, now) : p.running ? 'running' : 'agent exited'));
  const doingWidth = Math.max(...doing.map((d) => d.length), 5);
  const branchWidth = Math.max(...polecats.map((p) => (p.worktree && !('problem' in p.worktree) ? (p.worktree.branch ?? '(detached)').length : 1)), 6);
  const supervised = polecats.some((p) => p.want !== undefined);
  return [
    `${'POLECAT'.padEnd(width)}  ${'DOING'.padEnd(doingWidth)}  ${'BRANCH'.padEnd(branchWidth)}  AHEAD  BEHIND  DIRTY${supervised ? '  SUPERVISION' : ''}`,
    ...polecats.map((p, i) => {
      const row = `${p.polecat.padEnd(width)}  ${doing[i]!.padEnd(doingWidth)}  ${worktreeColumns(p, branchWidth)}`;
      return supervised ? `${row}  ${describeSupervision(p.polecat, p.want, p.supervision, now)}` : row.trimEnd();
    }),
  ];
}

// The terminal's alternate screen, as `watch` and `top` use it: the user's scrollback is left as it was.
const ENTER_SCREEN = '\x1b[?1049h\x1b[?25l';
const LEAVE_SCREEN = '\x1b[?25h\x1b[?1049l';
const CLEAR = '\x1b[H\x1b[2J';

/**
 * The table redrawn as activity changes: each polecat's live activity machine fed by each look, woken by any hook
 * writing to the town's event files and every second. Ends on Ctrl-C (130) or SIGTERM (143), the screen restored.
 */
async function watchList(rig: string | undefined, flags: ListFlags, output: Output): Promise<number> {
  const { townRoot } = resolveTown(flags);
  const cancellation = cancelOnSignals(output.err, { first: 'stopping', again: 'stopping' });
  const live = new Map<string, LiveActivity>();
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  output.out.write(ENTER_SCREEN);
  try {
    let drawing = Promise.resolve();
    let again = false;
    const draw = async () => {
      const result = await list(rig, { ...flags, replay: false });
      const now = Date.now();
      const polecats = result.polecats.map((p) => {
        const look = lookOf(p, now);
        if (!look) return p;
        let activity = live.get(p.polecat);
        if (!activity) live.set(p.polecat, (activity = new LiveActivity(eventFilePath(townRoot, p.rig, p.name))));
        return { ...p, activity: activity.look(look) };
      });
      for (const [name, activity] of live) {
        if (polecats.some((p) => p.polecat === name)) continue;
        activity.stop();
        live.delete(name);
      }
      const head = `polecat list${rig ? ` ${rig}` : ''}: ${new Date(now).toLocaleTimeString()}, redrawn as activity changes; Ctrl-C to quit`;
      output.out.write(`${CLEAR}${fit([head, '', ...table(rig, result.socket, polecats, now)], output.out as Partial<NodeJS.WriteStream>).join('\r\n')}`);
    };
    // One drawing at a time; a wake during one draws once more after it.
    const wake = () => {
      if (again) return;
      again = true;
      drawing = drawing.then(() => {
        again = false;
        return draw();
      });
    };
    wake();
    await drawing;
    try {
      watcher = watch(eventsDir(townRoot), { recursive: true, persistent: false }, wake);
    } catch {
      // no event file yet anywhere in the town: the timer draws
    }
    timer = setInterval(wake, WATCH_REDRAW_MS);
    await new Promise<void>((resolve) => {
      if (cancellation.signal.aborted) resolve();
      cancellation.signal.addEventListener('abort', () => resolve());
    });
    await drawing.catch(() => undefined);
    return interruptedExitCode(cancellation.interruptedBy() ?? 'SIGINT');
  } finally {
    if (timer) clearInterval(timer);
    watcher?.close();
    for (const activity of live.values()) activity.stop();
    output.out.write(LEAVE_SCREEN);
    cancellation.dispose();
  }
}

/** The lines cut to the terminal's size, so that the head never scrolls away: rows past its height are counted instead. */
function fit(lines: readonly string[], terminal: Partial<NodeJS.WriteStream>): string[] {
  const rows = terminal.rows ?? Infinity;
  const columns = terminal.columns ?? Infinity;
  const shown = lines.length <= rows ? [...lines] : [...lines.slice(0, Math.max(1, rows - 1)), `… and ${lines.length - Math.max(1, rows - 1)} more (a taller terminal shows them)`];
  return shown.map((line) => (line.length > columns ? line.slice(0, Math.max(0, columns - 1)) + '…' : line));
}
