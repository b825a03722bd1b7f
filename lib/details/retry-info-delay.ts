import type { Metadata } from '@grpc/grpc-js';
import type { GrpcRetryInfo } from '../interfaces/status-details.interface.js';
import { decodeStatusDetails, STATUS_DETAILS_KEY } from './status-details-codec.js';

const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * The backoff a server asked for with a `google.rpc.RetryInfo` detail, in
 * milliseconds: undefined when it sent none, 'stop' when the delay is more
 * than a timer can wait (2^31 - 1 ms) or not a delay at all.
 */
export function retryInfoDelayMs(
  metadata: Metadata | undefined,
  maxMs: number,
): number | 'stop' | undefined {
  if (metadata === undefined || metadata.get(STATUS_DETAILS_KEY).length === 0) return undefined;
  const retryInfo = decodeStatusDetails(metadata)?.find(
    (detail): detail is GrpcRetryInfo => detail['@type'] === RETRY_INFO,
  );
  const delay = retryInfo?.retryDelay;
  if (delay === undefined || delay === null) return undefined;
  const ms = Math.ceil(delay.seconds * 1000 + delay.nanos / 1e6);
  return Number.isFinite(ms) && ms >= 0 && ms <= maxMs ? ms : 'stop';
}
