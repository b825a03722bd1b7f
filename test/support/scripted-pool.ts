import type { GrpcPoolChannelOptions } from '../../lib/interfaces/pool-options.interface.js';
import { BackendAddresses } from '../../lib/pool/backend-addresses.js';
import { ChannelPool } from '../../lib/pool/channel-pool.js';
import type { Lease } from '../../lib/pool/lease.js';
import { OutlierDetector } from '../../lib/pool/outlier-detector.js';
import { ScriptedChannel } from './scripted-channel.js';

// For the pool specs: a real ChannelPool over scripted channels (the test
// sets each one's connectivity), that records the most channels it ever
// held. The pool is sampled each time a channel changes state or is
// replaced (a successor is in the list by then), whenever the test takes a
// slot, and when the test asks.

export interface ScriptedPool {
  pool: ChannelPool;
  addresses: BackendAddresses;
  /** Every channel the pool opened, in order. */
  opened: ScriptedChannel[];
  /** The most channels the pool held at once. */
  mostChannels(): number;
  /** A slot now: the lease, or undefined when the call would have to wait. */
  take(avoid?: Lease): Lease | undefined;
  /** The channels the pool holds now, as `[id, target]`. */
  held(): [number, string][];
}

/** Limits for a spec: everything timed is off unless the test turns it on. */
export function scriptedLimits(
  limits: GrpcPoolChannelOptions = {},
): Readonly<Required<GrpcPoolChannelOptions>> {
  return {
    minChannels: 1,
    maxChannels: 4,
    maxConcurrentCallsPerChannel: 100,
    maxQueued: 10,
    acquireTimeoutMs: 5000,
    idleTimeoutMs: 0,
    connectTimeoutMs: 0,
    maxConnectionAgeMs: 0,
    retryBudget: { ratio: 0.1, minPerSecond: 10 },
    outlierDetection: false,
    dns: false,
    ...limits,
  };
}

export function scriptedPool(
  targets: string[],
  limits: GrpcPoolChannelOptions = {},
  options: {
    outliers?: boolean;
    /** Failures in a row that eject a backend (with `outliers`); 5 by default. */
    consecutiveFailures?: number;
    subsetRotationMs?: number;
  } = {},
): ScriptedPool {
  const resolved = scriptedLimits(limits);
  const addresses = new BackendAddresses(targets, resolved.maxChannels);
  const opened: ScriptedChannel[] = [];
  let most = 0;
  // The callbacks below run only once the pool exists (no channel opens in its constructor).
  const sample = (): void => {
    most = Math.max(most, pool.openChannels.length);
  };
  const outliers = options.outliers
    ? new OutlierDetector(
        () => addresses.all.length,
        {
          consecutiveFailures: options.consecutiveFailures ?? 5,
          baseEjectionMs: 30_000,
          maxEjectionMs: 300_000,
        },
        () => pool.outliersChanged(),
      )
    : undefined;
  if (outliers !== undefined) addresses.avoid((address) => outliers.blocks(address));
  const pool: ChannelPool = new ChannelPool({
    label: 'spec',
    addresses,
    outliers,
    subsetRotationMs: options.subsetRotationMs ?? 30_000,
    limits: resolved,
    createChannel: (id, target, onState) => {
      const channel = new ScriptedChannel(id, target, onState);
      opened.push(channel);
      return channel;
    },
    onStateChange: sample,
    onChannelReplaced: sample,
  });
  return {
    pool,
    addresses,
    opened,
    mostChannels: () => {
      sample();
      return most;
    },
    take: (avoid) => {
      let granted: Lease | undefined;
      const withdraw = pool.acquire(
        undefined,
        {
          grant: (lease) => (granted = lease),
          reject: () => undefined,
        },
        avoid?.channel,
      );
      if (granted === undefined) withdraw();
      sample();
      return granted;
    },
    held: () => pool.openChannels.map((c) => [c.id, c.target]),
  };
}
