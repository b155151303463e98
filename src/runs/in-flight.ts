/**
 * The calls a client has under way. A rollback waits for them before it looks: a call a cancel could not take back
 * (a tmux client that had sent its command, a bd writing the issue) changes the world after it ends, not when the
 * step that made it was cancelled.
 */
export class InFlight {
  private readonly calls = new Set<Promise<unknown>>();

  track<T>(call: Promise<T>): Promise<T> {
    const settled: Promise<unknown> = call.catch(() => undefined).finally(() => this.calls.delete(settled));
    this.calls.add(settled);
    return call;
  }

  /** Resolves once every call tracked so far has ended; calls made meanwhile are not waited for. */
  async settled(): Promise<void> {
    await Promise.all([...this.calls]);
  }
}
