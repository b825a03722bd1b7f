import type { ClientOptions } from '@grpc/grpc-js';
import type { GrpcPoolClientOptions } from '../interfaces/client-options.interface.js';
import { KEEPALIVE_CHANNEL_ARGS } from './option-keys.js';

/** Targets that name several addresses: the channel balances over them itself. */
function resolvesToSeveralAddresses(target: string): boolean {
  return target.startsWith('dns:') || /^ipv[46]:.*,/.test(target);
}

/**
 * The grpc-js options of every channel of the pool: the user's channel
 * options and Nest-style settings, plus what makes a pool a pool.
 */
export function buildChannelArguments(
  options: GrpcPoolClientOptions,
  target: string,
): ClientOptions {
  const args: ClientOptions = { ...options.channelOptions };
  if (options.maxSendMessageLength !== undefined) {
    args['grpc.max_send_message_length'] = options.maxSendMessageLength;
  }
  if (options.maxReceiveMessageLength !== undefined) {
    args['grpc.max_receive_message_length'] = options.maxReceiveMessageLength;
  }
  if (options.maxMetadataSize !== undefined)
    args['grpc.max_metadata_size'] = options.maxMetadataSize;
  for (const [field, value] of Object.entries(options.keepalive ?? {})) {
    args[KEEPALIVE_CHANNEL_ARGS[field as keyof typeof KEEPALIVE_CHANNEL_ARGS]] = value;
  }
  // The name the server's certificate must carry, when the url's host is not it.
  if (options.tls?.servername !== undefined) {
    args['grpc.ssl_target_name_override'] = options.tls.servername;
  }
  // Without a local subchannel pool, grpc-js shares one connection between all
  // channels with equal target, options and credentials: the pool would be one connection.
  args['grpc.use_local_subchannel_pool'] = 1;
  // The pool has its own retry layer; two layers would multiply attempts. Under
  // xDS this also keeps a route's retry_policy from the control plane from turning
  // grpc-js's retries on (measured: num_retries 3 made each pool attempt 4 attempts).
  args['grpc.enable_retries'] ??= 0;
  // A resolver target with several records would otherwise put every channel
  // on the first address (pick_first). round_robin spreads each channel's calls.
  // Not for xds: targets, whose control plane sends the policy (a default here is ignored).
  if (args['grpc.service_config'] === undefined && resolvesToSeveralAddresses(target)) {
    args['grpc.service_config'] = JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] });
  }
  return args;
}
