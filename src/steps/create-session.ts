import { rm } from 'node:fs/promises';
import { fromPromise } from 'xstate';
import type { SessionInfo, StartupInput } from '../../machines/startup.js';
import { agentInheritance, credentialsFrom } from '../agents/environment.js';
import { programNotFoundMessage, resolveProgram } from '../agents/program.js';
import { lastLines } from '../agents/screen.js';
import { buildStartupCommand, credentialsScript } from '../agents/shell.js';
import { writeFileAtomic } from '../files/atomic.js';
import { readProcess } from '../proc/process-tree.js';
import { TmuxError } from '../tmux/errors.js';
import { describeExit, type PaneInfo } from '../tmux/formats.js';
import { isDirectory } from '../town/town.js';
import type { StepDeps } from './deps.js';
import { StepError } from './errors.js';
import { killSessionWithProcesses } from './session-processes.js';

/**
 * The session on the town socket, in one tmux call (Tmux.createAgentSession): the agent replaces the pane's shell,
 * run by `/bin/sh -c` (the startup command is POSIX shell, whatever shell the user logs in with), and its pane stays
 * when it dies, with its exit status and screen. A pane already dead fails the step at once.
 *
 * The caller's credentials reach the agent through a 0600 file its shell reads and deletes, never through tmux's
 * command line; variables the server's environment has and the agent should not are unset.
 */
export const createSession = (deps: StepDeps) =>
  fromPromise<SessionInfo, StartupInput>(async ({ input, signal }) => {
    if (!isDirectory(input.workDir)) throw new StepError(`work directory ${input.workDir} does not exist or is not a directory`);
    const [program, ...args] = input.agent.argv;
    // The absolute path goes into the command: what was checked is what runs, whatever PATH the tmux server has.
    const resolved = resolveProgram(program!, process.env.PATH, input.workDir);
    if (!resolved) throw new StepError(programNotFoundMessage(program!));
    const tmux = deps.tmux(input.socket);
    const credentials = credentialsFrom(process.env);
    const hasCredentials = Object.keys(credentials).length > 0;
    if (hasCredentials) await writeFileAtomic(input.credentialsFile, credentialsScript(credentials), 0o600);
    const command = buildStartupCommand(input.env, [resolved, ...args], {
      keep: agentInheritance(Object.keys(credentials)),
      ...(hasCredentials ? { credentialsFile: input.credentialsFile } : {}),
    });
    const session = input.sessionName;
    const create = () => tmux.createAgentSession({ name: session, workDir: input.workDir, env: input.env, command });
    let info: PaneInfo;
    try {
      info = await create().catch(async (error: unknown) => {
        if (!(error instanceof TmuxError && error.code === 'session-exists')) throw error;
        // This run made it before it was interrupted (a resumed run repeats this step): make it again, from scratch.
        let env: Record<string, string>;
        try {
          env = await tmux.showEnvironment(session, { signal });
        } catch (lookError) {
          throw new StepError(`session ${session} already exists on socket ${input.socket}, and which run made it cannot be read: ${(lookError as Error).message}`, {
            cause: lookError,
          });
        }
        if (env.GT_RUN !== input.runId) {
          throw new StepError(`session ${session} already exists on socket ${input.socket}: another start of this polecat got there first`);
        }
        await killSessionWithProcesses(tmux, session, { graceMs: 1_000, signal });
        return create();
      });
    } catch (error) {
      await rm(input.credentialsFile, { force: true });
      throw error;
    }
    try {
      if (info.dead) {
        const screen = await tmux.capturePane(info.paneId, { signal }).catch(() => '');
        throw new StepError(`the agent exited with ${describeExit(info.deadStatus, info.deadSignal)} as soon as it started: ${command.slice(0, 300)}`, {
          screen: lastLines(screen),
          ...(info.deadStatus !== undefined ? { exitStatus: info.deadStatus } : {}),
        });
      }
      const panePid = info.panePid ?? 0;
      const startTime = readProcess(panePid)?.startTime;
      return { paneId: info.paneId, panePid, ...(startTime !== undefined ? { paneStartTime: startTime } : {}) };
    } catch (error) {
      // This step made the session; it does not leave a half-made one, or the credentials file, behind.
      await killSessionWithProcesses(tmux, session, { graceMs: 500 }).catch(() => undefined);
      await rm(input.credentialsFile, { force: true });
      throw error;
    }
  });
