import {
  Client,
  connectivityState,
  type ChannelCredentials,
  type ClientOptions,
} from '@grpc/grpc-js';
import type { GrpcChannelState, GrpcChannelStats } from '../interfaces/stats.interface.js';

/**
 * One channel of the pool: one grpc-js client, so one HTTP/2 connection, that
 * many calls share at once. The pool counts its calls; grpc-js owns the socket.
 */
export class PooledChannel {
  readonly client: Client;
  inFlight = 0;
  calls = 0;
  lastUsedAt = Date.now();

  constructor(
    readonly id: number,
    readonly target: string,
    credentials: ChannelCredentials,
    channelArguments: ClientOptions,
  ) {
    this.client = new Client(target, credentials, channelArguments);
  }

  state(): connectivityState {
    return this.client.getChannel().getConnectivityState(false);
  }

  /** Starts connecting now instead of on the first call. */
  connect(): void {
    this.client.getChannel().getConnectivityState(true);
  }

  close(): void {
    this.client.close();
  }

  stats(): GrpcChannelStats {
    return {
      id: this.id,
      target: this.target,
      state: connectivityState[this.state()] as GrpcChannelState,
      inFlight: this.inFlight,
      calls: this.calls,
    };
  }
}
