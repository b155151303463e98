import { InvalidInputError } from '../town/names.js';
import { BUILTIN_PRESETS, DEFAULT_AGENT, type AgentPreset } from './presets.js';
import { splitWords } from './words.js';

/** A resolved agent: its preset plus the words given after its name on the command line. */
export interface AgentLaunch {
  readonly preset: AgentPreset;
  readonly extraArgs: readonly string[];
  readonly argv: readonly string[];
}

export type AgentRegistry = Readonly<Record<string, AgentPreset>>;

export function findAgent(registry: AgentRegistry, name: string): AgentPreset | undefined {
  return Object.hasOwn(registry, name) ? registry[name] : undefined;
}

export function unknownAgent(name: string, registry: AgentRegistry, where = ''): InvalidInputError {
  return new InvalidInputError(`unknown agent ${JSON.stringify(name)}${where}: known agents are ${Object.keys(registry).sort().join(', ')}`);
}

/** `--agent "NAME [ARGS...]"`: the first word names the agent, the rest are appended to its arguments. */
export function resolveAgent(spec: string | undefined, registry: AgentRegistry = BUILTIN_PRESETS): AgentLaunch {
  const words = spec === undefined ? [DEFAULT_AGENT] : splitWords(spec);
  const [name, ...extra] = words;
  if (name === undefined) throw new InvalidInputError('--agent is empty: give an agent name, e.g. --agent claude');
  const preset = findAgent(registry, name);
  if (!preset) throw unknownAgent(name, registry);
  return { preset, extraArgs: extra, argv: [preset.command, ...preset.args, ...extra] };
}
