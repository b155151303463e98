import type { SessionRow } from '../tmux/formats.js';

export interface PolecatIdentity {
  readonly rig: string;
  readonly name: string;
  readonly townRoot: string;
}

/**
 * Why the session with this name is not this polecat's, or undefined when it is. Session names can coincide
 * (rig `a-b` polecat `c` and rig `a` polecat `b-c` are both `a-b-c`; a user's own session on a shared socket), so
 * polecat only touches a session whose own options name this polecat of this town.
 */
export function ownershipProblem(rows: readonly SessionRow[], who: PolecatIdentity): string | undefined {
  const first = rows[0];
  if (!first) return undefined;
  if (first.rig === '' && first.polecat === '') return `session ${first.name} exists but was not started by polecat`;
  if (first.rig !== who.rig || first.polecat !== who.name || first.town !== who.townRoot) {
    const town = first.town === who.townRoot ? '' : ` of town ${first.town}`;
    return `session ${first.name} belongs to polecat ${first.rig}/${first.polecat}${town}, not ${who.rig}/${who.name}`;
  }
  return undefined;
}

/** The pane polecat started the agent in (recorded at start), if it is still there. */
export function agentPane(rows: readonly SessionRow[]): SessionRow | undefined {
  return rows.find((row) => row.agentPane !== '' && row.paneId === row.agentPane);
}
