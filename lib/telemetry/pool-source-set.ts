import type { GrpcChannelState } from '../interfaces/stats.interface.js';
import { CHANNEL_STATES, noChannels, type PoolGaugeSource } from './pool-gauge-source.js';

/** What an exporter reports for one pool name when it collects. */
export interface PoolReading {
  poolName: string;
  /** A pool of this name is open: gauges are reported only then. */
  live: boolean;
  channels: Record<GrpcChannelState, number>;
  inFlight: number;
  queued: number;
  /** Never decrease: a closed pool's slots stay counted under its name. What counters read. */
  slots: { total: number; hits: number };
  /** The open pools' own slots, none of a closed pool's. What gauges (the hit rate) read. */
  liveSlots: { total: number; hits: number };
}

/**
 * The pools one exporter destination (a prom-client registry, an
 * OpenTelemetry meter) reads at collection time. Pools that share a name
 * (the same name in two modules, an app and its hot-reloaded successor
 * overlapping) are summed into one reading, as their series would clash;
 * and a pool that closes leaves its slot counts behind, so counters never
 * go down (Prometheus would read a drop as a counter reset). Gauges read the
 * open pools only: a pool re-created under a closed one's name reports its
 * own hit rate, not one mixed with its predecessor's.
 */
export class PoolSourceSet {
  private readonly live = new Set<PoolGaugeSource>();
  private readonly retired = new Map<string, { total: number; hits: number }>();

  add(source: PoolGaugeSource): void {
    this.live.add(source);
  }

  /** `source` closed: its gauges go, its counts stay. */
  remove(source: PoolGaugeSource): void {
    if (!this.live.delete(source)) return;
    const { total, hits } = source.acquisitions();
    const kept = this.retired.get(source.poolName) ?? { total: 0, hits: 0 };
    this.retired.set(source.poolName, { total: kept.total + total, hits: kept.hits + hits });
  }

  /** One reading per pool name: live pools summed; names whose pools all closed keep their counters only. */
  readings(): PoolReading[] {
    const byName = new Map<string, PoolReading>();
    for (const [poolName, slots] of this.retired) {
      byName.set(poolName, { ...emptyReading(poolName), slots: { ...slots } });
    }
    for (const source of this.live) {
      let reading = byName.get(source.poolName);
      if (reading === undefined) {
        reading = emptyReading(source.poolName);
        byName.set(source.poolName, reading);
      }
      reading.live = true;
      const channels = source.channelsByState();
      for (const state of CHANNEL_STATES) reading.channels[state] += channels[state];
      reading.inFlight += source.inFlight();
      reading.queued += source.queued();
      const { total, hits } = source.acquisitions();
      reading.slots.total += total;
      reading.slots.hits += hits;
      reading.liveSlots.total += total;
      reading.liveSlots.hits += hits;
    }
    return [...byName.values()];
  }
}

function emptyReading(poolName: string): PoolReading {
  return {
    poolName,
    live: false,
    channels: noChannels(),
    inFlight: 0,
    queued: 0,
    slots: { total: 0, hits: 0 },
    liveSlots: { total: 0, hits: 0 },
  };
}

/** The share of slot requests that were hits (1 before any). */
export function hitRate(slots: { total: number; hits: number }): number {
  return slots.total === 0 ? 1 : slots.hits / slots.total;
}
