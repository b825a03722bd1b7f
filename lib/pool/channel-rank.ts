import { connectivityState } from '@grpc/grpc-js';

/** How good a channel is for a new call; lower is better. */
export const enum ChannelRank {
  Ready = 0,
  /** IDLE or CONNECTING: the call waits for the connection. */
  Starting = 1,
  /** TRANSIENT_FAILURE: used only when nothing better has room. */
  Failing = 2,
  /** SHUTDOWN: never used; the pool replaces it. */
  Unusable = 3,
}

export function rankOf(state: connectivityState): ChannelRank {
  switch (state) {
    case connectivityState.READY:
      return ChannelRank.Ready;
    case connectivityState.IDLE:
    case connectivityState.CONNECTING:
      return ChannelRank.Starting;
    case connectivityState.TRANSIENT_FAILURE:
      return ChannelRank.Failing;
    default:
      return ChannelRank.Unusable;
  }
}
