import { basename, join } from 'node:path';
import { InvalidInputError } from '../town/names.js';
import { readJsonFile, type Json } from '../town/settings-file.js';
import { findAgent, unknownAgent, type AgentRegistry } from './launch.js';
import { BUILTIN_PRESETS, DEFAULT_AGENT, type AgentPreset, type HooksProvider, type PromptStyle } from './presets.js';
import { resolveProgram } from './program.js';

/**
 * Agent configuration as Gas Town keeps it: presets in `<town>/settings/agents.json` and `<rig>/settings/agents.json`
 * (`{"version":1,"agents":{"name":{...}}}`, merged field by field over the built-ins, rig over town), and the choice
 * of agent in `settings/config.json` (`role_agents.polecat`, `runtime`, `agent`, `default_agent`).
 */

const HOOK_PROVIDERS: readonly HooksProvider[] = ['claude', 'gemini', 'cursor', 'opencode', 'copilot', 'none'];


function fieldError(path: string, field: string, expected: string): InvalidInputError {
  return new InvalidInputError(`${path}: ${field} must be ${expected}`);
}

function optionalString(entry: Json, key: string, path: string, where: string): string | undefined {
  const value = entry[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw fieldError(path, `${where}.${key}`, 'a string');
  return value;
}

function optionalStrings(entry: Json, key: string, path: string, where: string): string[] | undefined {
  const value = entry[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw fieldError(path, `${where}.${key}`, 'an array of strings');
  return value as string[];
}

function optionalBoolean(entry: Json, key: string, path: string, where: string): boolean | undefined {
  const value = entry[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw fieldError(path, `${where}.${key}`, 'true or false');
  return value;
}

/** One agent entry of agents.json (or a `runtime` block) applied over the preset it builds on. */
function applyEntry(base: AgentPreset, name: string, entry: Json, path: string, where: string): AgentPreset {
  const env = entry.env;
  if (env !== undefined && (typeof env !== 'object' || env === null || Array.isArray(env) || !Object.values(env).every((v) => typeof v === 'string'))) {
    throw fieldError(path, `${where}.env`, 'an object of strings');
  }
  for (const key of Object.keys((env ?? {}) as Json)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw fieldError(path, `${where}.env key ${JSON.stringify(key)}`, 'a variable name (letters, digits, _)');
  }
  const delay = entry.ready_delay_ms;
  if (delay !== undefined && (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0)) throw fieldError(path, `${where}.ready_delay_ms`, 'a whole number of ms');
  const hooks = entry.hooks;
  if (hooks !== undefined && (typeof hooks !== 'object' || hooks === null || Array.isArray(hooks))) throw fieldError(path, `${where}.hooks`, 'an object');
  const hooksEntry = (hooks ?? {}) as Json;
  const provider = optionalString(hooksEntry, 'provider', path, `${where}.hooks`);
  if (provider !== undefined && !HOOK_PROVIDERS.includes(provider as HooksProvider)) {
    throw fieldError(path, `${where}.hooks.provider`, `one of ${HOOK_PROVIDERS.join(', ')}`);
  }
  const command = optionalString(entry, 'command', path, where);
  if (command === '') throw fieldError(path, `${where}.command`, 'a program name or path');
  return {
    name,
    command: command ?? base.command,
    args: optionalStrings(entry, 'args', path, where) ?? base.args,
    // A new path to the same program keeps the names it runs under (Claude shows as node); another program, its own.
    processNames:
      optionalStrings(entry, 'process_names', path, where) ??
      (command !== undefined && basename(command) !== basename(base.command) ? [basename(command)] : base.processNames),
    prompt: promptStyle(entry, path, where) ?? base.prompt,
    readyPromptPrefix: optionalString(entry, 'ready_prompt_prefix', path, where) ?? base.readyPromptPrefix,
    readyDelayMs: (delay as number | undefined) ?? base.readyDelayMs,
    readyMarkers: optionalStrings(entry, 'ready_markers', path, where) ?? base.readyMarkers,
    busyMarkers: optionalStrings(entry, 'busy_markers', path, where) ?? base.busyMarkers,
    showsStartupText: optionalBoolean(entry, 'shows_startup_text', path, where) ?? base.showsStartupText,
    activityWords: {
      permission: optionalStrings(entry, 'permission_markers', path, where) ?? base.activityWords.permission,
      interrupted: optionalStrings(entry, 'interrupted_markers', path, where) ?? base.activityWords.interrupted,
      apiError: optionalStrings(entry, 'api_error_markers', path, where) ?? base.activityWords.apiError,
    },
    hooks: {
      provider: (provider as HooksProvider | undefined) ?? base.hooks.provider,
      dir: optionalString(hooksEntry, 'dir', path, `${where}.hooks`) ?? base.hooks.dir,
      file: optionalString(hooksEntry, 'settings_file', path, `${where}.hooks`) ?? base.hooks.file,
    },
    env: { ...base.env, ...((env as Record<string, string> | undefined) ?? {}) },
    resume: optionalStrings(entry, 'resume', path, where) ?? base.resume,
  };
}

/** `prompt_mode`: `positional` (or Gas Town's `arg`), `none`, or a flag such as `-i` / `--prompt`. */
function promptStyle(entry: Json, path: string, where: string): PromptStyle | undefined {
  const mode = optionalString(entry, 'prompt_mode', path, where);
  if (mode === undefined) return undefined;
  if (mode === 'positional' || mode === 'arg') return { kind: 'positional' };
  if (mode === 'none') return { kind: 'none' };
  if (/^--?[A-Za-z][\w-]*$/.test(mode)) return { kind: 'flag', flag: mode };
  throw fieldError(path, `${where}.prompt_mode`, "'positional', 'none' or a flag such as '-i'");
}

/**
 * The preset a custom entry builds on: its own name, else `provider`, else the preset running the same program, else
 * Claude's screen reading without Claude's settings file (a program that is not Claude would not read it).
 */
function baseFor(name: string, entry: Json, registry: AgentRegistry, path: string, where: string): AgentPreset {
  const provider = entry.provider;
  if (provider !== undefined) {
    if (typeof provider !== 'string') throw fieldError(path, `${where}.provider`, 'an agent name');
    const base = findAgent(registry, provider);
    if (!base) throw unknownAgent(provider, registry, ` (${where}.provider in ${path})`);
    return base;
  }
  const command = typeof entry.command === 'string' ? basename(entry.command) : undefined;
  const claude = BUILTIN_PRESETS[DEFAULT_AGENT]!;
  return (
    findAgent(registry, name) ??
    Object.values(BUILTIN_PRESETS).find((p) => basename(p.command) === command) ??
    // Another program entirely: Claude's screen reading, but none of Claude's flags or settings.
    (command === undefined ? claude : { ...claude, args: [], hooks: { provider: 'none', dir: '', file: '' } })
  );
}

function mergeAgentsFile(registry: AgentRegistry, path: string): AgentRegistry {
  const file = readJsonFile(path);
  if (!file) return registry;
  if (file.version !== undefined && file.version !== 1) throw fieldError(path, 'version', '1 (the only format polecat reads)');
  const agents = file.agents ?? {};
  if (typeof agents !== 'object' || agents === null || Array.isArray(agents)) throw fieldError(path, 'agents', 'an object');
  const merged: Record<string, AgentPreset> = { ...registry };
  for (const [name, entry] of Object.entries(agents as Json)) {
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new InvalidInputError(`${path}: agent name ${JSON.stringify(name)} must use letters, digits, '.', '_' or '-'`);
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw fieldError(path, `agents.${name}`, 'an object');
    merged[name] = applyEntry(baseFor(name, entry as Json, merged, path, `agents.${name}`), name, entry as Json, path, `agents.${name}`);
  }
  return merged;
}

/** Built-ins, then the town's agents.json, then the rig's. */
export function loadAgents(townRoot: string, rig: string): AgentRegistry {
  const town = mergeAgentsFile(BUILTIN_PRESETS, join(townRoot, 'settings', 'agents.json'));
  return mergeAgentsFile(town, join(townRoot, rig, 'settings', 'agents.json'));
}

export interface AgentChoice {
  readonly preset: AgentPreset;
  readonly extraArgs: readonly string[];
  /** Where the choice came from, for messages: `--agent`, `rig role_agents.polecat`, … */
  readonly source: string;
  readonly warnings: readonly string[];
}

/**
 * Which agent a polecat runs: rig `role_agents.polecat`, town `role_agents.polecat` (a built-in preset whose program
 * is not installed is skipped with a warning), rig `runtime`, rig `agent`, town `default_agent`, else Claude.
 */
export function chooseAgent(townRoot: string, rig: string, registry: AgentRegistry, path: string | undefined): AgentChoice {
  const rigFile = join(townRoot, rig, 'settings', 'config.json');
  const townFile = join(townRoot, 'settings', 'config.json');
  const rigConfig = readJsonFile(rigFile) ?? {};
  const townConfig = readJsonFile(townFile) ?? {};
  const warnings: string[] = [];

  const named = (file: string, key: string, value: unknown): AgentPreset | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') throw fieldError(file, key, 'an agent name');
    const preset = findAgent(registry, value);
    if (!preset) throw unknownAgent(value, registry, ` (${key} in ${file})`);
    return preset;
  };
  for (const [file, config, label] of [
    [rigFile, rigConfig, 'rig'],
    [townFile, townConfig, 'town'],
  ] as const) {
    const roles = config.role_agents;
    if (roles === undefined) continue;
    if (typeof roles !== 'object' || roles === null || Array.isArray(roles)) throw fieldError(file, 'role_agents', 'an object');
    const preset = named(file, 'role_agents.polecat', (roles as Json).polecat);
    if (!preset) continue;
    const builtin = BUILTIN_PRESETS[preset.name] === preset;
    if (builtin && !resolveProgram(preset.command, path, townRoot)) {
      warnings.push(`${label} role_agents.polecat is ${preset.name}, but ${preset.command} is not installed; trying the next setting`);
      continue;
    }
    return { preset, extraArgs: [], source: `${label} role_agents.polecat`, warnings };
  }
  if (rigConfig.runtime !== undefined) {
    const runtime = rigConfig.runtime;
    if (typeof runtime !== 'object' || runtime === null || Array.isArray(runtime)) throw fieldError(rigFile, 'runtime', 'an object');
    const entry = runtime as Json;
    const name = typeof entry.provider === 'string' ? entry.provider : typeof entry.command === 'string' ? basename(entry.command) : DEFAULT_AGENT;
    return { preset: applyEntry(baseFor(name, entry, registry, rigFile, 'runtime'), name, entry, rigFile, 'runtime'), extraArgs: [], source: 'rig runtime', warnings };
  }
  const rigAgent = named(rigFile, 'agent', rigConfig.agent);
  if (rigAgent) return { preset: rigAgent, extraArgs: [], source: 'rig agent', warnings };
  const townDefault = named(townFile, 'default_agent', townConfig.default_agent);
  if (townDefault) return { preset: townDefault, extraArgs: [], source: 'town default_agent', warnings };
  // The registry's claude: the built-in with what agents.json says of it (its env, say).
  return { preset: registry[DEFAULT_AGENT] ?? BUILTIN_PRESETS[DEFAULT_AGENT]!, extraArgs: [], source: 'default', warnings };
}
