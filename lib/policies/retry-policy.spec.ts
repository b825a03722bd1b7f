import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from '@jest/globals';
import { serverPushback } from './retry-policy.js';

function trailer(value: string): Metadata {
  const metadata = new Metadata();
  metadata.set('grpc-retry-pushback-ms', value);
  return metadata;
}

describe('serverPushback', () => {
  it('takes a delay a timer can wait; stops on a longer one (Node would fire it after 1 ms)', () => {
    expect(serverPushback(trailer('200'))).toBe(200);
    expect(serverPushback(trailer('2147483647'))).toBe(2_147_483_647);
    expect(serverPushback(trailer('2147483648'))).toBe('stop');
    expect(serverPushback(trailer('99999999999999999999'))).toBe('stop');
  });
});
