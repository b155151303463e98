/** A run that cannot go ahead: the polecat is busy with another run, or has an interrupted one to settle first. */
export class RunRefusedError extends Error {
  override readonly name: string = 'RunRefusedError';
}
