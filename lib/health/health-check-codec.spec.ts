import { describe, expect, it } from '@jest/globals';
import { decodeServingStatus, encodeHealthCheckRequest } from './health-check-codec.js';

describe('grpc.health.v1 messages, encoded by hand', () => {
  it('encodes HealthCheckRequest: nothing for the whole server, field 1 for a service', () => {
    expect(encodeHealthCheckRequest('')).toEqual(Buffer.alloc(0));
    expect([...encodeHealthCheckRequest('a.B')]).toEqual([0x0a, 3, 0x61, 0x2e, 0x42]);
    // A name longer than 127 bytes takes a two-byte length.
    const long = encodeHealthCheckRequest('x'.repeat(200));
    expect([...long.subarray(0, 3)]).toEqual([0x0a, 0xc8, 0x01]);
    expect(long.length).toBe(203);
  });

  it('decodes the status, skipping fields it does not know, and 0 (UNKNOWN) when absent', () => {
    expect(decodeServingStatus(Buffer.from([0x08, 0x01]))).toBe(1);
    expect(decodeServingStatus(Buffer.from([0x08, 0x02]))).toBe(2);
    expect(decodeServingStatus(Buffer.alloc(0))).toBe(0);
    // field 2 (length-delimited "hi"), field 3 (fixed32), then status 1.
    const withExtras = Buffer.from([0x12, 2, 0x68, 0x69, 0x1d, 1, 2, 3, 4, 0x08, 0x01]);
    expect(decodeServingStatus(withExtras)).toBe(1);
  });

  it('rejects a malformed response instead of guessing', () => {
    expect(() => decodeServingStatus(Buffer.from([0x08]))).toThrow('bad varint');
    expect(() => decodeServingStatus(Buffer.from([0x12, 5, 0x68]))).toThrow('truncated');
    expect(() => decodeServingStatus(Buffer.from([0x0b]))).toThrow('wire type 3');
  });
});
