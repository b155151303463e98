/**
 * `--inspect` on the commands that run a machine live (start, wait, events): its options, their check, and the
 * inspector held for the length of the command. The inspector's modules (a WebSocket server and client) load only
 * when asked for: every command would pay for them.
 */
import { Command, Option } from 'commander';
import type { InspectTarget, LiveInspector } from '../inspect/live.js';
import { InvalidInputError } from '../town/names.js';
import type { Output } from './output.js';

export interface InspectFlags {
  inspect?: boolean;
  inspectSky?: boolean;
  inspectPort: string;
}

export interface InspectOn {
  readonly target: InspectTarget;
  readonly port: number;
}

export function addInspectOptions(command: Command, what: string): Command {
  return command
    .option('--inspect', `stream ${what} to the Stately inspector through a relay on 127.0.0.1 whose page you open; --inspect=sky: Stately's hosted relay instead (needs internet)`)
    .addOption(new Option('--inspect-sky').hideHelp())
    .option('--inspect-port <port>', 'port of the local relay for --inspect', '8080');
}

export function inspectTarget(flags: InspectFlags): InspectOn | undefined {
  if (!flags.inspect && !flags.inspectSky) return undefined;
  const target: InspectTarget = flags.inspectSky ? 'sky' : 'local';
  const port = Number(flags.inspectPort);
  if (!/^\d+$/.test(flags.inspectPort) || port < 1 || port > 65535) throw new InvalidInputError(`invalid --inspect-port ${JSON.stringify(flags.inspectPort)}: expected 1 to 65535`);
  return { target, port };
}

/** Runs `body` with the inspector asked for (its address told on stderr), stopping it after. */
export async function withInspector<T>(on: InspectOn | undefined, output: Output, body: (inspector: LiveInspector | undefined) => Promise<T>): Promise<T> {
  const inspector = on ? await (await import('../inspect/live.js')).startLiveInspector(on.target, on.port) : undefined;
  if (inspector) output.err.write(`  inspect: ${inspector.url}\n`);
  try {
    return await body(inspector);
  } finally {
    await inspector?.stop();
  }
}
