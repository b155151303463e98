import type { StepDeps } from '../deps.js';
import { withHold } from '../hold.js';
import { gracefulStop } from './graceful-stop.js';
import { inspectSession } from './inspect-session.js';
import { killProcesses } from './kill-processes.js';
import { killSession } from './kill-session.js';
import { verifyGone } from './verify-gone.js';

/** The real implementations of the stop machine's steps (a module of their own: a stop loads none of a start's). */
export function stopActors(deps: StepDeps) {
  return withHold({
    inspectSession: inspectSession(deps),
    gracefulStop: gracefulStop(deps),
    killProcesses: killProcesses(),
    killSession: killSession(deps),
    verifyGone: verifyGone(deps),
  }, deps.hold);
}
