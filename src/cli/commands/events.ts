import { watch } from 'node:fs';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { createActor, type AnyActorRef } from 'xstate';
import { activityMachine } from '../../../machines/activity.js';
import { eventFilePath, readEvents } from '../../activity/event-file.js';
import type { EventLine } from '../../activity/event-line.js';
import { hookEvent } from '../../activity/replay.js';
import { locate } from '../../plan.js';
import { InvalidInputError, parseAddress } from '../../town/names.js';
import { processOutput, type Output } from '../output.js';
import { jsonOption, socketOption, townOption } from '../options.js';
import { cancelOnSignals } from '../signals.js';

/** `--since`: seconds, minutes or hours ago (`90s`, `10m`, `2h`), or a date-time. */
function parseSince(value: string, now: number): number {
  const ago = /^(\d+)([smh])$/.exec(value);
  if (ago) return now - Number(ago[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[ago[2] as 's' | 'm' | 'h'];
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new InvalidInputError(`invalid --since ${JSON.stringify(value)}: expected 90s, 10m, 2h or a date-time such as 2026-12-01T10:00`);
  return at;
}

/** Each run's activity, fed line by line: what each line changed it to. */
class Activities {
  private readonly actors = new Map<string, AnyActorRef>();

  after(line: EventLine): string {
    let actor = this.actors.get(line.run);
    if (!actor) {
      actor = createActor(activityMachine, { input: { startedAt: line.at } }).start();
      this.actors.set(line.run, actor);
    }
    const before = String(actor.getSnapshot().value);
    actor.send(hookEvent(line));
    const now = String(actor.getSnapshot().value);
    return now === before ? '' : `→ ${now}`;
  }
}

export function eventsCommand(output: Output = processOutput): Command {
  return new Command('events')
    .description("a polecat's lifetime as its agent's hooks told it: one line per event (time, run, event, tool), with the activity it led to")
    .argument('<rig/name>', 'the polecat, e.g. gastown/Toast')
    .option('--since <when>', 'only events after this: 90s, 10m, 2h ago, or a date-time')
    .option('--follow', 'keep printing events as they come, until Ctrl-C')
    .addOption(jsonOption())
    .addOption(townOption())
    .addOption(socketOption())
    .action(async (target: string, flags: { since?: string; follow?: boolean; json?: boolean; town?: string; socket?: string }) => {
      const address = parseAddress(target);
      const since = flags.since !== undefined ? parseSince(flags.since, Date.now()) : -Infinity;
      const path = eventFilePath(locate(address, flags).townRoot, address.rig, address.name);
      const activities = new Activities();
      let printed = 0;
      const print = () => {
        const { lines } = readEvents(path);
        for (const line of lines.slice(printed)) {
          const change = activities.after(line);
          if (line.at < since) continue;
          if (flags.json) output.out.write(`${JSON.stringify({ ...line, ...(change ? { activity: change.slice(2) } : {}) })}\n`);
          else output.out.write(`${new Date(line.at).toISOString()}  ${line.run.slice(0, 8)}  ${line.event.padEnd(18)} ${(line.tool ?? '').padEnd(12)} ${change}`.trimEnd() + '\n');
        }
        printed = lines.length;
      };
      print();
      if (!flags.follow) return;
      const cancellation = cancelOnSignals(output.err, { first: 'stopping', again: 'stopping' });
      try {
        await new Promise<void>((resolve) => {
          const watcher = watch(dirname(path), { persistent: true }, () => print());
          cancellation.signal.addEventListener('abort', () => {
            watcher.close();
            resolve();
          });
        });
      } finally {
        cancellation.dispose();
      }
    });
}
