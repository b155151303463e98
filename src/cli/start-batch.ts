import type { StartupInput } from '../../machines/startup.js';
import { startMany, type StartOutcome } from '../manager.js';
import { liveBlock } from './live-block.js';
import { EXIT, formatMs, printJson, type Output } from './output.js';
import { cancelOnSignals, interruptedExitCode } from './signals.js';
import { reportBatchStartResult, startJson } from './start-report.js';

const label = (plan: StartupInput) => `${plan.rig}/${plan.name}`;

interface InFlight {
  readonly step: string;
  readonly since: number;
}

/**
 * Starts several polecats, at most `parallel` at a time, and tells how each ended as it ends (on a terminal, the
 * ones in flight are shown live below, each with its step and time), then one summary line. Returns the exit code: 0
 * when every one is running, 1 when any is not, the signal's code when interrupted (every start in flight rolls
 * back, none not yet begun is begun).
 */
export async function runStartBatch(
  plans: readonly StartupInput[],
  alreadyRunning: readonly StartupInput[],
  parallel: number,
  output: Output,
  json = false,
): Promise<number> {
  const block = liveBlock(output.err);
  // With --json, stdout carries the JSON alone: every word for people goes to stderr.
  const shown: Output = { out: block.above(json ? output.err : output.out), err: block.above(output.err) };
  const cancellation = cancelOnSignals(shown.err);
  const began = Date.now();
  const inFlight = new Map<string, InFlight>();
  const width = Math.max(0, ...plans.map((plan) => label(plan).length));
  let begun = 0;
  const redraw = () => {
    const now = Date.now();
    const waiting = cancellation.signal.aborted ? 0 : plans.length - begun;
    block.set([
      ...[...inFlight].map(([name, s]) => `  … ${name.padEnd(width)}  ${s.step.padEnd(16)} ${formatMs(now - s.since).padStart(8)}`),
      ...(waiting > 0 ? [`    ${waiting} waiting`] : []),
    ]);
  };
  const timer = block.live ? setInterval(redraw, 100) : undefined;
  timer?.unref();

  if (plans.length > 0) {
    shown.err.write(`Starting ${plans.length} polecat${plans.length === 1 ? '' : 's'}, at most ${parallel} at a time (socket ${plans[0]!.socket}): ${plans.map(label).join(', ')}\n`);
  }
  for (const plan of alreadyRunning) shown.out.write(`${label(plan)} already running (session ${plan.sessionName}); left as it is\n`);
  try {
    const outcomes = await startMany(plans, {
      parallel,
      signal: cancellation.signal,
      onBegin(plan) {
        begun++;
        inFlight.set(label(plan), { step: 'preflight', since: Date.now() });
        redraw();
      },
      onProgress(plan, event) {
        if (event.type !== 'step.started') return;
        inFlight.set(label(plan), { step: event.step, since: event.at });
        redraw();
      },
      onEnd(outcome) {
        inFlight.delete(label(outcome.plan));
        redraw();
        report(shown, outcome);
      },
    });
    block.close();
    for (const outcome of outcomes) if (outcome.kind === 'notBegun') output.err.write(`${label(outcome.plan)} not started: cancelled before it began\n`);
    (json ? output.err : output.out).write(`${summary(outcomes, alreadyRunning, Date.now() - began)}\n`);
    if (json) printJson(output, [...outcomes.map(outcomeJson), ...alreadyRunning.map((plan) => ({ polecat: label(plan), result: 'alreadyRunning', session: plan.sessionName, socket: plan.socket }))]);
    const interruptedBy = cancellation.interruptedBy();
    if (interruptedBy) return interruptedExitCode(interruptedBy);
    return outcomes.every((o) => o.kind === 'ended' && o.result.result === 'running') ? EXIT.ok : EXIT.failed;
  } finally {
    if (timer) clearInterval(timer);
    block.close();
    cancellation.dispose();
  }
}

/** One start's outcome for `start --json`: as for one polecat, or what stopped it from ending. */
function outcomeJson(outcome: StartOutcome) {
  if (outcome.kind === 'ended') return startJson(outcome.plan, outcome.result, outcome.ms);
  if (outcome.kind === 'error') return { polecat: label(outcome.plan), run: outcome.plan.runId, result: 'failed', ms: outcome.ms, failure: { message: outcome.error.message } };
  return { polecat: label(outcome.plan), result: 'notBegun' };
}

function report(output: Output, outcome: StartOutcome): void {
  if (outcome.kind === 'ended') reportBatchStartResult(output, label(outcome.plan), outcome.result, outcome.ms);
  else if (outcome.kind === 'error') output.err.write(`${label(outcome.plan)} failed: ${outcome.error.message}\n`);
}

/** `3 started, 1 already running (r/d), 1 failed (r/b), 0 cancelled in 1.9 s`: the parts that can be zero always shown. */
function summary(outcomes: readonly StartOutcome[], alreadyRunning: readonly StartupInput[], ms: number): string {
  const ended = (result: string) => outcomes.filter((o) => o.kind === 'ended' && o.result.result === result);
  const failed = outcomes.filter((o) => o.kind === 'error' || (o.kind === 'ended' && o.result.result === 'failed')).map((o) => label(o.plan));
  const notBegun = outcomes.filter((o) => o.kind === 'notBegun').length;
  return [
    `${ended('running').length} started`,
    ...(alreadyRunning.length > 0 ? [`${alreadyRunning.length} already running (${alreadyRunning.map(label).join(', ')})`] : []),
    `${failed.length} failed${failed.length > 0 ? ` (${failed.join(', ')})` : ''}`,
    `${ended('cancelled').length} cancelled`,
    ...(notBegun > 0 ? [`${notBegun} not begun`] : []),
  ]
    .join(', ')
    .concat(` in ${formatMs(ms)}`);
}
