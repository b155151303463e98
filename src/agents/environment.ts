import type { Inheritance } from './shell.js';
import type { PolecatAddress } from '../town/names.js';

export interface AgentEnvironmentInput {
  readonly address: PolecatAddress;
  readonly townRoot: string;
  readonly workDir: string;
  readonly sessionName: string;
  readonly agentName: string;
  readonly processNames: readonly string[];
  readonly runId: string;
  /** The preset's own variables (e.g. OPENCODE_PERMISSION). */
  readonly presetEnv: Readonly<Record<string, string>>;
}

/**
 * Credentials and connection settings an agent needs from the caller. ANTHROPIC_BASE_URL is left out on purpose:
 * one provider's endpoint leaked into Claude polecats in Gas Town.
 */
export const CREDENTIAL_ALLOW_LIST: readonly string[] = [
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'ANTHROPIC_CUSTOM_HEADERS',
  'ANTHROPIC_MODEL',
  'ANTHROPIC_DEFAULT_HAIKU_MODEL',
  'ANTHROPIC_DEFAULT_SONNET_MODEL',
  'ANTHROPIC_DEFAULT_OPUS_MODEL',
  'ANTHROPIC_SMALL_FAST_MODEL_AWS_REGION',
  'CLAUDE_CODE_SUBAGENT_MODEL',
  'CLAUDE_CODE_USE_BEDROCK',
  'CLAUDE_CODE_SKIP_BEDROCK_AUTH',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_PROFILE',
  'AWS_BEARER_TOKEN_BEDROCK',
  'CLAUDE_CODE_USE_FOUNDRY',
  'ANTHROPIC_FOUNDRY_API_KEY',
  'ANTHROPIC_FOUNDRY_RESOURCE',
  'CLAUDE_CODE_SKIP_FOUNDRY_AUTH',
  'CLAUDE_CODE_USE_VERTEX',
  'CLAUDE_CODE_SKIP_VERTEX_AUTH',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GOOGLE_CLOUD_PROJECT',
  'GOOGLE_CLOUD_LOCATION',
  'CLOUD_ML_REGION',
  'AWS_DEFAULT_REGION',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'GH_TOKEN',
  'GITHUB_TOKEN',
  'CLAUDE_CODE_CLIENT_CERT',
  'CLAUDE_CODE_CLIENT_KEY',
  'CLAUDE_CODE_CLIENT_KEY_PASSPHRASE',
  'OPENAI_API_KEY',
  'GEMINI_API_KEY',
  'GOOGLE_API_KEY',
  'GOOGLE_GENAI_USE_VERTEXAI',
  'CURSOR_API_KEY',
  'COPILOT_GITHUB_TOKEN',
  'COPILOT_PROVIDER_API_KEY',
  'AMP_API_KEY',
  'AUGMENT_SESSION_AUTH',
];

/** Variables matched by prefix (Vertex region overrides such as VERTEX_REGION_CLAUDE_3_5_SONNET). */
const CREDENTIAL_PREFIXES: readonly string[] = ['VERTEX_'];

/** Who an agent is. The caller's values must never reach a polecat; the ones polecat does not set are unset. */
export const IDENTITY_VARIABLES: readonly string[] = [
  'GT_ROLE',
  'GT_RIG',
  'GT_CREW',
  'GT_POLECAT',
  'GT_DOG_NAME',
  'GT_SESSION',
  'GT_AGENT',
  'BD_ACTOR',
  'GIT_AUTHOR_NAME',
  'BEADS_AGENT_NAME',
];

export function credentialsFrom(callerEnv: NodeJS.ProcessEnv): Record<string, string> {
  const passed: Record<string, string> = {};
  for (const [key, value] of Object.entries(callerEnv)) {
    if (value === undefined) continue;
    if (CREDENTIAL_ALLOW_LIST.includes(key) || CREDENTIAL_PREFIXES.some((prefix) => key.startsWith(prefix))) passed[key] = value;
  }
  return passed;
}

/**
 * What an agent keeps of the environment it would inherit from the tmux server: where it runs and for whom
 * (PATH, HOME, locale, terminal, the SSH agent for git). Everything else there is unset, so nothing one caller had
 * when the server started (a key, another provider's endpoint, an identity) reaches another caller's polecat.
 */
const BASE_ENVIRONMENT: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'TERM',
  'COLORTERM',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'TMUX_TMPDIR',
  'XDG_RUNTIME_DIR',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'XDG_CACHE_HOME',
  'SSH_AUTH_SOCK',
  'EDITOR',
  'VISUAL',
  'PAGER',
  // Certificate bundles: behind a corporate proxy, without them nothing reaches the network.
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NODE_EXTRA_CA_CERTS',
  'CURL_CA_BUNDLE',
  'REQUESTS_CA_BUNDLE',
  'GIT_SSL_CAINFO',
  'AWS_CA_BUNDLE',
  'TMUX',
  'TMUX_PANE',
];
// LC_* is locale; POLECAT_TEST_* is the test suite's tmux guard, which must see its own settings.
const BASE_PREFIXES: readonly string[] = ['LC_', 'POLECAT_TEST_'];

/**
 * What an agent keeps of what its pane inherits: the base variables and the credentials the caller passes now.
 * Everything else (another caller's key or endpoint left in the server's environment, identity variables polecat
 * does not set) is removed by the startup command; what polecat sets is set there explicitly.
 */
export function agentInheritance(credentialNames: readonly string[]): Inheritance {
  return { names: [...BASE_ENVIRONMENT, ...credentialNames], prefixes: BASE_PREFIXES };
}

export function isBaseVariable(key: string): boolean {
  return BASE_ENVIRONMENT.includes(key) || BASE_PREFIXES.some((prefix) => key.startsWith(prefix));
}

/** The part of an environment tmux clients (and so a tmux server polecat starts) get: the base variables only. */
export function baseEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && isBaseVariable(entry[0])));
}

/**
 * The environment a polecat's agent starts with (and that its session table keeps for later readers): the preset's
 * variables, then polecat's identity on top. Credentials are not here: they never go on a command line (see
 * credentialsFrom and the startup command's credentials file).
 */
export function agentEnvironment(input: AgentEnvironmentInput): Record<string, string> {
  const { rig, name } = input.address;
  const env: Record<string, string> = {
    ...input.presetEnv,
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
    BD_DOLT_AUTO_COMMIT: 'off',
    BD_BACKUP_ENABLED: 'false',
    BEADS_DOLT_AUTO_START: '0',
    GIT_AUTHOR_NAME: name,
    GIT_CEILING_DIRECTORIES: input.townRoot,
    // Inherited values break agents: NODE_OPTIONS can preload debuggers, CLAUDECODE=1 makes Claude refuse to start.
    NODE_OPTIONS: input.presetEnv.NODE_OPTIONS ?? '',
    CLAUDECODE: '',
  };
  // Claude refuses --dangerously-skip-permissions as root unless it is told it runs in a sandbox.
  if (process.getuid?.() === 0) env.IS_SANDBOX = '1';
  return env;
}
