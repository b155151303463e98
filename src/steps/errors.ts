/** A step failure that carries what the user needs to see: the screen, and the agent's exit status when it died. */
export class StepError extends Error {
  override readonly name = 'StepError';
  readonly screen?: string;
  readonly exitStatus?: number;

  constructor(message: string, details: { screen?: string; exitStatus?: number; cause?: unknown } = {}) {
    super(message, { cause: details.cause });
    if (details.screen !== undefined) this.screen = details.screen;
    if (details.exitStatus !== undefined) this.exitStatus = details.exitStatus;
  }
}
