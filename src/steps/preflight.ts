import { dirname } from 'node:path';
import { fromPromise } from 'xstate';
import type { StartupInput, StepResult } from '../../machines/startup.js';
import { programNotFoundMessage, resolveProgram } from '../agents/program.js';
import { describeExit } from '../tmux/formats.js';
import { agentAlive, ownSession } from '../town/session-owner.js';
import { isDirectory } from '../town/town.js';
import { isRepoRig, worktreeProblem } from '../town/worktree.js';
import type { StepDeps } from './deps.js';
import { awaitExitStatus } from './watch.js';
import { StepError } from './errors.js';
import { killSessionWithProcesses } from './session-processes.js';

/**
 * Before anything is written or started: the polecat and its work directory exist, the agent program is there, and
 * the session is not running. A session of this polecat whose agent has exited is stale: it is replaced, along with
 * every process still left in it. A session with the same name that is not this polecat's is never touched.
 */
export const preflight = (deps: StepDeps) =>
  fromPromise<StepResult, StartupInput>(async ({ input, signal }) => {
    const rigDir = dirname(dirname(input.polecatDir));
    if (!isDirectory(input.polecatDir)) {
      const make = isRepoRig(rigDir) ? ` (polecat add ${input.rig}/${input.name} makes it)` : '';
      throw new StepError(`polecat ${input.rig}/${input.name} not found: ${input.polecatDir} is not a directory${make}`);
    }
    const broken = worktreeProblem(input.polecatDir, input.rig);
    if (broken !== undefined) {
      const address = `${input.rig}/${input.name}`;
      throw new StepError(`polecat ${address} cannot start: ${broken} (polecat remove ${address}, then polecat add ${address})`);
    }
    if (!isDirectory(input.workDir)) throw new StepError(`work directory ${input.workDir} does not exist or is not a directory`);
    const program = input.agent.argv[0]!;
    if (!resolveProgram(program, process.env.PATH, input.workDir)) throw new StepError(programNotFoundMessage(program));

    const tmux = deps.tmux(input.socket);
    const own = await ownSession(tmux, input, 'touch it', { signal });
    if (!own) return {};
    const agent = own.agent;
    // Running as status and the supervisor tell it: an agent /proc shows gone (or a zombie) has exited, even while
    // tmux, slower to see a kill, still shows its pane alive (else a supervisor restarting 1 s after a kill is refused).
    if (agent && agentAlive(agent)) {
      throw new StepError(
        `session ${input.sessionName} is already running on socket ${input.socket} (stop it first: polecat stop ${input.rig}/${input.name})`,
      );
    }
    const ended = agent ? await awaitExitStatus(tmux, agent.paneId, await tmux.paneInfo(agent.paneId, { signal }), signal) : undefined;
    await killSessionWithProcesses(tmux, input.sessionName, { graceMs: 2_000, signal });
    const how = ended ? ` with ${describeExit(ended.deadStatus, ended.deadSignal)}` : '';
    return { warnings: [`replaced stale session ${input.sessionName} (its agent had exited${how})`] };
  });
