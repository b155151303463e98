import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StartupInput, StartupTimeouts } from '../machines/startup.js';
import type { StopInput } from '../machines/stop.js';
import { chooseAgent, loadAgents, type AgentChoice } from './agents/config.js';
import { agentEnvironment } from './agents/environment.js';
import { resolveAgent } from './agents/launch.js';
import { SESSION_PLACEHOLDER, type AgentPreset } from './agents/presets.js';
import { SAFE_VALUE } from './activity/event-line.js';
import { settingsPlan } from './agents/settings.js';
import { routeIssue } from './beads/routes.js';
import { formatAddress, InvalidInputError, type PolecatAddress } from './town/names.js';
import { polecatPaths, resolveTownRoot, rigPolecats, sessionName, townSocketName } from './town/town.js';

/** Where a polecat is: its town, the town's tmux socket and the session name. Resolved without side effects. */
export interface Location {
  readonly address: PolecatAddress;
  readonly townRoot: string;
  readonly socket: string;
  readonly sessionName: string;
}

export interface LocateOptions {
  readonly town?: string;
  readonly socket?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** The user's own --settings file, read before anything runs: a JSON object of settings. */
function checkOwnSettings(path: string): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidInputError(`the agent's --settings ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`the agent's --settings ${path} is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidInputError(`the agent's --settings ${path} is not a JSON object of settings`);
}

/** Where a polecat's Claude reads the user's own --settings with polecat's hooks added. */
export function mergedSettingsPath(townRoot: string, address: PolecatAddress): string {
  return join(townRoot, '.runtime', 'polecat', 'settings', address.rig, `${address.name}.json`);
}

export function resolveTown(options: LocateOptions): { townRoot: string; socket: string } {
  const env = options.env ?? process.env;
  const townRoot = resolveTownRoot(options.town, env, options.cwd ?? process.cwd());
  // GT_TMUX_SOCKET=default means the town's own socket, as in Gas Town; --socket default means tmux's default server.
  const fromEnv = env.GT_TMUX_SOCKET === 'default' ? undefined : env.GT_TMUX_SOCKET;
  return { townRoot, socket: townSocketName(townRoot, options.socket ?? fromEnv) };
}

export function locate(address: PolecatAddress, options: LocateOptions): Location {
  const { townRoot, socket } = resolveTown(options);
  return { address, townRoot, socket, sessionName: sessionName(townRoot, address) };
}

export const DEFAULT_TIMEOUTS: StartupTimeouts = {
  commandMs: 60_000,
  dialogsMs: 180_000,
  readyMs: 60_000,
  nudgeMs: 30_000,
};

export interface StartOptions extends LocateOptions {
  readonly issue?: string;
  /** `NAME [ARGS...]`, as given to --agent. */
  readonly agent?: string;
  readonly prompt?: string;
  readonly timeouts?: Partial<StartupTimeouts>;
  readonly runId?: string;
  /** The run this start follows (a restart's). */
  readonly follows?: string;
  /**
   * A restart continuing the agent's previous conversation, if its preset or agents.json has `resume` arguments
   * (`{session}` in them needs the session id its hooks reported): then no startup text is given again.
   */
  readonly resume?: { readonly session?: string };
}

/** Beads ids (`gt-abc12`, `bd-a1b2`, children `gt-abc12.1`): anything else is refused before bd runs. */
const ISSUE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function defaultStartupText(address: PolecatAddress, issue: string | undefined): string {
  const who = `You are polecat ${address.name} of rig ${address.rig}.`;
  return issue === undefined ? `${who} Check your hook and begin work.` : `${who} Your issue is ${issue}: run bd show ${issue} and begin work.`;
}

/** The startup text as the agent's command line takes it, if it takes one. */
function promptWords(preset: AgentPreset, text: string): string[] {
  if (text === '') return [];
  switch (preset.prompt.kind) {
    case 'positional':
      // A prompt that starts like an option ("--help me…") must not be read as one.
      return text.startsWith('-') ? ['--', text] : [text];
    case 'flag':
      return [preset.prompt.flag, text];
    case 'none':
      return [];
  }
}

/** The preset's arguments that continue a conversation, or undefined when it has none or needs a session not known. */
function resumeWords(preset: AgentPreset, session: string | undefined): string[] | undefined {
  if (preset.resume.length === 0) return undefined;
  const needsSession = preset.resume.some((arg) => arg.includes(SESSION_PLACEHOLDER));
  if (needsSession && (session === undefined || !SAFE_VALUE.test(session))) return undefined;
  return preset.resume.map((arg) => (session === undefined ? arg : arg.split(SESSION_PLACEHOLDER).join(session)));
}

/** Everything the startup machine needs, checked before anything happens: a bad value throws InvalidInputError. */
export function planStart(address: PolecatAddress, options: StartOptions): StartupInput {
  if (options.issue !== undefined && !ISSUE_ID.test(options.issue)) {
    throw new InvalidInputError(
      `invalid issue id ${JSON.stringify(options.issue)}: expected a beads id such as gt-abc12 or gt-abc12.1 (letters, digits, '.', '_' and '-', starting with a letter or digit)`,
    );
  }
  const callerEnv = options.env ?? process.env;
  const location = locate(address, options);
  const paths = polecatPaths(location.townRoot, address);
  const registry = loadAgents(location.townRoot, address.rig);
  const choice: AgentChoice =
    options.agent !== undefined
      ? { ...resolveAgent(options.agent, registry), source: '--agent', warnings: [] }
      : chooseAgent(location.townRoot, address.rig, registry, callerEnv.PATH);
  const { preset } = choice;
  const settings = settingsPlan(preset, paths.polecatsDir, paths.workDir, choice.extraArgs, mergedSettingsPath(location.townRoot, address));
  if (settings.mergedFrom !== undefined) checkOwnSettings(settings.mergedFrom);
  const resumeArgs = options.resume ? resumeWords(preset, options.resume.session) : undefined;
  // A resumed conversation has had its startup text: it is not given again.
  const startupText = resumeArgs ? '' : (options.prompt ?? defaultStartupText(address, options.issue));
  const onCommandLine = promptWords(preset, startupText);
  const own = (args: readonly string[]) => (settings.rewrite ? settings.rewrite(args) : args);
  const argv = [preset.command, ...own(preset.args), ...settings.args, ...own(choice.extraArgs), ...(resumeArgs ?? []), ...onCommandLine];
  const runId = options.runId ?? randomUUID();
  const env = agentEnvironment({
    address,
    townRoot: location.townRoot,
    workDir: paths.workDir,
    sessionName: location.sessionName,
    agentName: preset.name,
    processNames: preset.processNames,
    runId,
    presetEnv: preset.env,
  });
  const route = options.issue !== undefined ? routeIssue(location.townRoot, options.issue, paths.workDir) : { dir: paths.workDir, warnings: [] };
  // Claude given its settings as JSON on its command line by the user: polecat adds nothing to them, hooks included.
  const ownSettings =
    preset.hooks.provider === 'claude' && settings.path === undefined
      ? ["the agent's own --settings JSON is used as it is, without polecat's activity hooks: what the agent is doing is read from its screen only (give the settings as a file to have polecat add its hooks to a copy)"]
      : [];
  const planWarnings = [...choice.warnings, ...route.warnings, ...ownSettings];
  return {
    runId,
    rig: address.rig,
    name: address.name,
    townRoot: location.townRoot,
    socket: location.socket,
    sessionName: location.sessionName,
    polecatDir: paths.polecatDir,
    workDir: paths.workDir,
    beadsDir: route.dir,
    ...(options.issue !== undefined ? { issue: options.issue } : {}),
    ...(options.follows !== undefined ? { follows: options.follows } : {}),
    ...(resumeArgs ? { resumes: options.resume?.session ?? 'its last session' } : {}),
    agent: {
      name: preset.name,
      argv,
      processNames: [...preset.processNames],
      promptMode: onCommandLine.length > 0 ? 'arg' : 'none',
      readyPromptPrefix: preset.readyPromptPrefix,
      readyMarkers: [...preset.readyMarkers],
      readyDelayMs: preset.readyDelayMs,
      busyMarkers: [...preset.busyMarkers],
      showsStartupText: preset.showsStartupText,
      ...(settings.path !== undefined && preset.hooks.provider !== 'none'
        ? { settings: { path: settings.path, provider: preset.hooks.provider, ...(settings.mergedFrom !== undefined ? { mergedFrom: settings.mergedFrom } : {}) } }
        : {}),
    },
    env,
    credentialsFile: join(location.townRoot, '.runtime', 'polecat', `credentials-${runId}.env`),
    ...(planWarnings.length > 0 ? { planWarnings } : {}),
    startupText,
    timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
  };
}

/**
 * Plans for several polecats, every one checked before any of them starts: a polecat named twice is refused, and so
 * is an issue (it hooks to one polecat) or a run id (each start is its own run) given for more than one.
 */
export function planStarts(addresses: readonly PolecatAddress[], options: StartOptions): StartupInput[] {
  if (addresses.length === 0) throw new InvalidInputError('no polecat to start');
  const seen = new Set<string>();
  for (const address of addresses) {
    const key = formatAddress(address);
    if (seen.has(key)) throw new InvalidInputError(`${key} is given twice`);
    seen.add(key);
  }
  if (addresses.length > 1) {
    if (options.issue !== undefined) throw new InvalidInputError(`--issue hooks an issue to one polecat; it cannot go with ${addresses.length} polecats`);
    if (options.runId !== undefined) throw new InvalidInputError(`a run id names one start; it cannot go with ${addresses.length} polecats`);
  }
  return addresses.map((address) => planStart(address, options));
}

/** Every polecat of a rig (see rigPolecats), and the directories skipped because no address can name them. */
export function rigAddresses(rig: string, options: LocateOptions): { addresses: PolecatAddress[]; unaddressable: string[] } {
  const { names, unaddressable } = rigPolecats(resolveTown(options).townRoot, rig);
  return { addresses: names.map((name) => ({ rig, name })), unaddressable };
}

export interface StopOptions extends LocateOptions {
  readonly runId?: string;
  readonly force?: boolean;
  readonly gracefulMs?: number;
  readonly killGraceMs?: number;
}

export function planStop(address: PolecatAddress, options: StopOptions): StopInput {
  const location = locate(address, options);
  return {
    runId: options.runId ?? randomUUID(),
    rig: address.rig,
    name: address.name,
    townRoot: location.townRoot,
    socket: location.socket,
    sessionName: location.sessionName,
    force: options.force ?? false,
    gracefulMs: options.gracefulMs ?? 3_000,
    killGraceMs: options.killGraceMs ?? 2_000,
  };
}
