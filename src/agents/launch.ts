import { InvalidInputError } from '../town/names.js';
import { BUILTIN_PRESETS, DEFAULT_AGENT, type AgentPreset } from './presets.js';
import { splitWords } from './words.js';

/** A resolved agent: its preset plus the words given after its name on the command line. */
export interface AgentLaunch {
  readonly preset: AgentPreset;
  readonly argv: readonly string[];
}

/** `--agent "NAME [ARGS...]"`: the first word names the preset, the rest are appended to its arguments. */
export function resolveAgent(spec: string | undefined): AgentLaunch {
  const words = spec === undefined ? [DEFAULT_AGENT] : splitWords(spec);
  const [name, ...extra] = words;
  if (name === undefined) throw new InvalidInputError('--agent is empty: give an agent name, e.g. --agent claude');
  const preset = Object.hasOwn(BUILTIN_PRESETS, name) ? BUILTIN_PRESETS[name] : undefined;
  if (!preset) {
    throw new InvalidInputError(`unknown agent ${JSON.stringify(name)}: known agents are ${Object.keys(BUILTIN_PRESETS).join(', ')}`);
  }
  return { preset, argv: [preset.command, ...preset.args, ...extra] };
}
