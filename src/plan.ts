import { randomUUID } from 'node:crypto';
import type { StartupInput, StartupTimeouts } from '../machines/startup.js';
import type { StopInput } from '../machines/stop.js';
import { agentEnvironment } from './agents/environment.js';
import { resolveAgent } from './agents/launch.js';
import { settingsPlan } from './agents/settings.js';
import { InvalidInputError, type PolecatAddress } from './town/names.js';
import { polecatPaths, resolveTownRoot, sessionName, townSocketName } from './town/town.js';

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
}

const ISSUE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function defaultStartupText(address: PolecatAddress, issue: string | undefined): string {
  const who = `You are polecat ${address.name} of rig ${address.rig}.`;
  return issue === undefined ? `${who} Check your hook and begin work.` : `${who} Your issue is ${issue}: run bd show ${issue} and begin work.`;
}

/** Everything the startup machine needs, checked before anything happens: a bad value throws InvalidInputError. */
export function planStart(address: PolecatAddress, options: StartOptions): StartupInput {
  if (options.issue !== undefined && !ISSUE_ID.test(options.issue)) {
    throw new InvalidInputError(`invalid issue id ${JSON.stringify(options.issue)}: use letters, digits, '.', '_' and '-'`);
  }
  const location = locate(address, options);
  const paths = polecatPaths(location.townRoot, address);
  const launch = resolveAgent(options.agent);
  const settings = settingsPlan(launch.preset, paths.polecatsDir);
  const argv = [...launch.argv];
  if (settings.args.length > 0 && !argv.includes('--settings')) argv.push(...settings.args);
  const startupText = options.prompt ?? defaultStartupText(address, options.issue);
  if (launch.preset.promptMode === 'arg' && startupText !== '') argv.push(startupText);
  const runId = options.runId ?? randomUUID();
  const env = {
    ...launch.preset.env,
    ...agentEnvironment({
      address,
      townRoot: location.townRoot,
      workDir: paths.workDir,
      sessionName: location.sessionName,
      agentName: launch.preset.name,
      processNames: launch.preset.processNames,
      runId,
    }),
  };
  return {
    runId,
    rig: address.rig,
    name: address.name,
    townRoot: location.townRoot,
    socket: location.socket,
    sessionName: location.sessionName,
    polecatDir: paths.polecatDir,
    workDir: paths.workDir,
    beadsDir: paths.rigDir,
    ...(options.issue !== undefined ? { issue: options.issue } : {}),
    agent: {
      name: launch.preset.name,
      argv,
      processNames: [...launch.preset.processNames],
      promptMode: launch.preset.promptMode,
      readyPromptPrefix: launch.preset.readyPromptPrefix,
      ...(settings.path !== undefined ? { settingsPath: settings.path } : {}),
    },
    env,
    startupText,
    timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
  };
}

export interface StopOptions extends LocateOptions {
  readonly force?: boolean;
  readonly gracefulMs?: number;
  readonly killGraceMs?: number;
}

export function planStop(address: PolecatAddress, options: StopOptions): StopInput {
  const location = locate(address, options);
  return {
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
