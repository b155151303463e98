import { InFlight } from '../runs/in-flight.js';
import { TmuxError, type TmuxCallResult } from './errors.js';
import { formatLiteral, formatTemplate, PANE_FIELDS, parseRow, parseRows, SESSION_FIELDS, type PaneInfo, type SessionRow } from './formats.js';
import { createTerminalRunner, createTmuxRunner, type TerminalRunner, type TmuxRunner, type TmuxRunnerOptions } from './run.js';

export interface Signalled {
  readonly signal?: AbortSignal;
}

export interface AgentSessionRequest {
  readonly name: string;
  readonly workDir: string;
  /** The pane's environment, given to new-session by `-e`. */
  readonly env: Readonly<Record<string, string>>;
  /** The agent's startup command (POSIX shell), run by `/bin/sh -c` in place of the pane's shell. */
  readonly command: string;
}

/** What polecat records on a session it made: read back by `list` and `status` (SESSION_FIELDS) in one tmux call. */
export interface PolecatRecord {
  /** The session's environment table, read by later tools run in the session. */
  readonly environment: Readonly<Record<string, string>>;
  readonly rig: string;
  readonly name: string;
  readonly town: string;
  /** The agent's pane id. */
  readonly pane: string;
  readonly run: string;
  readonly agent: string;
}

export interface StatusTheme {
  readonly bg: string;
  readonly fg: string;
  /** Plain text for the left of the status bar; escaped here, so no name can inject a format. */
  readonly label: string;
}

export interface AttachOptions {
  /** This process runs in a pane of the same server: its client switches to the session instead of attaching. */
  readonly switchClient?: boolean;
  /** This process runs in a pane of another tmux server, which tmux refuses to attach from while $TMUX names it. */
  readonly insideOtherServer?: boolean;
}

export interface CaptureRequest extends Signalled {
  /** Lines of scrollback above the visible screen to include. */
  readonly scrollback?: number;
}

/**
 * Exact-match target for a session: `=name:` so that `gt-a` never matches `gt-ab`. The trailing colon makes the
 * same target work for commands that resolve a window or pane (set-option does; a bare `=name` fails there).
 */
function sessionTarget(name: string): string {
  return `=${name}:`;
}

/** display-message's row for a pane; it answers a target that does not exist with empty fields and exit 0. */
function paneRow(result: TmuxCallResult, row: string, target: string): PaneInfo {
  const info = parseRow(PANE_FIELDS, row);
  if (info.paneId === '') throw new TmuxError('session-not-found', 'display-message', { ...result, stderr: `can't find pane: ${target}` });
  return info;
}

/**
 * A tmux client bound to one server socket. Every tmux command polecat runs is a method here, attach included: each
 * is built on the same checked socket and counted (tmuxSpawnCount). `batch` takes raw commands, for tests that drive
 * tmux as a user would. The one tmux call polecat does not run itself, the agents' ready hook, is in hook-commands.ts.
 */
export class Tmux {
  readonly socket: string;
  private readonly run: TmuxRunner;
  private readonly runInTerminal: TerminalRunner;
  private readonly inFlight = new InFlight();

  constructor(options: TmuxRunnerOptions) {
    this.socket = options.socket;
    const run = createTmuxRunner(options);
    this.run = (args, call) => this.inFlight.track(run(args, call));
    this.runInTerminal = createTerminalRunner(options);
  }

  /**
   * Resolves once every call this client has made so far has ended (calls made meanwhile, by other runs sharing the
   * client, are not waited for): a session being made when the run was cancelled is there once this resolves.
   */
  async settled(): Promise<void> {
    await this.inFlight.settled();
  }

  async hasSession(name: string, { signal }: Signalled = {}): Promise<boolean> {
    try {
      await this.run(['has-session', '-t', sessionTarget(name)], { signal });
      return true;
    } catch (error) {
      if (error instanceof TmuxError && error.isGone) return false;
      throw error;
    }
  }

  /**
   * The agent's session in one tmux process: a detached session (environment by `-e`), `window-size latest` (else
   * tmux pins detached windows to 80x24), `remain-on-exit on` (so a dying agent leaves its exit status and screen),
   * then `respawn-pane -k` replacing the shell with the agent, and the pane's row after the respawn: the agent's pid
   * and whether it is already dead. The target `=name:` is the new session's only pane, whatever base-index the
   * user's tmux.conf sets.
   *
   * It takes no abort signal: a tmux client killed after sending this may still get the session made. The call ends
   * on its own (the runner's timeout bounds it), and a rollback waits for it (`settled`) before it looks.
   */
  async createAgentSession(request: AgentSessionRequest): Promise<PaneInfo> {
    const pane = sessionTarget(request.name);
    // tmux expands `-c` as a format: a `#` in the town's path must stay a `#`, and `#(...)` must not run.
    const workDir = formatLiteral(request.workDir);
    const envArgs = Object.keys(request.env)
      .sort()
      .flatMap((key) => ['-e', `${key}=${request.env[key]}`]);
    const stdout = await this.batch([
      ['new-session', '-d', '-s', request.name, '-c', workDir, '-x', '200', '-y', '50', ...envArgs, '-P', '-F', formatTemplate(PANE_FIELDS)],
      ['set-option', '-w', '-t', pane, 'window-size', 'latest'],
      ['set-option', '-w', '-t', pane, 'remain-on-exit', 'on'],
      // Given as /bin/sh -c COMMAND, tmux runs it directly, not through the user's default-shell.
      ['respawn-pane', '-k', '-t', pane, '-c', workDir, '/bin/sh', '-c', request.command],
      ['display-message', '-p', '-t', pane, formatTemplate(PANE_FIELDS)],
    ]);
    return parseRow(PANE_FIELDS, stdout.split('\n').at(-1) ?? '');
  }

  /** The session's environment table and polecat's session options (`@polecat_*`), in one tmux process. */
  async recordPolecat(session: string, record: PolecatRecord, { signal }: Signalled = {}): Promise<void> {
    const target = sessionTarget(session);
    const options: Record<string, string> = {
      '@polecat_rig': record.rig,
      '@polecat_name': record.name,
      '@polecat_town': record.town,
      '@polecat_pane': record.pane,
      '@polecat_run': record.run,
      '@polecat_agent': record.agent,
    };
    await this.batch(
      [
        ...Object.entries(record.environment).map(([key, value]) => ['set-environment', '-t', target, key, value]),
        ...Object.entries(options).map(([key, value]) => ['set-option', '-t', target, key, value]),
      ],
      { signal },
    );
  }

  /** The session's status bar colours and its label, in one tmux process. */
  async setStatusTheme(session: string, theme: StatusTheme, { signal }: Signalled = {}): Promise<void> {
    const target = sessionTarget(session);
    await this.batch(
      [
        ['set-option', '-t', target, 'status-style', `bg=${theme.bg},fg=${theme.fg}`],
        ['set-option', '-t', target, 'status-left-length', '40'],
        // `#` starts a tmux format in status-left.
        ['set-option', '-t', target, 'status-left', formatLiteral(theme.label)],
      ],
      { signal },
    );
  }

  async paneInfo(target: string, { signal }: Signalled = {}): Promise<PaneInfo> {
    const result = await this.run(['display-message', '-p', '-t', target, formatTemplate(PANE_FIELDS)], { signal });
    return paneRow(result, result.stdout, target);
  }

  /**
   * The pane's state and its screen from one tmux process: waits look at a pane every poll, and a process per
   * question is what makes peers crawl at dozens of sessions.
   */
  async look(target: string, { signal }: Signalled = {}): Promise<{ info: PaneInfo; screen: string }> {
    const result = await this.run(['display-message', '-p', '-t', target, formatTemplate(PANE_FIELDS), ';', 'capture-pane', '-p', '-J', '-t', target], {
      signal,
    });
    const newline = result.stdout.indexOf('\n');
    const info = paneRow(result, newline === -1 ? result.stdout : result.stdout.slice(0, newline), target);
    return { info, screen: newline === -1 ? '' : result.stdout.slice(newline + 1) };
  }

  async capturePane(target: string, { signal, scrollback = 0 }: CaptureRequest = {}): Promise<string> {
    const start = scrollback > 0 ? ['-S', String(-scrollback)] : [];
    const { stdout } = await this.run(['capture-pane', '-p', '-J', '-t', target, ...start], { signal });
    return stdout;
  }

  /** Sends key names (`Enter`, `Down`, `C-c`), not text. */
  async sendKeys(target: string, keys: readonly string[], { signal }: Signalled = {}): Promise<void> {
    await this.run(['send-keys', '-t', target, ...keys], { signal });
  }

  /**
   * Types text literally. tmux's parser takes an argument ending in `;` as a command separator, so trailing
   * semicolons are sent escaped, one argument each.
   */
  async sendText(target: string, text: string, { signal }: Signalled = {}): Promise<void> {
    const body = text.replace(/;+$/, '');
    const semicolons = text.length - body.length;
    const parts = [...(body ? [body] : []), ...Array<string>(semicolons).fill('\\;')];
    if (parts.length > 0) await this.run(['send-keys', '-l', '-t', target, '--', ...parts], { signal });
  }

  /** Pastes text with bracketed paste through a uniquely named buffer that is deleted after use. */
  async pasteText(target: string, text: string, bufferName: string, { signal }: Signalled = {}): Promise<void> {
    await this.run(['load-buffer', '-b', bufferName, '-'], { signal, input: text });
    await this.run(['paste-buffer', '-p', '-d', '-b', bufferName, '-t', target], { signal });
  }

  async showEnvironment(session: string, { signal }: Signalled = {}): Promise<Record<string, string>> {
    const { stdout } = await this.run(['show-environment', '-t', sessionTarget(session)], { signal });
    const env: Record<string, string> = {};
    for (const line of stdout.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0 && !line.startsWith('-')) env[line.slice(0, eq)] = line.slice(eq + 1);
    }
    return env;
  }

  /** The tmux server's own pid. */
  async serverPid({ signal }: Signalled = {}): Promise<number | undefined> {
    const { stdout } = await this.run(['display-message', '-p', '#{pid}'], { signal });
    return /^\d+$/.test(stdout) ? Number(stdout) : undefined;
  }

  /** The pids of every pane of a session (all windows). */
  async sessionPanePids(session: string, { signal }: Signalled = {}): Promise<number[]> {
    const { stdout } = await this.run(['list-panes', '-s', '-t', sessionTarget(session), '-F', '#{pane_pid}'], { signal });
    return stdout
      .split('\n')
      .filter((line) => /^\d+$/.test(line))
      .map(Number);
  }

  /** Runs several tmux commands in one tmux process, separated by `;` arguments. */
  async batch(commands: ReadonlyArray<readonly string[]>, { signal }: Signalled = {}): Promise<string> {
    const args = commands.flatMap((command, index) => [...(index > 0 ? [';'] : []), ...command]);
    if (args.length === 0) return '';
    const { stdout } = await this.run(args, { signal });
    return stdout;
  }

  /** Every pane of one session with the session's polecat options; an absent session (or server) has none. */
  async sessionPanes(session: string, { signal }: Signalled = {}): Promise<SessionRow[]> {
    return this.goneMeansNone(() => this.run(['list-panes', '-s', '-t', sessionTarget(session), '-F', formatTemplate(SESSION_FIELDS)], { signal }));
  }

  /** The agent pane of every polecat session on the server, in one tmux call. */
  async listPolecatPanes({ signal }: Signalled = {}): Promise<SessionRow[]> {
    const agentPanesOnly = '#{&&:#{@polecat_pane},#{==:#{pane_id},#{@polecat_pane}}}';
    return this.goneMeansNone(() => this.run(['list-panes', '-a', '-f', agentPanesOnly, '-F', formatTemplate(SESSION_FIELDS)], { signal }));
  }

  private async goneMeansNone(call: () => ReturnType<TmuxRunner>): Promise<SessionRow[]> {
    try {
      return parseRows(SESSION_FIELDS, (await call()).stdout);
    } catch (error) {
      if (error instanceof TmuxError && error.isGone) return [];
      throw error;
    }
  }

  /**
   * Hands this process's terminal to tmux on the session until the user detaches; returns tmux's exit code. The
   * client gets this process's environment (its terminal is the user's), not the clean one of the other calls.
   */
  attach(session: string, { switchClient = false, insideOtherServer = false }: AttachOptions = {}): number {
    const env = { ...process.env };
    if (insideOtherServer) {
      delete env.TMUX;
      delete env.TMUX_PANE;
    }
    return this.runInTerminal([switchClient ? 'switch-client' : 'attach-session', '-t', sessionTarget(session)], { env });
  }

  /** Kills a session; one that is already gone counts as killed. */
  async killSession(name: string, { signal }: Signalled = {}): Promise<void> {
    try {
      await this.run(['kill-session', '-t', sessionTarget(name)], { signal });
    } catch (error) {
      if (error instanceof TmuxError && error.isGone) return;
      throw error;
    }
  }

  async killServer({ signal }: Signalled = {}): Promise<void> {
    try {
      await this.run(['kill-server'], { signal });
    } catch (error) {
      if (error instanceof TmuxError && error.isGone) return;
      throw error;
    }
  }
}
