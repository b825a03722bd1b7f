import type { connectivityState } from '@grpc/grpc-js';
import type { GrpcPoolChannelOptions } from '../interfaces/pool-options.interface.js';
import type { ChannelReplacementReason } from './channel-replacement-reason.js';
import type { BackendAddresses } from './backend-addresses.js';
import type { OutlierDetector } from './outlier-detector.js';
import type { ChannelStateListener, PooledChannel } from './pooled-channel.js';

// What a ChannelPool is built from. Its own file, so each part of the pool can
// take the slice it needs without importing the pool itself.

/**
 * The pool replaces `channel`, for the reason given (`kind` names it for
 * metrics); `trouble` when the reason is a fault.
 */
export type ChannelReplacedListener = (
  channel: PooledChannel,
  reason: string,
  trouble: boolean,
  kind: ChannelReplacementReason,
) => void;

export interface ChannelPoolConfig {
  /** The pool's name as messages print it. */
  label: string;
  /** Where channels may connect; it changes as discovery finds addresses. */
  addresses: BackendAddresses;
  /** How often a pool with more addresses than `maxChannels` moves its subset on by one. */
  subsetRotationMs: number;
  limits: Readonly<Required<GrpcPoolChannelOptions>>;
  /** A new channel, whose connectivity changes go to `onState`. */
  createChannel(id: number, target: string, onState: ChannelStateListener): PooledChannel;
  /** Some channel's connectivity changed. */
  onStateChange?(channel: PooledChannel, state: connectivityState): void;
  onChannelReplaced?: ChannelReplacedListener;
  /** Backends to keep calls away from; none when absent. */
  outliers?: OutlierDetector;
}
