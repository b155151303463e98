import { fromPromise } from 'xstate';
import type { StepResult, WaitInput } from '../../machines/startup.js';
import { lastLines } from '../agents/screen.js';
import { foregroundCommand, processAgeMs, readProcess } from '../tmux/process-tree.js';
import type { StepDeps } from './deps.js';
import { StepError } from './errors.js';
import { isShell, lookAtPane, sleep } from './watch.js';

/**
 * An agent that dies in its first moments (bad flags, missing module, no credentials) is a failed launch, not a
 * dialog problem: the process must have stayed up this long before the step is done.
 */
export const AGENT_SETTLE_MS = 300;

/**
 * The agent process is up: the pane runs something other than a shell, and has for a moment (or, for an agent
 * wrapped in a shell script, its settings hook set GT_AGENT_READY=1 in the session). The pane dying fails at once.
 *
 * Watched through /proc (the pane's process and its terminal's foreground group, as tmux itself reads them): this
 * wait costs no tmux process until something is wrong, when one look at the pane gives its exit status and screen.
 */
export const waitForCommand = (deps: StepDeps) =>
  fromPromise<StepResult, WaitInput>(async ({ input: { plan, session, deadline }, signal }) => {
    const tmux = deps.tmux(plan.socket);
    for (;;) {
      const agent = readProcess(session.panePid);
      const command = foregroundCommand(session.panePid);
      // Gone: the look fails the step with how the agent ended and its last screen.
      if (!agent || command === undefined) await lookAtPane(tmux, session.paneId, signal, 'before its process was up');
      else if (!isShell(command) && processAgeMs(agent) >= AGENT_SETTLE_MS) return {};
      // An agent wrapped in a shell script keeps the shell's name; its session-start hook says it is up instead.
      else if (isShell(command) && (await tmux.showEnvironment(plan.sessionName, { signal })).GT_AGENT_READY === '1') return {};
      if (Date.now() >= deadline) {
        const { screen } = await lookAtPane(tmux, session.paneId, signal, 'before its process was up');
        throw new StepError(`the agent process did not start before the deadline: the pane still runs ${command ?? 'nothing'}`, {
          screen: lastLines(screen),
        });
      }
      await sleep(deps.pollMs, signal);
    }
  });
