import { Option } from 'commander';
import type { StartupTimeouts } from '../../machines/startup.js';
import { InvalidInputError } from '../town/names.js';

export const townOption = () => new Option('--town <dir>', 'town root (default: $GT_TOWN_ROOT, else the outermost directory at or above this one with mayor/town.json)');
export const socketOption = () =>
  new Option('--socket <name>', "tmux socket name (default: $GT_TMUX_SOCKET, else '<town basename>-<hash of town path>')");
export const jsonOption = () => new Option('--json', 'print JSON instead of text');

export const START_TIMEOUTS: Readonly<Record<string, keyof StartupTimeouts>> = {
  command: 'commandMs',
  dialogs: 'dialogsMs',
  ready: 'readyMs',
  nudge: 'nudgeMs',
};

export const STOP_TIMEOUTS = { graceful: 'gracefulMs', kill: 'killGraceMs' } as const;

/** `name=seconds,...` (e.g. `command=30,dialogs=120`) into milliseconds under the keys the names map to. */
export function parseTimeouts<K extends string>(text: string, names: Readonly<Record<string, K>> = START_TIMEOUTS as Record<string, K>): Partial<Record<K, number>> {
  const result: Partial<Record<K, number>> = {};
  const seen = new Set<string>();
  const refuse = (why: string): never => {
    throw new InvalidInputError(
      `invalid --timeout ${JSON.stringify(text)}: ${why}; expected NAME=SECONDS[,...] with NAME one of ${Object.keys(names).join(', ')} and 0 < SECONDS <= 3600`,
    );
  };
  for (const part of text.split(',')) {
    const [rawName, value, ...rest] = part.split('=');
    const name = rawName?.trim() ?? '';
    const key = Object.hasOwn(names, name) ? names[name] : undefined;
    if (!key) refuse(`unknown name ${JSON.stringify(name)}`);
    if (seen.has(name)) refuse(`${name} given twice`);
    seen.add(name);
    const seconds = Number(value);
    // A value that rounds to 0 ms would be a deadline already passed.
    if (rest.length > 0 || value === undefined || value.trim() === '' || !Number.isFinite(seconds) || Math.round(seconds * 1000) < 1 || seconds > 3600) {
      refuse(`bad number of seconds for ${name}`);
    }
    result[key!] = Math.round(seconds * 1000);
  }
  return result;
}
