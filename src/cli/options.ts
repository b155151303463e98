import { Option } from 'commander';
import type { StartupTimeouts } from '../../machines/startup.js';
import { InvalidInputError } from '../town/names.js';

export const townOption = () => new Option('--town <dir>', 'town root (default: $GT_TOWN_ROOT, else the nearest directory above with mayor/town.json)');
export const socketOption = () =>
  new Option('--socket <name>', "tmux socket name (default: $GT_TMUX_SOCKET, else '<town basename>-<hash of town path>')");
export const jsonOption = () => new Option('--json', 'print JSON instead of text');

const TIMEOUT_KEYS: Record<string, keyof StartupTimeouts> = {
  command: 'commandMs',
  dialogs: 'dialogsMs',
  ready: 'readyMs',
  nudge: 'nudgeMs',
};

/** `command=30,dialogs=120` (seconds) into the waits' deadlines. */
export function parseTimeouts(text: string): Partial<StartupTimeouts> {
  const result: Partial<Record<keyof StartupTimeouts, number>> = {};
  for (const part of text.split(',')) {
    const [name, value, ...rest] = part.split('=');
    const trimmed = name?.trim() ?? '';
    const key = Object.hasOwn(TIMEOUT_KEYS, trimmed) ? TIMEOUT_KEYS[trimmed] : undefined;
    const seconds = Number(value);
    // A value that rounds to 0 ms would be a deadline already passed.
    if (!key || rest.length > 0 || value === undefined || value.trim() === '' || !Number.isFinite(seconds) || Math.round(seconds * 1000) < 1 || seconds > 3600) {
      throw new InvalidInputError(
        `invalid --timeout ${JSON.stringify(text)}: expected NAME=SECONDS[,...] with NAME one of ${Object.keys(TIMEOUT_KEYS).join(', ')} and 0 < SECONDS <= 3600`,
      );
    }
    result[key] = Math.round(seconds * 1000);
  }
  return result;
}
