/** One heap reading: how many calls had finished, and the heap in use right after a full GC. */
export interface HeapSample {
  calls: number;
  heapUsed: number;
}

/**
 * Reads the heap after a full, synchronous GC, so what is left is what is
 * still referenced. Needs `node --expose-gc`.
 */
export function sampleHeap(calls: number): HeapSample {
  if (globalThis.gc === undefined) throw new Error('run node with --expose-gc');
  globalThis.gc();
  return { calls, heapUsed: process.memoryUsage().heapUsed };
}

/**
 * The least-squares slope of heap over calls, in bytes per 1,000 calls, and
 * its standard error (how far noise alone moves it). A leak of one small
 * object per call shows as tens of bytes per 1,000 calls or more.
 */
export function heapSlope(samples: HeapSample[]): { perThousand: number; stdError: number } {
  const n = samples.length;
  if (n < 3) return { perThousand: NaN, stdError: NaN };
  const meanX = samples.reduce((sum, s) => sum + s.calls, 0) / n;
  const meanY = samples.reduce((sum, s) => sum + s.heapUsed, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const s of samples) {
    sxx += (s.calls - meanX) ** 2;
    sxy += (s.calls - meanX) * (s.heapUsed - meanY);
  }
  const slope = sxy / sxx;
  const residuals = samples.reduce(
    (sum, s) => sum + (s.heapUsed - meanY - slope * (s.calls - meanX)) ** 2,
    0,
  );
  const stdError = Math.sqrt(residuals / (n - 2) / sxx);
  return { perThousand: slope * 1000, stdError: stdError * 1000 };
}
