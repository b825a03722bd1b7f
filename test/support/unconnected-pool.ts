import type { GrpcPoolChannelOptions } from '../../lib/interfaces/pool-options.interface.js';
import { resolveClientOptions, type ResolvedClientOptions } from '../../lib/client/client-setup.js';
import { BackendAddresses } from '../../lib/pool/backend-addresses.js';
import { ChannelPool, type ChannelPoolConfig } from '../../lib/pool/channel-pool.js';
import { PooledChannel } from '../../lib/pool/pooled-channel.js';

// For the specs on a fake clock: a real ChannelPool of real PooledChannels
// that never connect. Nothing listens on port 1 and the specs never send, so
// a channel stays idle and only the pool's own bookkeeping runs.

/** Where the specs' channels point: nothing listens there. */
export const UNCONNECTED_TARGET = '127.0.0.1:1';

/** A client's options as the module resolves them, for a client of UNCONNECTED_TARGET named `name`. */
export function unconnectedClientOptions(
  name: string,
  pool: GrpcPoolChannelOptions = {},
): ResolvedClientOptions {
  return resolveClientOptions({
    name,
    package: 'test.v1',
    packageDefinition: {},
    url: UNCONNECTED_TARGET,
    telemetry: false,
    pool,
  });
}

/**
 * The pool a client with `options` would own; `Pool` lets a spec use a
 * subclass that counts what it is asked.
 */
export function unconnectedPool<P extends ChannelPool = ChannelPool>(
  options: ResolvedClientOptions,
  Pool: new (config: ChannelPoolConfig) => P = ChannelPool as new (config: ChannelPoolConfig) => P,
): P {
  return new Pool({
    // The specs name their clients with strings.
    label: String(options.name),
    addresses: new BackendAddresses([UNCONNECTED_TARGET], options.limits.maxChannels),
    subsetRotationMs: 0,
    limits: options.limits,
    createChannel: (id, target, onState) =>
      new PooledChannel(id, target, options.credentials, {}, onState),
  });
}
