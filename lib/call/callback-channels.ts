import {
  makeClientConstructor,
  type Client,
  type ClientOptions,
  type ServiceClientConstructor,
  type status,
} from '@grpc/grpc-js';
import type { ChannelPool } from '../pool/channel-pool.js';
import type { Lease } from '../pool/lease.js';
import type { PooledChannel } from '../pool/pooled-channel.js';
import type { CatalogService } from '../proto/service-catalog.js';
import type { CallContext } from './call-context.js';
import { withWireStatusInterceptor } from './wire-status-interceptor.js';

/**
 * The call layer's side of a callback (grpc-js style) client, so that facade
 * never reaches into the pool itself. Such a call must be returned
 * synchronously, so it never queues: it takes a slot at once (on the
 * least-loaded channel when every channel is full), runs on a generated
 * client bound to that slot's channel, and tells the pool how it ended.
 * A class with methods, not closures, so a call allocates nothing here but
 * its lease.
 */
export class CallbackChannels {
  private readonly pool: ChannelPool;
  private readonly Constructor: ServiceClientConstructor;
  /** One generated client per pool channel, sharing that channel's connection. */
  private readonly perChannel = new WeakMap<PooledChannel, Client>();

  constructor(
    context: CallContext,
    service: CatalogService,
    private readonly channelOptions: ClientOptions | undefined,
  ) {
    this.pool = context.pool;
    this.Constructor = makeClientConstructor(service.definition, service.fullName);
  }

  /** A slot now, even on a full channel. */
  lendNow(): Lease {
    return this.pool.acquireNow();
  }

  /** The generated client whose calls go on the lease's channel. */
  clientOn(lease: Lease): Client {
    const { channel } = lease;
    let client = this.perChannel.get(channel);
    if (client === undefined) {
      client = new this.Constructor(channel.target, null as never, {
        ...withWireStatusInterceptor(this.channelOptions),
        channelOverride: channel.client.getChannel(),
      });
      this.perChannel.set(channel, client);
    }
    return client;
  }

  /** The call ended with `code`: the pool learns it, and the slot is free again. */
  ended(lease: Lease, code: status): void {
    this.pool.report(lease.channel, code);
    lease.release();
  }

  /** grpc-js refused to start the call: the slot is free again, and there is no outcome to report. */
  notStarted(lease: Lease): void {
    lease.release();
  }
}
