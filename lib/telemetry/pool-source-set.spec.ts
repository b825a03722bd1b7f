import { describe, expect, it } from '@jest/globals';
import { noChannels, type PoolGaugeSource } from './pool-gauge-source.js';
import { hitRate, PoolSourceSet } from './pool-source-set.js';

function source(poolName: string, total: number, hits: number): PoolGaugeSource {
  return {
    poolName,
    channelsByState: noChannels,
    inFlight: () => 0,
    queued: () => 0,
    acquisitions: () => ({ total, hits }),
  };
}

describe('PoolSourceSet: counters keep closed pools, gauges read open ones', () => {
  it('gives a pool re-created under a closed one’s name its own hit rate, and both their totals', () => {
    const sources = new PoolSourceSet();
    const closed = source('ORDERS', 10, 0);
    sources.add(closed);
    sources.remove(closed);
    sources.add(source('ORDERS', 10, 9));
    const [reading] = sources.readings();
    expect(hitRate(reading.liveSlots)).toBe(0.9);
    expect(reading.slots).toEqual({ total: 20, hits: 9 });
  });

  it('sums open pools of one name into the live slots', () => {
    const sources = new PoolSourceSet();
    sources.add(source('ORDERS', 4, 4));
    sources.add(source('ORDERS', 4, 0));
    expect(sources.readings()[0].liveSlots).toEqual({ total: 8, hits: 4 });
  });

  it('keeps only the counters of a name whose pools all closed', () => {
    const sources = new PoolSourceSet();
    const closed = source('ORDERS', 3, 2);
    sources.add(closed);
    sources.remove(closed);
    expect(sources.readings()).toEqual([
      expect.objectContaining({
        live: false,
        slots: { total: 3, hits: 2 },
        liveSlots: { total: 0, hits: 0 },
      }),
    ]);
  });
});
