import type { StartupActors } from '../../machines/startup.js';
import { acceptBypass } from './accept-bypass.js';
import { createSession } from './create-session.js';
import type { StepDeps } from './deps.js';
import { withHold } from './hold.js';
import { ensureSettings } from './ensure-settings.js';
import { hook } from './hook.js';
import { nudges } from './nudges.js';
import { preflight } from './preflight.js';
import { rollback } from './rollback.js';
import { setEnv } from './set-env.js';
import { theme } from './theme.js';
import { validateIssue } from './validate-issue.js';
import { verifyAlive } from './verify-alive.js';
import { waitForCommand } from './wait-for-command.js';
import { waitForReady } from './wait-for-ready.js';

/** The real implementations of the startup machine's steps, for machine.provide({ actors }). */
export function startupActors(deps: StepDeps): StartupActors {
  return withHold({
    preflight: preflight(deps),
    validateIssue: validateIssue(deps),
    ensureSettings: ensureSettings(),
    createSession: createSession(deps),
    setEnv: setEnv(deps),
    hook: hook(deps),
    theme: theme(deps),
    waitForCommand: waitForCommand(deps),
    acceptBypass: acceptBypass(deps),
    waitForReady: waitForReady(deps),
    nudges: nudges(deps),
    verifyAlive: verifyAlive(deps),
    rollback: rollback(deps),
  }, deps.hold);
}
