import type { ChannelPool } from '../pool/channel-pool.js';
import { checkRemoteHealth } from './remote-health-check.js';

/** How long start-up diagnostics wait for grpc-js to say why a channel fails. */
const DIAGNOSIS_TIMEOUT_MS = 250;

/**
 * For a start-up that timed out: each channel's target and state; for a
 * failing one, the connection error grpc-js reports.
 */
export function describeChannels(pool: ChannelPool): Promise<string[]> {
  return Promise.all(
    pool.openChannels.map(async (channel) => {
      const { target, state } = channel.stats();
      if (state !== 'TRANSIENT_FAILURE') return `${target} is ${state}`;
      const { error } = await checkRemoteHealth(channel.client, '', DIAGNOSIS_TIMEOUT_MS);
      return error === undefined ? `${target} is ${state}` : `${target} is ${state} (${error})`;
    }),
  );
}
