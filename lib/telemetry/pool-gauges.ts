import type { ChannelPool } from '../pool/channel-pool.js';
import { noChannels, type PoolGaugeSource } from './pool-gauge-source.js';

/** What exporters read from `pool` when they collect. */
export function gaugeSourceOf(poolName: string, pool: ChannelPool): PoolGaugeSource {
  return {
    poolName,
    channelsByState: () => {
      const counts = noChannels();
      for (const channel of pool.openChannels) counts[channel.stats().state]++;
      return counts;
    },
    inFlight: () => pool.inFlight,
    queued: () => pool.queued,
    acquisitions: () => pool.slotCounts(),
  };
}
