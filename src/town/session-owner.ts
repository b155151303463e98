import { readProcess } from '../proc/process-tree.js';
import type { Signalled, Tmux } from '../tmux/client.js';
import type { SessionRow } from '../tmux/formats.js';

export interface PolecatIdentity {
  readonly rig: string;
  readonly name: string;
  readonly townRoot: string;
}

/** Where a polecat's session is looked for: who it must belong to, its name, and the town's socket. */
export interface SessionPlace extends PolecatIdentity {
  readonly sessionName: string;
  readonly socket: string;
}

/**
 * Why the session with this name is not this polecat's, or undefined when it is. Session names can coincide
 * (rig `a-b` polecat `c` and rig `a` polecat `b-c` are both `a-b-c`; a user's own session on a shared socket), so
 * polecat only touches a session whose own options name this polecat of this town.
 */
function ownershipProblem(rows: readonly SessionRow[], who: PolecatIdentity): string | undefined {
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
function agentPane(rows: readonly SessionRow[]): SessionRow | undefined {
  return rows.find((row) => row.agentPane !== '' && row.paneId === row.agentPane);
}

/**
 * The agent in this pane is alive: the pane is not dead and its process is still there (not a zombie). /proc tells
 * first: tmux can show a killed agent's pane alive for most of a second, longer on a loaded machine.
 */
export function agentAlive(row: SessionRow): boolean {
  return !row.paneDead && row.panePid !== undefined && readProcess(row.panePid) !== undefined;
}

/** A session with the polecat's name that is not the polecat's: polecat leaves it alone, whatever it was asked. */
export class ForeignSessionError extends Error {
  override readonly name = 'ForeignSessionError';
  constructor(
    /** Whose the session is instead (see ownershipProblem). */
    readonly problem: string,
    socket: string,
    /** What polecat will not do to it, e.g. `stop it`. */
    refused: string,
  ) {
    super(`${problem} (socket ${socket}); polecat will not ${refused}`);
  }
}

export interface OwnSession {
  /** Every pane of the session, with the session's polecat options. */
  readonly rows: readonly SessionRow[];
  /** The pane polecat started the agent in, if it is still there. */
  readonly agent?: SessionRow;
}

/**
 * The polecat's own session, found with one tmux call: undefined when there is none; a session of that name that is
 * not this polecat's is refused with a ForeignSessionError saying what polecat will not do (`refused`).
 */
export async function ownSession(tmux: Tmux, place: SessionPlace, refused: string, { signal }: Signalled = {}): Promise<OwnSession | undefined> {
  const rows = await tmux.sessionPanes(place.sessionName, { signal });
  if (rows.length === 0) return undefined;
  const problem = ownershipProblem(rows, place);
  if (problem) throw new ForeignSessionError(problem, place.socket, refused);
  const agent = agentPane(rows);
  return { rows, ...(agent ? { agent } : {}) };
}
