import { fromPromise } from 'xstate';
import type { StepResult, WaitInput } from '../../machines/startup.js';
import { lastLines } from '../agents/screen.js';
import { foregroundCommand, processAgeMs, readProcess } from '../proc/process-tree.js';
import type { StepDeps } from './deps.js';
import { StepError } from './errors.js';
import { isShell, lookAtPane, sleep } from './watch.js';

/**
 * The longest an agent gets to settle: past this, a process still busy (a slow start on a loaded machine, an
 * animation that never idles) counts as up, and the dialog step starts looking at its screen.
 */
export const AGENT_SETTLE_MS = 1_000;
/** The least: an agent that dies in its first moments (bad flags, missing module) fails here, as a failed launch. */
export const AGENT_MIN_UP_MS = 50;
/** No CPU used for this long: the agent has started up and waits for input (a TUI has drawn its first screen). */
export const AGENT_IDLE_MS = 30;
/** /proc reads cost no process, so they can be close together. */
const PROC_POLL_MS = 10;

/**
 * The agent process is up: the pane runs something other than a shell, and has settled (it stopped using CPU, or
 * has run for AGENT_SETTLE_MS); for an agent wrapped in a shell script, its settings hook set GT_AGENT_READY=1 in
 * the session. The pane dying fails at once.
 *
 * Watched through /proc (the pane's process and its terminal's foreground group, as tmux itself reads them): this
 * wait costs no tmux process until something is wrong, when one look at the pane gives its exit status and screen.
 * Waiting here until the agent settles, rather than looking at its screen while it starts, keeps the looks that
 * follow few.
 */
export const waitForCommand = (deps: StepDeps) =>
  fromPromise<StepResult, WaitInput>(async ({ input: { plan, session, deadline }, signal }) => {
    const tmux = deps.tmux(plan.socket);
    let cpuTicks = -1;
    let busyAt = Date.now();
    for (;;) {
      const agent = readProcess(session.panePid);
      const command = agent ? foregroundCommand(agent) : undefined;
      let askedTmux = false;
      if (!agent || command === undefined) {
        // Gone: the look fails the step with how the agent ended and its last screen.
        await lookAtPane(tmux, session.paneId, signal, 'before its process was up');
        askedTmux = true;
      } else if (!isShell(command)) {
        if (agent.cpuTicks !== cpuTicks || agent.running) {
          cpuTicks = agent.cpuTicks;
          busyAt = Date.now();
        }
        const age = processAgeMs(agent);
        if (age >= AGENT_SETTLE_MS || (age >= AGENT_MIN_UP_MS && Date.now() - busyAt >= AGENT_IDLE_MS)) return {};
      } else if (processAgeMs(agent) >= AGENT_SETTLE_MS) {
        // An agent wrapped in a shell script keeps the shell's name; its session-start hook says it is up instead.
        askedTmux = true;
        if ((await tmux.showEnvironment(plan.sessionName, { signal })).GT_AGENT_READY === '1') return {};
      }
      if (Date.now() >= deadline) {
        const { screen } = await lookAtPane(tmux, session.paneId, signal, 'before its process was up');
        throw new StepError(`the agent process did not start before the deadline: the pane still runs ${command ?? 'nothing'}`, {
          screen: lastLines(screen),
        });
      }
      await sleep(askedTmux ? deps.pollMs : PROC_POLL_MS, signal);
    }
  });
