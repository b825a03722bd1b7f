import type { GrpcPoolChannelOptions } from 'nestjs-grpc-pool';

/**
 * A smaller pool than the sample's (4 channels x 100 calls): the sample's
 * orders handlers answer in well under a millisecond, so only a few dozen
 * callers at once fill 3 x 8 slots and make calls queue, where 400 slots
 * would need hundreds of sockets from this one process.
 */
export const DEMO_POOL: GrpcPoolChannelOptions = {
  minChannels: 1,
  maxChannels: 3,
  maxConcurrentCallsPerChannel: 8,
};
