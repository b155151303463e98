/**
 * The tmux call an agent's own session-start hook makes, from inside its pane, to tell polecat its hooks ran:
 * waitForCommand and verifyAlive read GT_AGENT_READY back from the session's environment. It names no socket and no
 * target: inside a pane, $TMUX and $TMUX_PANE lead tmux to that pane's server and session.
 */
export const READY_HOOK_ARGV = ['tmux', 'set-environment', 'GT_AGENT_READY', '1'] as const;

/**
 * The same call for hook runners that take a shell command line (Claude, Gemini, Copilot); the words need no
 * quoting. Quiet, and never failing the hook: run outside tmux, it is a no-op.
 */
export const READY_HOOK_COMMAND = `${READY_HOOK_ARGV.join(' ')} >/dev/null 2>&1 || true`;
