import { Metadata, status } from '@grpc/grpc-js';
import { describe, expect, it } from '@jest/globals';
import { retryInfoDelayMs } from './retry-info-delay.js';
import { encodeStatusDetails, STATUS_DETAILS_KEY } from './status-details-codec.js';

const MAX_MS = 2_147_483_647;

/** Trailers carrying a google.rpc.Status with a RetryInfo of `seconds` and `nanos`. */
function retryInfo(seconds: number, nanos: number): Metadata {
  const metadata = new Metadata();
  const bytes = encodeStatusDetails(status.UNAVAILABLE, 'busy', [
    { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: { seconds, nanos } },
  ]);
  metadata.set(STATUS_DETAILS_KEY, bytes);
  return metadata;
}

describe('retryInfoDelayMs', () => {
  it('turns the RetryInfo delay into milliseconds, rounding a part-millisecond up', () => {
    expect(retryInfoDelayMs(retryInfo(1, 500_000_000), MAX_MS)).toBe(1500);
    expect(retryInfoDelayMs(retryInfo(0, 0), MAX_MS)).toBe(0);
    // 250.000001 ms: never retry before the server said.
    expect(retryInfoDelayMs(retryInfo(0, 250_000_001), MAX_MS)).toBe(251);
  });

  it('stops when the delay is longer than the limit, and takes one exactly at it', () => {
    expect(retryInfoDelayMs(retryInfo(2, 0), 2000)).toBe(2000);
    expect(retryInfoDelayMs(retryInfo(2, 1), 2000)).toBe('stop');
    expect(retryInfoDelayMs(retryInfo(-1, 0), MAX_MS)).toBe('stop');
  });

  it('has no opinion without a details trailer or without a RetryInfo in it', () => {
    expect(retryInfoDelayMs(undefined, MAX_MS)).toBeUndefined();
    expect(retryInfoDelayMs(new Metadata(), MAX_MS)).toBeUndefined();
    const other = new Metadata();
    other.set(
      STATUS_DETAILS_KEY,
      encodeStatusDetails(status.UNAVAILABLE, 'busy', [
        { '@type': 'type.googleapis.com/google.rpc.DebugInfo', detail: 'x' },
      ]),
    );
    expect(retryInfoDelayMs(other, MAX_MS)).toBeUndefined();
  });
});
