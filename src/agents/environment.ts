import type { PolecatAddress } from '../town/names.js';

export interface AgentEnvironmentInput {
  readonly address: PolecatAddress;
  readonly townRoot: string;
  readonly workDir: string;
  readonly sessionName: string;
  readonly agentName: string;
  readonly processNames: readonly string[];
  readonly runId: string;
}

/**
 * The environment a polecat's agent starts with (and that its session table keeps for later readers).
 * Only these names: the caller's own identity variables never reach the agent.
 */
export function agentEnvironment(input: AgentEnvironmentInput): Record<string, string> {
  const { rig, name } = input.address;
  const env: Record<string, string> = {
    GT_ROLE: `${rig}/polecats/${name}`,
    GT_RIG: rig,
    GT_POLECAT: name,
    GT_ROOT: input.townRoot,
    GT_TOWN_ROOT: input.townRoot,
    GT_POLECAT_PATH: input.workDir,
    GT_SESSION: input.sessionName,
    GT_AGENT: input.agentName,
    GT_PROCESS_NAMES: input.processNames.join(','),
    GT_RUN: input.runId,
    BD_ACTOR: `${rig}/polecats/${name}`,
    BEADS_AGENT_NAME: `${rig}/${name}`,
    GIT_AUTHOR_NAME: name,
    GIT_CEILING_DIRECTORIES: input.townRoot,
    // Inherited values break agents: NODE_OPTIONS can preload debuggers, CLAUDECODE=1 makes Claude refuse to start.
    NODE_OPTIONS: '',
    CLAUDECODE: '',
  };
  // Claude refuses --dangerously-skip-permissions as root unless it is told it runs in a sandbox.
  if (input.agentName === 'claude' && process.getuid?.() === 0) env.IS_SANDBOX = '1';
  return env;
}
