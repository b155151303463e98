import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { fromPromise } from 'xstate';
import type { SessionInfo, StartupInput } from '../../machines/startup.js';
import { lastLines } from '../agents/screen.js';
import { buildStartupCommand } from '../agents/shell.js';
import { firstPaneTarget } from '../tmux/client.js';
import { formatTemplate, PANE_FIELDS, parseRow } from '../tmux/formats.js';
import { killSessionWithProcesses } from '../tmux/kill.js';
import { isDirectory } from '../town/town.js';
import type { StepDeps } from './deps.js';
import { StepError } from './errors.js';

/**
 * The session on the town socket, in one tmux call: a detached session (environment by `-e`), `window-size latest`
 * (else tmux pins detached windows to 80x24), `remain-on-exit on` (so a dying agent leaves its exit status and
 * screen), then the agent replaces the shell with `respawn-pane -k`. A pane already dead fails the step at once.
 */
export const createSession = (deps: StepDeps) =>
  fromPromise<SessionInfo, StartupInput>(async ({ input, signal }) => {
    if (!isDirectory(input.workDir)) throw new StepError(`work directory ${input.workDir} does not exist or is not a directory`);
    await checkProgram(input.agent.argv[0]!, input.env.PATH ?? process.env.PATH ?? '');
    const tmux = deps.tmux(input.socket);
    const command = buildStartupCommand(input.env, input.agent.argv);
    const session = input.sessionName;
    const pane = firstPaneTarget(session);
    const envArgs = Object.keys(input.env)
      .sort()
      .flatMap((key) => ['-e', `${key}=${input.env[key]}`]);
    const created = await tmux.batch(
      [
        ['new-session', '-d', '-s', session, '-c', input.workDir, '-x', '200', '-y', '50', ...envArgs, '-P', '-F', formatTemplate(PANE_FIELDS)],
        ['set-option', '-w', '-t', pane, 'window-size', 'latest'],
        ['set-option', '-w', '-t', pane, 'remain-on-exit', 'on'],
        ['respawn-pane', '-k', '-t', pane, '-c', input.workDir, command],
      ],
      { signal },
    );
    const { paneId, panePid } = parseRow(PANE_FIELDS, created.split('\n')[0] ?? '');
    try {
      const info = await tmux.paneInfo(paneId, { signal });
      if (info.dead) {
        const screen = await tmux.capturePane(paneId, { signal }).catch(() => '');
        throw new StepError(`the agent exited with status ${info.deadStatus ?? 'unknown'} as soon as it started: ${command.slice(0, 300)}`, {
          screen: lastLines(screen),
          ...(info.deadStatus !== undefined ? { exitStatus: info.deadStatus } : {}),
        });
      }
      return { paneId, panePid: info.panePid ?? panePid ?? 0 };
    } catch (error) {
      // This step made the session; it does not leave a half-made one behind.
      await killSessionWithProcesses(tmux, session, { graceMs: 500 }).catch(() => undefined);
      throw error;
    }
  });

/** An absolute program must exist and be executable; a bare name must be found on PATH. */
async function checkProgram(program: string, path: string): Promise<void> {
  const candidates = isAbsolute(program) || program.includes('/') ? [program] : path.split(delimiter).filter(Boolean).map((dir) => join(dir, program));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return;
    } catch {
      // try the next one
    }
  }
  throw new StepError(
    isAbsolute(program) ? `agent program not found or not executable: ${program}` : `agent program ${JSON.stringify(program)} not found on PATH`,
  );
}
