import type { StartupInput, StartupOutput } from '../../machines/startup.js';
import { EXIT, formatMs, quoteScreen, type Output } from './output.js';
import { interruptedExitCode } from './signals.js';

const undoneText = (result: StartupOutput) => (result.undone.length > 0 ? result.undone.join('; ') : 'nothing to undo');
const answeredLine = (result: StartupOutput) => (result.dialogsAnswered.length > 0 ? [`  answered: ${result.dialogsAnswered.join('; ')}`] : []);
const warningLines = (result: StartupOutput) => result.warnings.map((warning) => `  warning: ${warning}`);
const failedLine = (label: string, result: StartupOutput) => `${label} failed at ${result.failure?.step ?? 'unknown step'}: ${result.failure?.message ?? 'unknown error'}`;
const screenLines = (result: StartupOutput) => (result.failure?.screen ? [`  last screen:`, quoteScreen(result.failure.screen)] : []);
const cancelledLine = (label: string, result: StartupOutput, total: string) =>
  `${label} start cancelled${result.cancelledIn ? ` in ${result.cancelledIn}` : ''} after ${total}; rolled back: ${undoneText(result)}`;
const lines = (list: readonly string[]) => list.map((line) => `${line}\n`).join('');
const writeLines = (stream: Output['err'], list: readonly string[]) => list.length > 0 && stream.write(lines(list));

/** How a start ended, told the user: the summary on success, else the failed step, its screen and what was undone. */
export function reportStartResult(
  output: Output,
  label: string,
  result: StartupOutput,
  interruptedBy: NodeJS.Signals | undefined,
  totalMs: number,
): number {
  const { err, out } = output;
  const total = formatMs(totalMs);
  writeLines(err, warningLines(result));
  if (result.result === 'running') {
    writeLines(err, answeredLine(result));
    out.write(
      `${label} running in ${total}: session ${result.sessionName}, socket ${result.socket}, pane ${result.session?.paneId}, agent pid ${result.session?.panePid}\n` +
        `  attach: tmux -L ${result.socket} attach -t ${result.sessionName}\n`,
    );
    return EXIT.ok;
  }
  if (result.result === 'cancelled') {
    err.write(`${cancelledLine(label, result, total)}\n`);
    return interruptedBy ? interruptedExitCode(interruptedBy) : EXIT.interrupted;
  }
  // A signal that came while a failed start was rolling back did not cancel anything: the failure is what happened.
  const lateSignal = interruptedBy ? [`  (${interruptedBy === 'SIGINT' ? 'Ctrl-C' : interruptedBy} came during the rollback, which was finished first)`] : [];
  err.write(lines([failedLine(label, result), ...screenLines(result), `  rolled back: ${undoneText(result)}`, ...lateSignal]));
  return EXIT.failed;
}

/**
 * One start of many, told as one block written at once, so that blocks of starts ending together never interleave:
 * the polecat and how it ended first, what goes with it indented below. Running goes to stdout, the rest to stderr.
 */
export function reportBatchStartResult(output: Output, label: string, result: StartupOutput, totalMs: number): void {
  const total = formatMs(totalMs);
  if (result.result === 'running') {
    const headline = `${label} running in ${total}: session ${result.sessionName}, pane ${result.session?.paneId}, agent pid ${result.session?.panePid}`;
    output.out.write(lines([headline, ...answeredLine(result), ...warningLines(result)]));
  } else if (result.result === 'cancelled') {
    output.err.write(lines([cancelledLine(label, result, total), ...warningLines(result)]));
  } else {
    output.err.write(lines([failedLine(label, result), ...warningLines(result), ...screenLines(result), `  rolled back: ${undoneText(result)}`]));
  }
}

/** `start --json`: what a script needs of a start's outcome. */
export function startJson(plan: StartupInput, result: StartupOutput, ms: number) {
  return {
    polecat: `${plan.rig}/${plan.name}`,
    run: plan.runId,
    result: result.result,
    ms,
    session: result.sessionName,
    socket: result.socket,
    ...(result.session ? { pane: result.session.paneId, agentPid: result.session.panePid } : {}),
    agent: plan.agent.name,
    dialogsAnswered: result.dialogsAnswered,
    warnings: result.warnings,
    ...(result.failure ? { failure: result.failure } : {}),
    ...(result.cancelledIn !== undefined ? { cancelledIn: result.cancelledIn } : {}),
    undone: result.undone,
  };
}
