import {
  Client,
  connectivityState,
  type ChannelCredentials,
  type ClientOptions,
} from '@grpc/grpc-js';
import type { GrpcChannelState, GrpcChannelStats } from '../interfaces/stats.interface.js';

/** Told each time a channel's connectivity changes. */
export type ChannelStateListener = (channel: PooledChannel, state: connectivityState) => void;

const ignoreState: ChannelStateListener = () => undefined;

/**
 * One channel of the pool: one grpc-js client, so one HTTP/2 connection, that
 * many calls share at once. The pool counts its calls; grpc-js owns the socket.
 * A channel whose connection drops reconnects at once rather than idling until
 * the next call, so its state (and the pool's health) tells the truth.
 */
export class PooledChannel {
  readonly client: Client;
  inFlight = 0;
  calls = 0;
  lastUsedAt = Date.now();
  /** When the pool rotates it (`maxConnectionAgeMs`, with jitter); Infinity: never. */
  retireAt = Infinity;
  /** The channel opened to take over from this one; new calls move once it is READY. */
  successor: PooledChannel | undefined;
  /** Takes no new calls; closes once its calls have finished. */
  retiring = false;
  /** UNAVAILABLE failures in a row on this channel. */
  failuresInARow = 0;
  /** When the channel last became READY (performance.now()); -1 before it ever did. */
  readyAt = -1;

  constructor(
    readonly id: number,
    readonly target: string,
    credentials: ChannelCredentials,
    channelArguments: ClientOptions,
    private readonly onStateChange: ChannelStateListener = ignoreState,
  ) {
    this.client = new Client(target, credentials, channelArguments);
    this.watch(this.state());
  }

  state(): connectivityState {
    return this.client.getChannel().getConnectivityState(false);
  }

  /** Starts connecting now instead of on the first call. */
  connect(): void {
    const channel = this.client.getChannel();
    // Asking a closed channel to connect would wake its load balancer again.
    if (channel.getConnectivityState(false) === connectivityState.SHUTDOWN) return;
    channel.getConnectivityState(true);
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

  /** Follows the connectivity state until SHUTDOWN; the watch holds no timer or handle. */
  private watch(current: connectivityState): void {
    const channel = this.client.getChannel();
    channel.watchConnectivityState(current, Infinity, () => {
      const next = channel.getConnectivityState(false);
      if (next === connectivityState.READY) this.readyAt = performance.now();
      if (next !== connectivityState.SHUTDOWN) this.watch(next);
      // A dropped connection leaves the channel IDLE: reconnect (grpc-js backs off on failure).
      if (next === connectivityState.IDLE) queueMicrotask(() => this.connect());
      this.onStateChange(this, next);
    });
  }
}
