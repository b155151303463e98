/**
 * Runs `task` for each item, at most `limit` at a time, beginning them in the items' order. Once `signal` is aborted
 * no further item begins and its slot in the result stays `undefined`; tasks already begun are not waited out early
 * (they see the same signal and wind down themselves). A task that throws rejects the whole, so a task that must not
 * stop the others returns its failure instead.
 */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
  signal?: AbortSignal,
): Promise<Array<R | undefined>> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  const results = new Array<R | undefined>(items.length).fill(undefined);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !signal?.aborted) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
