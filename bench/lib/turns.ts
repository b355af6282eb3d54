// Before and after in the same process, on the same data: two versions of a read timed in turns,
// so both see whatever else the machine is doing at that moment.

/** The middle value (the upper one of an even count). */
export function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1]!;
}

/**
 * Runs `now` then `before`, `rounds` times, and gives each one's median time in milliseconds (to
 * 0.01 ms) and what `now` returned last.
 */
export async function timeInTurns<T>(rounds: number, now: () => Promise<T>, before: () => Promise<unknown>): Promise<{ nowMs: number; beforeMs: number; last: T }> {
  const nowMs: number[] = [];
  const beforeMs: number[] = [];
  let last!: T;
  for (let round = 0; round < rounds; round++) {
    let started = performance.now();
    last = await now();
    nowMs.push(performance.now() - started);
    started = performance.now();
    await before();
    beforeMs.push(performance.now() - started);
  }
  const rounded = (values: number[]) => Math.round(median(values) * 100) / 100;
  return { nowMs: rounded(nowMs), beforeMs: rounded(beforeMs), last };
}
