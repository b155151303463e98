import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { eventFilePath } from '../../activity/event-file.js';
import { Lifetime, type LifetimeEntry } from '../../activity/lifetime.js';
import { LiveActivity } from '../../activity/live.js';
import { status } from '../../api/queries.js';
import { lookOf } from '../../api/wait.js';
import { locate } from '../../plan.js';
import { addInspectOptions, inspectTarget, withInspector, type InspectFlags } from '../inspect-option.js';
import { runsDir } from '../../runs/store.js';
import { InvalidInputError, parseAddress } from '../../town/names.js';
import { processOutput, type Output } from '../output.js';
import { jsonOption, socketOption, townOption } from '../options.js';
import { cancelOnSignals, interruptedExitCode } from '../signals.js';

/** `--since`: seconds, minutes or hours ago (`90s`, `10m`, `2h`), or a date-time. */
function parseSince(value: string, now: number): number {
  const ago = /^(\d+)([smh])$/.exec(value);
  if (ago) return now - Number(ago[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[ago[2] as 's' | 'm' | 'h'];
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new InvalidInputError(`invalid --since ${JSON.stringify(value)}: expected 90s, 10m, 2h or a date-time such as 2026-12-01T10:00`);
  return at;
}

/** How often a followed lifetime looks for new and ended runs (hook lines wake it at once). */
const RUN_POLL_MS = 1_000;

function entryText(entry: LifetimeEntry): string {
  const head = `${new Date(entry.at).toISOString()}  ${(entry.run ?? '-').slice(0, 8).padEnd(8)}  `;
  if (entry.type === 'supervision') return `${head}${'supervisor'.padEnd(18)} ${entry.what}`;
  if (entry.type === 'run') return `${head}${`${entry.kind} ${entry.phase}`.padEnd(18)} ${entry.phase === 'ended' ? entry.result : ''}`.trimEnd();
  return `${head}${entry.line.event.padEnd(18)} ${(entry.line.tool ?? '').padEnd(12)} ${entry.activity ? `→ ${entry.activity}` : ''}`.trimEnd();
}

function entryJson(entry: LifetimeEntry): unknown {
  if (entry.type === 'run' || entry.type === 'supervision') return entry;
  return { type: 'hook', ...entry.line, ...(entry.activity ? { activity: entry.activity } : {}) };
}

/** Calls `wake` at every change of these directories and every RUN_POLL_MS, until the signal. */
async function followUntil(signal: AbortSignal, dirs: readonly string[], wake: () => void): Promise<void> {
  const watchers: FSWatcher[] = [];
  const timer = setInterval(wake, RUN_POLL_MS);
  try {
    await new Promise<void>((resolve) => {
      for (const dir of dirs) {
        try {
          watchers.push(watch(dir, { persistent: true }, wake));
        } catch {
          // not made yet: the timer looks
        }
      }
      if (signal.aborted) resolve();
      signal.addEventListener('abort', () => resolve());
    });
  } finally {
    clearInterval(timer);
    for (const watcher of watchers) watcher.close();
  }
}

export function eventsCommand(output: Output = processOutput): Command {
  return addInspectOptions(
    new Command('events')
      .description("a polecat's lifetime: its runs (each start and stop, and how it ended) and its agent's hook events, one line each, with the activity each led to")
      .argument('<rig/name>', 'the polecat, e.g. gastown/Toast')
      .option('--since <when>', 'only what happened after this: 90s, 10m, 2h ago, or a date-time')
      .option('--follow', 'keep printing as things happen, until Ctrl-C')
      .addOption(jsonOption())
      .addOption(townOption())
      .addOption(socketOption())
      .addHelpText(
        'after',
        `
Each line: time, the run's id (its first 8 characters), what happened, the tool, and "→ state" when the activity
changed. Hook events are kept only for the last part of a long life (the event file is set aside past 1 MB and
256 KB of it kept); runs are kept as \`polecat runs\` keeps them. Hooks report only names, ids and times: never the
prompt, a tool's input or what the agent wrote.

Examples:
  polecat events gastown/Toast --since 10m
  polecat events gastown/Toast --follow --json | jq -c 'select(.activity)'
  polecat events gastown/Toast --inspect     # open the address it prints: the activity machine, live`,
      ),
    "the polecat's live activity machine (follows, as --follow)",
  )
    .action(async (target: string, flags: InspectFlags & { since?: string; follow?: boolean; json?: boolean; town?: string; socket?: string }) => {
      const address = parseAddress(target);
      const inspectOn = inspectTarget(flags);
      const since = flags.since !== undefined ? parseSince(flags.since, Date.now()) : -Infinity;
      const townRoot = locate(address, flags).townRoot;
      const path = eventFilePath(townRoot, address.rig, address.name);
      const lifetime = new Lifetime(townRoot, address, path);
      const print = () => {
        for (const entry of lifetime.next()) {
          if (entry.at < since) continue;
          output.out.write(`${flags.json ? JSON.stringify(entryJson(entry)) : entryText(entry)}\n`);
        }
      };
      print();
      if (!flags.follow && !inspectOn) return;
      const cancellation = cancelOnSignals(output.err, { first: 'stopping', again: 'stopping' });
      try {
        await withInspector(inspectOn, output, async (inspector) => {
          // Shown live: the polecat's activity machine, fed with what status sees at each wake.
          const live = inspector ? new LiveActivity(path, inspector.inspect) : undefined;
          const look = async () => {
            const seen = live ? lookOf(await status(address, { ...flags, replay: false })) : undefined;
            if (seen) live?.look(seen);
          };
          let looking = Promise.resolve();
          const wake = () => {
            print();
            looking = looking.then(look).catch((error: unknown) => void output.err.write(`  could not look at ${target}: ${error instanceof Error ? error.message : String(error)}\n`));
          };
          wake();
          await followUntil(cancellation.signal, [dirname(path), runsDir(townRoot)], wake);
          await looking;
          live?.stop();
        });
        // Followed until Ctrl-C or SIGTERM: the exit status says which, as for every command polecat runs until stopped.
        const interrupted = cancellation.interruptedBy();
        if (interrupted) process.exitCode = interruptedExitCode(interrupted);
      } finally {
        cancellation.dispose();
      }
    });
}
