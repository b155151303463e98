import { baseEnvironment } from '../agents/environment.js';
import { Beads } from '../beads/client.js';
import { Tmux } from '../tmux/client.js';
import { holdPointFrom, type HoldPoint } from './hold.js';

/** What steps use to reach the world. Tests and the CLI build the same thing; nothing else is reached. */
export interface StepDeps {
  tmux(socket: string): Tmux;
  readonly beads: Beads;
  /** How often waits look at the pane. */
  readonly pollMs: number;
  /**
   * The run continues from a snapshot another process left: the step it was in may have done part of its work, so
   * steps that cannot tell from their input look before they act.
   */
  readonly repeating?: boolean;
  /** A fault test's hold point (POLECAT_TEST_HOLD); absent in normal use. */
  readonly hold?: HoldPoint;
}

export interface StepDepsOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly pollMs?: number;
  readonly bdTimeoutMs?: number;
}

export function createStepDeps({ env = process.env, pollMs = 50, bdTimeoutMs }: StepDepsOptions = {}): StepDeps {
  const clients = new Map<string, Tmux>();
  const hold = holdPointFrom(env);
  return {
    tmux(socket) {
      let client = clients.get(socket);
      if (!client) {
        client = new Tmux({ socket, clientEnv: baseEnvironment(env) });
        clients.set(socket, client);
      }
      return client;
    },
    beads: new Beads({ bin: env.GT_BD || 'bd', ...(bdTimeoutMs !== undefined ? { timeoutMs: bdTimeoutMs } : {}) }),
    pollMs,
    ...(hold ? { hold } : {}),
  };
}
